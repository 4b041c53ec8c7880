"""Real images of handwritten digits, labelled: read them, score them, per source and kind of capture.

The folder holds `labels.json` (a list: per image `file`, `width`, `height`, `digits` [{label, box: [x, y, w, h]}],
`rotation_ccw_to_upright_deg`, `capture`, `repo`) and `images/<file>`. Anything not listed as a digit is not one:
reading it is a false detection. Matching follows the set's own rule: a predicted box matches a true box when
their IoU is at least 0.3 or the predicted box's centre lies inside the true box, one to one.

Each reader is run at each orientation asked for ("auto": the four quarter turns; 0: as stored) and reported on
all images and on the upright ones (rotation 0). The figures are for measuring, never for tuning image by image.

`python -m bench.realdev FOLDER [--model M] [--orientation auto,0] [--rapidocr] [--verbose] [--pictures DIR]`
prints the tables (and with --verbose one line per image); `make bench` adds the same section to its results.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from bench.score import Box, FrameScore, ScoreParams, SuiteScore, score_frame, summarize

MATCH = ScoreParams(min_iou=0.3)  # the set's rule (README of realdev)
SUBSETS = ("all", "upright")


class RealdevError(Exception):
    """The folder cannot be read as a labelled set; the message is one line."""


@dataclass(frozen=True)
class RealImage:
    file: str
    path: Path
    digits: list[tuple[int, Box]]  # (label, box) in the stored image's pixels
    rotation: int  # degrees counter-clockwise that make it upright (0: it is)
    capture: str  # phone_photo, scan, other
    source: str  # the repository it comes from


@dataclass
class ImageResult:
    image: RealImage
    reading: object  # edge.reader.Reading
    score: FrameScore
    seconds: float


def load(folder: Path) -> list[RealImage]:
    """The labelled images of a folder, checked: every image exists and every box is four numbers."""
    labels = Path(folder) / "labels.json"
    if not labels.is_file():
        raise RealdevError(f"{labels}: no such file (a realdev folder holds labels.json and images/)")
    try:
        entries = json.loads(labels.read_text())
        images = [RealImage(e["file"], Path(folder) / "images" / e["file"],
                            [(int(d["label"]), tuple(int(v) for v in d["box"])) for d in e["digits"]],
                            int(e.get("rotation_ccw_to_upright_deg", 0)), str(e.get("capture", "?")),
                            str(e.get("repo", "?"))) for e in entries]
    except (ValueError, KeyError, TypeError) as error:
        raise RealdevError(f"{labels}: not a list of labelled images ({type(error).__name__}: {error})") from None
    for image in images:
        if not image.path.is_file():
            raise RealdevError(f"{image.path}: listed in labels.json but missing")
        if any(len(box) != 4 or not 0 <= label <= 9 for label, box in image.digits):
            raise RealdevError(f"{labels}: {image.file} has a digit that is not a 0-9 label with an [x, y, w, h] box")
    return images


def read_pixels(image: RealImage) -> np.ndarray:
    """The stored pixels, as the labels are: no EXIF rotation applied."""
    pixels = cv2.imread(str(image.path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if pixels is None:
        raise RealdevError(f"{image.path}: not a readable image")
    return pixels


def oriented(reader, orientation: int | str):
    """The same reader (an edge Reader, or a baseline with `with_orientation`) at another orientation."""
    if hasattr(reader, "with_orientation"):
        return reader.with_orientation(orientation)
    from edge.reader import Reader

    return Reader(reader.classifier, replace(reader.params, orientation=orientation))


def read_all(images: list[RealImage], reader, on_image=None) -> list[ImageResult]:
    """Read and score every image (each decoded once per reader); `on_image(result)` after each."""
    results = []
    for image in images:
        pixels = read_pixels(image)
        start = time.perf_counter()
        reading = reader.read(pixels)
        seconds = time.perf_counter() - start
        pred = [(d.label, tuple(d.box)) for d in reading.digits]
        results.append(ImageResult(image, reading, score_frame(image.digits, pred, params=MATCH), seconds))
        if on_image:
            on_image(results[-1])
    return results


def subset(results: list[ImageResult], name: str) -> list[ImageResult]:
    return [r for r in results if name == "all" or r.image.rotation == 0]


def figures(results: list[ImageResult]) -> dict:
    """Scores over the images, per source and per kind of capture, and the mean time per image."""
    def total(rs: list[ImageResult]) -> SuiteScore:
        return summarize([r.score for r in rs])

    groups = {}
    for key, attribute in (("by_source", "source"), ("by_capture", "capture")):
        names = sorted({getattr(r.image, attribute) for r in results})
        groups[key] = {n: total([r for r in results if getattr(r.image, attribute) == n]).to_dict() for n in names}
    return {**{s: total(subset(results, s)).to_dict() for s in SUBSETS}, **groups,
            "seconds_per_image": float(np.mean([r.seconds for r in results])) if results else None}


def misreads(result: ImageResult) -> str:
    """`7>1 9>4` for the misread digits, `3?` for the missed ones."""
    truth, digits = result.image.digits, result.reading.digits
    wrong = [f"{truth[j][0]}>{digits[i].label}" for j, i in result.score.wrong]
    return " ".join(wrong + [f"{truth[j][0]}?" for j in result.score.missed])


def image_line(reader: str, orientation, result: ImageResult) -> str:
    s = result.score
    return (f"{reader:<10} {str(orientation):>4}  {result.image.file[:58]:<58} {s.correct:>3}/{s.truth:<3} right "
            f"{len(s.extra):>2} extra  turn {result.reading.orientation:>3}  {result.seconds * 1000:6.0f} ms  "
            + misreads(result))


def run(images: list[RealImage], readers: dict, orientations: tuple,
        verbose: bool = False) -> dict[str, dict[str, list[ImageResult]]]:
    """{reader: {orientation: results}}: every reader at every orientation on every image."""
    out: dict[str, dict[str, list[ImageResult]]] = {}
    for name, reader in readers.items():
        for orientation in orientations:
            def show(result, name=name, orientation=orientation):
                if verbose:
                    print(image_line(name, orientation, result), file=sys.stderr, flush=True)
            out.setdefault(name, {})[str(orientation)] = read_all(images, oriented(reader, orientation), show)
    return out


def summary(runs: dict[str, dict[str, list[ImageResult]]], folder: Path, images: list[RealImage]) -> dict:
    """The JSON-ready section: what was read, then per reader and orientation the figures."""
    return {
        "folder": str(folder), "images": len(images), "digits": sum(len(i.digits) for i in images),
        "upright_images": sum(i.rotation == 0 for i in images),
        "match": {"min_iou": MATCH.min_iou, "centre_inside": MATCH.centre_inside},
        "readers": {name: {o: figures(results) for o, results in by_turn.items()} for name, by_turn in runs.items()},
    }


def add_degraded(section: dict, images: list[RealImage], name: str, reader) -> None:
    """Add the upright images' figures under generated camera degradations (`bench.degrade`) to `section`."""
    from bench.degrade import read_degraded

    section["degraded_reader"] = name
    section["degraded"] = {k: s.to_dict() for k, s in read_degraded(images, oriented(reader, 0)).items()}


def pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def markdown(section: dict) -> str:
    """The tables: headline figures per reader and orientation, then read accuracy per source and capture."""
    from bench.report import table

    lines = [f"{section['images']} images ({section['upright_images']} upright), {section['digits']} digits, from "
             f"`{section['folder']}`; a read matches a true digit at IoU >= {section['match']['min_iou']} or with its "
             "centre inside it, one to one.", ""]
    rows = []
    for name, by_turn in section["readers"].items():
        for orientation, f in by_turn.items():
            rows.append([name, orientation, pct(f["all"]["accuracy"]), pct(f["upright"]["accuracy"]),
                         pct(f["all"]["recall"]), pct(f["all"]["precision"]), str(f["all"]["predicted"]),
                         f"{1000 * f['seconds_per_image']:.0f}" if f["seconds_per_image"] is not None else "-"])
    lines += [table(["reader", "orientation", "read, all images", "read, upright images", "recall", "precision",
                     "digits reported", "ms per image"], rows), ""]
    for key, title in (("by_source", "source"), ("by_capture", "capture")):
        columns = [(name, o) for name, by_turn in section["readers"].items() for o in by_turn]
        groups = sorted({g for name, o in columns for g in section["readers"][name][o][key]})
        rows = []
        for group in groups:
            first = section["readers"][columns[0][0]][columns[0][1]][key][group]
            rows.append([group, str(first["truth"])] + [pct(section["readers"][n][o][key][group]["accuracy"])
                                                         for n, o in columns])
        lines += [f"Read accuracy per {title}:", "",
                  table([title, "digits"] + [f"{n} ({o})" for n, o in columns], rows), ""]
    if section.get("degraded"):
        rows = [[name, str(f["truth"]), pct(f["accuracy"]), pct(f["recall"]), pct(f["precision"])]
                for name, f in section["degraded"].items()]
        lines += [f"The upright images as worse cameras would have taken them (`bench/degrade.py`), "
                  f"{section['degraded_reader']}, orientation 0:", "",
                  table(["capture", "digits", "read accuracy", "recall", "precision"], rows), ""]
    return "\n".join(lines)


