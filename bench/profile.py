"""`python -m bench.profile [--data MNIST]`: where a frame's time goes, stage by stage, at camera and photo sizes.

Camera frames (`bench.frames.camera_frame`: 0-15 digits) go through the real `Reader.read` while every
function named in `stage_table` is wrapped by a timer. A stage's time is its own, the stages it calls taken
out, so the rows add up to the whole read. When edge/segment.py's functions change, re-point the table; the
rest of this module does not know what the stages are.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from types import ModuleType

import numpy as np

from bench import command_line

Stage = tuple[str, object, str]  # (row name, the module or object the reader reaches it through, attribute)


@dataclass(frozen=True)
class ProfileParams:
    # (width, height, frames): a camera, a 1080p stream, a 12 MP photo (Raspberry Pi HQ camera)
    sizes: tuple[tuple[int, int, int], ...] = ((640, 480, 16), (1920, 1080, 8), (4056, 3040, 4))
    repeats: int = 5  # reads of every frame; each stage's figure is the median over repeats
    warmup: int = 2  # frames read before timing (interpreter allocation, caches)
    seed: int = 0


def stage_table(reader) -> tuple[Stage, ...]:
    """Stage name -> the function doing it, as `reader` reaches it today (edge/ of 2026-12-04)."""
    from edge import context, ink, reader as reader_module, scale, segment

    return (
        ("photo: measure the writing, shrink", scale, "working_image"),
        ("grey conversion", ink, "to_gray"),
        ("background estimate and ink map", segment, "ink_map"),  # as segment calls it (scale's probe: above)
        ("light-ink test", ink, "_light_ink"),
        ("faint-frame thresholds", segment, "thresholds"),
        ("threshold and candidate bookkeeping", segment, "segment"),
        ("line removal", segment, "remove_lines"),
        ("components", segment, "_pieces"),
        ("joining", segment, "_join_pieces"),
        ("splitting and shape rules", segment, "_parts"),
        ("long-stroke filter", segment, "_drop_long_strokes"),
        ("normalization (to_mnist)", reader_module, "to_mnist_batch"),
        ("letters in words", context, "in_words"),
        ("classification", reader.classifier, "predict"),
        ("reader: shrink, cut/whole choice, grouping", reader, "read"),
    )


@dataclass
class StageTimer:
    """Own time (callees that are stages excluded), calls, and the summed length of the first argument per stage."""

    own: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)  # e.g. the crops a classification call was given
    _open: list[float] = field(default_factory=list)  # time spent in stages called by each open stage

    def wrap(self, name: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            self._open.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = self._open.pop()
                self.own[name] = self.own.get(name, 0.0) + elapsed - inner
                self.calls[name] = self.calls.get(name, 0) + 1
                self.items[name] = self.items.get(name, 0) + (len(args[0]) if args and hasattr(args[0], "__len__") else 0)
                if self._open:
                    self._open[-1] += elapsed

        return timed

    def reset(self) -> None:
        self.own.clear()
        self.calls.clear()
        self.items.clear()


@contextlib.contextmanager
def timing(table: tuple[Stage, ...], timer: StageTimer) -> Iterator[StageTimer]:
    """Every stage of `table` wrapped by `timer` inside the block, put back as it was after it."""
    saved = []
    try:
        for name, owner, attribute in table:
            own = vars(owner).get(attribute) if not isinstance(owner, ModuleType) else getattr(owner, attribute)
            saved.append((owner, attribute, own))
            setattr(owner, attribute, timer.wrap(name, getattr(owner, attribute)))
        yield timer
    finally:
        for owner, attribute, own in reversed(saved):
            if own is None:
                delattr(owner, attribute)  # an instance attribute shadowing its class's method
            else:
                setattr(owner, attribute, own)


@contextlib.contextmanager
def segmented_pixels() -> Iterator[list[int]]:
    """Inside the block, the pixel count of every image `edge.segment.segment` is given (the reader shrinks
    large frames first: that, not the frame, is what segmentation costs scale with)."""
    from edge import segment

    seen, pixels = segment.segment, []

    def recording(frame, *args, **kwargs):
        pixels.append(frame.shape[0] * frame.shape[1])
        return seen(frame, *args, **kwargs)

    segment.segment = recording
    try:
        yield pixels
    finally:
        segment.segment = seen


def profile_size(reader, images: list[np.ndarray], params: ProfileParams) -> dict:
    """Median ms per frame of every stage over `params.repeats` reads of `images`, and what was segmented."""
    for image in images[: params.warmup]:
        reader.read(image)
    table = stage_table(reader)
    per_repeat, totals, groups, crops = [], [], 0, 0
    with segmented_pixels() as segmented:
        with timing(table, StageTimer()) as timer:
            for _ in range(params.repeats):
                timer.reset()
                start = time.perf_counter()
                for image in images:
                    reader.read(image)
                totals.append((time.perf_counter() - start) * 1000 / len(images))
                per_repeat.append({name: 1000 * timer.own.get(name, 0.0) / len(images) for name, _, _ in table})
                groups = timer.calls.get("splitting and shape rules", 0)
                crops = timer.items.get("classification", 0)
    return {
        "frame": images[0].shape[1::-1],
        "frames": len(images),
        "segmented_mp": float(np.mean(segmented)) / 1e6,
        "groups_per_frame": groups / len(images),
        "crops_per_frame": crops / len(images),
        "total_ms": [float(np.min(totals)), float(np.median(totals)), float(np.max(totals))],
        "stages": {name: float(np.median([r[name] for r in per_repeat])) for name, _, _ in table},
    }


def markdown(results: list[dict], header: str) -> str:
    """One column per frame size: ms per frame, and per megapixel of the image segmentation works on."""
    names = list(results[0]["stages"])
    cols = [f"{r['frame'][0]}×{r['frame'][1]} ({r['frames']} frames, segmented at {r['segmented_mp']:.2f} MP)"
            for r in results]
    lines = [header, "", "| stage | " + " | ".join(f"{c}: ms | ms/MP" for c in cols) + " |",
             "|---|" + "---:|---:|" * len(results)]
    for name in names:
        cells = [f"{r['stages'][name]:.3f} | {r['stages'][name] / r['segmented_mp']:.2f}" for r in results]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [f"**{r['total_ms'][1]:.2f}** ({r['total_ms'][0]:.2f}–{r['total_ms'][2]:.2f}) | "
              f"{r['total_ms'][1] / r['segmented_mp']:.2f}" for r in results]
    lines.append("| whole `Reader.read` (median, min–max over repeats) | " + " | ".join(totals) + " |")
    lines.append("| component groups / crops classified, per frame | "
                 + " | ".join(f"{r['groups_per_frame']:.1f} / {r['crops_per_frame']:.1f} |" for r in results))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--data", help="MNIST as a keras .npz or a folder of IDX files (default: Keras' download)")
    parser.add_argument("--model", help="the .tflite to classify with (default: the runner's)")
    parser.add_argument("--threads", type=int, default=1, help="interpreter threads (default: 1)")
    parser.add_argument("--repeats", type=int, default=ProfileParams.repeats)
    parser.add_argument("--direct-side", type=int,
                        help="frames up to this longer side are segmented as they are (default: the reader's)")
    parser.add_argument("--sizes", help="WxHxFRAMES,... (default: 640x480x16,1920x1080x8,4056x3040x4)")
    args = parser.parse_args(argv)
    params = ProfileParams(repeats=args.repeats)
    if args.sizes:
        try:
            params = replace(params, sizes=tuple(tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")))
        except ValueError:
            parser.error(f"--sizes: expected WxHxFRAMES,..., got {args.sizes!r}")
        if any(len(s) != 3 or min(s) < 1 for s in params.sizes):
            parser.error(f"--sizes: expected WxHxFRAMES,... with positive numbers, got {args.sizes!r}")

    from bench.frames import MnistTestSet, camera_frame
    from bench.run import machine
    from edge.classify import Classifier, ModelError
    from edge.reader import Reader, ReadParams
    from train.data import DataError, load_mnist

    try:
        digits = MnistTestSet.from_split(load_mnist(args.data))
        read = ReadParams()
        if args.direct_side is not None:
            read = replace(read, scale=replace(read.scale, direct_side=args.direct_side))
        reader = Reader(Classifier(args.model, threads=args.threads), read)
    except (DataError, ModelError) as error:
        print(f"profile: {error}", file=sys.stderr)
        return 1
    results, load = [], os.getloadavg()[0]
    for width, height, count in params.sizes:
        indices = [i * 16 // count for i in range(count)]  # digit counts spread over 0-15
        images = [camera_frame(digits, i, params.seed, (width, height)).image for i in indices]
        results.append(profile_size(reader, images, params))
        print(f"{width}x{height}: {results[-1]['total_ms'][1]:.1f} ms per frame", file=sys.stderr)
    command = command_line("bench.profile", argv)
    print(markdown(results, f"`{command}` — {machine()}, {reader.classifier.interpreter_name}, "
                            f"{args.threads} interpreter thread(s), direct_side {reader.params.scale.direct_side}; load average "
                            f"{load:.1f} → {os.getloadavg()[0]:.1f}. ms per frame, median over {params.repeats} repeats"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
