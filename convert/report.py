"""The conversion report: one row per variant against float32, checked against the product targets.

Printed as a table and written as `convert_report.md` (for people, with `convert_report.png`) and
`convert_report.json` (for tools).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from convert.evaluate import Result

BASELINE = "float32"


@dataclass(frozen=True)
class Targets:
    """What the full-integer model must keep against float32 (the product issue)."""

    variant: str = "int8"
    max_drop_pp: float = 0.10  # accuracy loss, percentage points
    max_size_ratio: float = 0.25  # file size as a fraction of float32's


def baseline(results: list[Result]) -> Result | None:
    return next((r for r in results if r.variant == BASELINE), None)


def table(results: list[Result]) -> str:
    """A Markdown table: size, accuracy and latency of every variant, deltas against float32."""
    base = baseline(results)
    lines = [
        "| variant | input | size (KiB) | size vs float32 | accuracy (%) | vs float32 (pp) | rejected | 1 image (ms, median / best) | per image, batch of 16 (ms, median / best) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.size_bytes / base.size_bytes:.1%}" if base else "-"
        drop = f"{(r.accuracy - base.accuracy) * 100:+.2f}" if base else "-"
        lines.append(
            f"| {r.variant} | {r.input['dtype']} | {r.size_bytes / 1024:.1f} | {ratio} | {r.accuracy * 100:.2f} | "
            f"{drop} | {r.rejected} | {r.latency_ms:.3f} / {r.latency_best_ms:.3f} | "
            f"{r.batch_per_image_ms:.3f} / {r.batch_per_image_best_ms:.3f} |"
        )
    return "\n".join(lines)


def check_targets(results: list[Result], targets: Targets = Targets()) -> list[dict]:
    """Each target with the measured value and whether it is met (empty when a variant is missing)."""
    base = baseline(results)
    model = next((r for r in results if r.variant == targets.variant), None)
    if base is None or model is None:
        return []
    drop = (base.accuracy - model.accuracy) * 100
    ratio = model.size_bytes / base.size_bytes
    return [
        {"target": f"{targets.variant} accuracy loss vs float32 <= {targets.max_drop_pp:.2f} pp",
         "measured": f"{drop:.2f} pp", "met": drop <= targets.max_drop_pp + 1e-9},
        {"target": f"{targets.variant} size <= {targets.max_size_ratio:.0%} of float32",
         "measured": f"{ratio:.1%} ({model.size_bytes} / {base.size_bytes} bytes)", "met": ratio <= targets.max_size_ratio},
    ]


def markdown(results: list[Result], context: dict, picture: str) -> str:
    checks = check_targets(results)
    lines = ["# Conversion report", "", table(results), "", f"![size, accuracy and latency]({picture})", ""]
    if checks:
        lines += ["## Targets", ""]
        lines += [f"- {'met' if c['met'] else 'NOT met'}: {c['target']} (measured {c['measured']})" for c in checks]
        lines.append("")
    lines += ["## How this was measured", ""]
    lines += [f"- {key}: {value}" for key, value in context.items()]
    return "\n".join(lines) + "\n"


def plot(results: list[Result], path: Path) -> Path:
    """The table as a picture: size, accuracy and latency per variant side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r.variant for r in results]
    panels = [
        ("file size (KiB)", [r.size_bytes / 1024 for r in results], "{:.0f}"),
        ("test accuracy (%)", [r.accuracy * 100 for r in results], "{:.2f}"),
        ("ms per image, batch of 16", [r.batch_per_image_ms for r in results], "{:.3f}"),
        ("ms for one image", [r.latency_ms for r in results], "{:.3f}"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 2.8), constrained_layout=True)
    for ax, (title, values, fmt) in zip(axes, panels):
        bars = ax.barh(names, values, color=["#4c72b0" if n != "int8" else "#dd8452" for n in names])
        ax.bar_label(bars, [fmt.format(v) for v in values], padding=2, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.invert_yaxis()
        ax.margins(x=0.25)
        if "accuracy" in title:  # the differences are hundredths of a point: zoom in on them
            ax.set_xlim(min(values) - 0.3, max(values) + 0.3)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(results: list[Result], out_dir: Path, context: dict, name: str = "convert_report") -> tuple[Path, Path, Path]:
    """`<name>.md`, `<name>.json` and `<name>.png` in `out_dir`."""
    md_path, json_path, png_path = out_dir / f"{name}.md", out_dir / f"{name}.json", out_dir / f"{name}.png"
    plot(results, png_path)
    md_path.write_text(markdown(results, context, png_path.name))
    data = {"results": [r.as_dict() for r in results], "targets": check_targets(results),
            "target_values": asdict(Targets()), "context": context}
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    return md_path, json_path, png_path
