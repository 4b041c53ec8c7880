"""Frames per second and peak memory of the edge runner alone, in a child process per setting.

Each (model, cores, threads) setting runs `python -m bench.speed` in a fresh process that imports only the
runner (edge.classify + edge.reader), pins itself to `cores` CPUs with os.sched_setaffinity, reads the same
ten-digit 640x480 frames over and over, and prints one JSON line: milliseconds per frame split into
segmentation and classification, frames per second, its peak resident memory (VmHWM) and whether
TensorFlow ended up imported (it must not). This module imports nothing heavy at the top for that reason.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SpeedParams:
    seconds: float = 3.0  # timed reading per setting (after the warm-up)
    warmup: int = 5  # reads before timing starts (interpreter allocation, caches)
    settings: tuple[tuple[int, int], ...] = ((1, 1), (2, 2))  # (cores, interpreter threads)
    timeout_s: float = 120.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process image (VmHWM). Not ru_maxrss: Linux carries that across fork and
    exec, so a child would report its parent's peak (the benchmark holding MNIST) instead of its own."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    import resource  # not Linux: ru_maxrss is the best there is (kilobytes on Linux, bytes on macOS)

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(model: str, frames: list[str], cores: int, threads: int, params: SpeedParams) -> dict:
    """Run in the child: time `Reader.read` on the frames (decoded outside the timed part)."""
    available = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, available[:cores])
    import cv2
    import numpy as np

    from edge.classify import Classifier
    from edge.reader import Reader

    reader = Reader(Classifier(model, threads=threads))
    for path in frames[: params.warmup]:
        reader.read(cv2.imread(path))
    wall, segment, classify, digits = [], [], [], []
    start = time.perf_counter()
    while time.perf_counter() - start < params.seconds:
        for path in frames:
            frame = cv2.imread(path)
            t0 = time.perf_counter()
            reading = reader.read(frame)
            wall.append((time.perf_counter() - t0) * 1000)
            segment.append(reading.segment_ms)
            classify.append(reading.classify_ms)
            digits.append(len(reading.digits))
    wall_ms = float(np.mean(wall))
    return {
        "model": Path(model).name,
        "variant": str(reader.classifier.variant),
        "cores": len(os.sched_getaffinity(0)),
        "threads": threads,
        "frames": len(wall),
        "digits_per_frame": float(np.mean(digits)),
        "segment_ms": float(np.mean(segment)),
        "classify_ms": float(np.mean(classify)),
        "frame_ms": wall_ms,
        "frame_ms_p95": float(np.percentile(wall, 95)),
        "fps": 1000.0 / wall_ms,
        "peak_rss_mb": peak_rss_mb(),
        "tensorflow_imported": any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules),
    }


def run_setting(model: Path, frame_paths: list[Path], cores: int, threads: int, params: SpeedParams) -> dict:
    """One child process for one setting; a failure comes back as {"error": one line}."""
    command = [sys.executable, "-m", "bench.speed", "--model", str(model), "--cores", str(cores),
               "--threads", str(threads), "--seconds", str(params.seconds), *map(str, frame_paths)]
    base = {"model": model.name, "cores": cores, "threads": threads}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=params.timeout_s,
                              cwd=Path(__file__).resolve().parent.parent)
    except subprocess.TimeoutExpired:
        return {**base, "error": f"timed out after {params.timeout_s:.0f} s"}
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return {**base, "error": lines[-1]}
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {**base, "error": f"no result from the child process ({(lines or ['no output'])[-1][:80]})"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time the edge reader on frames (run by `python -m bench`)")
    parser.add_argument("frames", nargs="+", help="image files, read in turn")
    parser.add_argument("--model", required=True)
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=SpeedParams.seconds)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.model, args.frames, args.cores, args.threads, SpeedParams(seconds=args.seconds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
