"""results.json, results.md and the printed table: the measured figures next to the product's targets."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

SUITE_NOTES = {
    "even": "even light, 4-10 digits 20-160 px tall, black / blue / pencil ink",
    "hard": "light gradient, shadow band, vignetting, perspective, blur, noise, JPEG, ruled/grid paper",
    "rotated": "every digit turned up to +-35 degrees",
    "numbers": "lines of 2-5 digit numbers, digits 1 px to 12 % of their height apart",
    "distractors": "digits plus letters, scribbles, dots and long lines",
    "sweep": "one digit per frame at -45, -30, -15, 0, 15, 30, 45 degrees",
    "closeup": "1-3 digits 35-75 % of the frame tall (640x480 to 1920x1080), thin ballpoint (1-2 % of the height) "
               "or marker (8-12 %), mostly on squared paper, mild camera",
    "sheet": "8-12 MP phone photos of a sheet of 30-70 digits in rows, thin pen (1.5-3 % of the height), "
             "some digits close together",
    "blur": "motion blur 5-11 px and/or defocus radius 1.2-3 px, strong noise, JPEG 40-80 (640x480, 1280x720)",
    "thinblur": "as blur, digits 28-140 px written with a thin pen (3-7 % of their height): a faint core in a "
                "soft halo",
    "pencil": "faint grainy pencil on ruled notebook paper, digits standing on and crossing the rules, "
              "under a dark shadow band",
    "marks": "rows of digits beside hand-drawn letters, crosses, plus and minus signs, scribbles, dots, strokes",
    "words": "rows of 1-4 digit numbers beside handwritten words of random letters, o, l, s, z, g, q, b included",
    "text": "a page of notes: close rows of English words on ruled paper, a few numbers among them",
    "dotgrid": "digits 24-110 px on dot-grid paper (a bullet journal's grey dots every 14-40 px), mild camera",
    "singles45": "one digit per frame turned 30-45 degrees either way",
    "askew": "a notebook page with dark rules, digits on and across them, photographed turned 2-8 degrees",
    "desk": "a page lying on a desk (wood, grey or white), photographed from above and a little back: narrower at the top",
}


@dataclass(frozen=True)
class Target:
    """A figure from the product issue: what it is, the bar, and where it sits in results.json."""

    name: str
    op: str  # ">=" or "<="
    bar: float
    unit: str
    get: Callable[[dict], float | None]

    def check(self, results: dict) -> dict:
        try:
            value = self.get(results)
        except (KeyError, IndexError, TypeError):
            value = None
        ok = None if value is None else (value >= self.bar if self.op == ">=" else value <= self.bar)
        target = "yes" if self.unit == "bool" else f"{self.op} {fmt(self.bar, self.unit)}"
        return {"name": self.name, "target": target, "measured": value,
                "unit": self.unit, "pass": ok}


def _suite(suite: str, figure: str) -> Callable[[dict], float | None]:
    return lambda r: r["suites"][suite][r["default"]][figure]


def _speed(cores: int, figure: str, at: int = 1) -> Callable[[dict], float | None]:
    """A figure of the default model's first camera-frame row on `cores` cores ([min, median, max]: the `at`)."""
    def get(r: dict) -> float | None:
        rows = [s for s in r["speed"]["camera"]
                if s.get("variant") == r["default"] and s["cores"] == cores and "error" not in s]
        value = rows[0][figure] if rows else None
        return value[at] if isinstance(value, list) else value

    return get


def _detect_rss(r: dict) -> float | None:
    """Peak memory of `python -m edge detect` on the camera frames (the first detect row)."""
    rows = [s for s in r["speed"]["detect"][:1] if "error" not in s]
    return rows[0]["peak_rss_mb"] if rows else None


def _no_tensorflow(r: dict) -> float | None:
    rows = r["speed"]["camera"] + r["speed"]["photos"]
    return float(not any(s.get("tensorflow_imported", True) for s in rows)) if rows else None