def pictures(results: list[ImageResult], out: Path, max_side: int = 1600) -> list[Path]:
    """Each image with an error, annotated (missed red, misread orange, false reads magenta), as out/<stem>.jpg."""
    from bench.plots import mark_errors

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in results:
        if r.score.exact:
            continue
        image = mark_errors(read_pixels(r.image), r.image.digits, r.reading, r.score)
        factor = min(1.0, max_side / max(image.shape[:2]))
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else image
        paths.append(out / f"{Path(r.image.file).stem}.jpg")
        cv2.imwrite(str(paths[-1]), image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return paths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.realdev", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a labelled folder: labels.json and images/")
    parser.add_argument("--model", type=Path, default=Path("edge/models/digits_int8.tflite"), help="the .tflite model")
    parser.add_argument("--orientation", default="auto,0",
                        help="comma-separated: auto and/or 0, 90, 180, 270 (default auto,0)")
    parser.add_argument("--min-confidence", type=float, default=None, help="the reader's threshold (default: its own)")
    parser.add_argument("--rapidocr", action="store_true", help="also read with RapidOCR (pip install -e '.[bench-ocr]')")
    parser.add_argument("--degrade", action="store_true",
                        help="also read the upright images shrunk, blurred, noisy, shaded, enlarged (bench/degrade.py)")
    parser.add_argument("--verbose", action="store_true", help="one line per image on stderr")
    parser.add_argument("--pictures", type=Path, help="write each image with an error, annotated, to this folder")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from edge.classify import Classifier, ModelError
    from edge.reader import Reader, ReadParams, parse_orientation

    try:
        orientations = tuple(parse_orientation(o) for o in args.orientation.split(","))
        images = load(args.folder)
        params = ReadParams() if args.min_confidence is None else ReadParams(min_confidence=args.min_confidence)
        readers = {args.model.stem.replace("digits_", ""): Reader(Classifier(args.model), params)}
        if args.rapidocr:
            from bench import ocr

            if not ocr.available():
                raise RealdevError("--rapidocr: rapidocr_onnxruntime is not installed (pip install -e '.[bench-ocr]')")
            readers["rapidocr"] = ocr.RapidOcr()
        runs = run(images, readers, orientations, args.verbose)
        section = summary(runs, args.folder, images)
        if args.degrade:
            add_degraded(section, images, *next(iter(readers.items())))
        if args.pictures:
            first = next(iter(runs.values()))
            pictures(next(iter(first.values())), args.pictures)
    except (RealdevError, ModelError, ValueError) as error:
        print(f"realdev: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("realdev: interrupted", file=sys.stderr)
        return 130
    if args.json:
        args.json.write_text(json.dumps(section, indent=1) + "\n")
    print(markdown(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