TARGETS = (
    Target("read accuracy, even light", ">=", 0.99, "%", _suite("even", "accuracy")),
    Target("read accuracy, hard light", ">=", 0.95, "%", _suite("hard", "accuracy")),
    Target("read accuracy, rotated +-35 deg", ">=", 0.97, "%", _suite("rotated", "accuracy")),
    Target("numbers read exactly", ">=", 0.95, "%", _suite("numbers", "number_accuracy")),
    Target("precision with distractors", ">=", 0.98, "%", _suite("distractors", "precision")),
    Target("time per camera frame (0-15 digits) vs OpenCV's digit sample, 1 core, median run", "<=", 0.5, "x",
           _speed(1, "ratio")),
    Target("peak resident memory of python -m edge detect (640x480 frames)", "<=", 100.0, "MB", _detect_rss),
    Target("runner imports no TensorFlow", ">=", 1.0, "bool", _no_tensorflow),
)


def fmt(value, unit: str = "%") -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{100 * value:.1f} %"
    if unit == "bool":
        return "yes" if value else "no"
    if unit == "fps":
        return f"{value:.0f}"
    if unit == "x":
        return f"{value:.2f}×"
    return f"{value:.1f} {unit}"


def describe(meta: dict, variant: str) -> str:
    info = meta.get("model_files", {}).get(variant)
    return f"sha256 {info['sha256']}, {info['bytes'] / 1024:.0f} KiB, modified {info['modified']}" if info else "?"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def markdown(results: dict) -> str:
    meta, default = results["meta"], results["default"]
    out = [
        "# Benchmark results",
        "",
        f"`{meta['command']}` on {meta['date']} - {meta['machine']}; {meta['seconds']:.0f} s in all.",
        f"Default model: `{meta['models'].get(default, default)}` ({describe(meta, default)}). Frames per suite: "
        + ", ".join(f"{k} {v}" for k, v in meta["frames"].items()) + f" (seed {meta['seed']}).",
    ]
    if meta.get("note"):
        out += ["", f"Note: {meta['note']}"]
    out += ["", "## Targets (default model)", ""]
    rows = [[t["name"], t["target"], fmt(t["measured"], t["unit"]),
             "-" if t["pass"] is None else ("pass" if t["pass"] else "**FAIL**")] for t in results["targets"]]
    out += [table(["figure", "target", "measured", "result"], rows), "", "## Reading, per suite", ""]
    rows = []
    for suite, by_reader in results["suites"].items():
        for reader, s in by_reader.items():
            rows.append([suite, reader, str(s["frames"]), str(s["truth"]), fmt(s["recall"]), fmt(s["precision"]),
                         fmt(s["accuracy"]), fmt(s["frame_accuracy"]), fmt(s["number_accuracy"])])
    out += [table(["suite", "reader", "frames", "digits", "recall", "precision", "read accuracy", "frames exact",
                   "numbers exact"], rows), ""]
    segmentation = results.get("segmentation", {})
    if segmentation:
        out += ["Segmentation alone (`edge.segment.find_candidates`, before any classifier): how many truth digits "
                "got a candidate box, and how many candidates were digits.", "",
                table(["suite", "candidate recall", "candidate precision", "candidates per frame"],
                      [[s, fmt(v["recall"]), fmt(v["precision"]), f"{v['predicted'] / max(v['frames'], 1):.1f}"]
                       for s, v in segmentation.items()]), ""]
    out += ["Suites: " + "; ".join(f"**{k}**: {v}" for k, v in SUITE_NOTES.items() if k in results["suites"]) + ".", ""]
    if results["left_out"]:
        out += ["Left out: " + "; ".join(results["left_out"]) + ".", ""]
    sweep = results["sweep"]
    if sweep:
        angles = sorted({float(a) for curve in sweep.values() for a in curve}, key=float)
        out += ["## Read accuracy vs rotation (sweep)", "",
                table(["reader"] + [f"{a:+.0f} deg" for a in angles],
                      [[r] + [fmt(c.get(str(a))) for a in angles] for r, c in sweep.items()]), ""]
    out += speed_markdown(results["speed"])
    real = results.get("realdev")
    if real:
        from bench.realdev import markdown as real_markdown

        out += ["## Real images (realdev)", "", real_markdown(real)]
        if real.get("pictures"):
            out += [f"The {default} model's misses (auto orientation): "
                    + ", ".join(f"[{Path(p).stem}]({p})" for p in real["pictures"]) + ".", ""]
    if results["pictures"]:
        out += ["## Pictures", ""] + [f"![{Path(p).stem}]({p})" for p in results["pictures"]] + [""]
    return "\n".join(out)


def _spread(values: list[float], digits: int = 2) -> str:
    """median (min-max)."""
    return f"{values[1]:.{digits}f} ({values[0]:.{digits}f}–{values[2]:.{digits}f})"


def speed_markdown(speed: dict) -> list[str]:
    """The speed section: camera frames against OpenCV's sample pipeline, large photos, memory of `edge detect`."""
    camera, photos = speed["camera"], speed["photos"]
    out = ["## Speed: camera frames (640x480, 0-15 digits) against OpenCV's digit sample", ""]
    if speed.get("load"):
        out += [f"Load average (1 min) before and after the speed runs: "
                + " → ".join(f"{v:.1f}" for v in speed["load"]) + " (other work on the machine slows every figure).", ""]
    if camera and "error" not in camera[0]:
        c = camera[0]
        out += [f"{c['frames']} frames, {c['runs']} runs in one process per row, the reader and the sample pipeline "
                f"(digits_video.py: adaptive threshold, contours, deskew, HOG, then a linear SVM on all crops at once, "
                f"cheaper than the sample's RBF SVM one crop at a time) on each frame in turn. "
                f"ms per frame: median (min–max) over runs. The reader read {c['digits_per_frame']:.1f} digits per "
                f"frame; the sample pipeline offered {c.get('sample_found_per_frame', 0):.1f} crops.", ""]
    rows = []
    for s in camera:
        if "error" in s:
            rows.append([s["model"], str(s["cores"]), str(s["threads"]), "error: " + s["error"]] + [""] * 8)
            continue
        rows.append([s["variant"], str(s["cores"]), str(s["threads"]), _spread(s["reader_ms"]),
                     f"{s['segment_ms']:.2f}", f"{s['classify_ms']:.2f}", f"{s['fps']:.0f}",
                     _spread(s["sample_ms"]) if "sample_ms" in s else "-",
                     _spread(s["ratio"]) if "ratio" in s else "-",
                     _spread(s["cpu_ratio"]) if "cpu_ratio" in s else "-", f"{s['peak_rss_mb']:.0f}",
                     "yes" if s["tensorflow_imported"] else "no"])
    out += [table(["model", "cores", "threads", "reader ms", "segment ms", "classify ms", "frames/s", "sample ms",
                   "reader / sample", "same, CPU time", "peak RSS MB", "TensorFlow imported"], rows), ""]
    if photos:
        out += ["## Speed: large photos (1 core, default model)", "",
                "Cost per megapixel of the photo and of the image segmentation works on (the reader shrinks "
                "large frames first).", ""]
        rows = []
        for s in photos:
            if "error" in s:
                rows.append([s["model"], "error: " + s["error"]] + [""] * 6)
                continue
            median = s["reader_ms"][1]
            width, height = s["frame_size"]
            rows.append([f"{width}×{height} ({s['frame_mp']:.1f} MP)", f"{s['segmented_mp']:.2f} MP", _spread(s["reader_ms"], 1),
                         f"{s['segment_ms']:.1f}", f"{median / s['frame_mp']:.2f}", f"{median / s['segmented_mp']:.2f}",
                         _spread(s["sample_ms"], 1) if "sample_ms" in s else "-", f"{s['peak_rss_mb']:.0f}"])
        out += [table(["photo", "segmented", "reader ms", "segment ms", "ms per photo MP", "ms per segmented MP",
                       "sample ms", "peak RSS MB"], rows), ""]
    rows = [[s["label"], str(s.get("frames", "")), s["error"] if "error" in s else f"{s['peak_rss_mb']:.0f}",
             "" if "error" in s or s.get("private_mb") is None else f"{s['private_mb']:.0f}"]
            for s in speed["detect"]]
    if rows:
        out += ["Peak resident memory of `python -m edge detect` (one process reading all the frames), and the part "
                "of it the process owns at the end (RssAnon; the rest is shared libraries' pages mapped from disk, "
                "which the kernel maps more or fewer of from one host to the next):", "",
                table(["frames", "count", "peak RSS MB", "private MB"], rows), ""]
    return out


def write(results: dict, out: Path) -> tuple[Path, Path]:
    """results.json (every figure and count) and results.md (the tables and pictures)."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "results.json", out / "results.md"
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
