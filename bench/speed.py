"""Speed and peak memory of the edge runner, next to OpenCV's digit sample, in a child process per setting.

Each (model, cores, threads) setting runs `python -m bench.speed` in a fresh process that imports only the
runner (edge.classify + edge.reader), the baseline (bench.baseline) and bench.profile's pixel counter, pins
itself to `cores` CPUs with os.sched_setaffinity and reads the frames it is given - camera frames with 0-15
digits, or large photos - several times over. Every frame is read by the reader and by `SamplePipeline`
(OpenCV's digits_video.py with the benchmark's HOG + SVM), one right after the other in alternating order,
so both see the same frames in the same run. It prints one JSON line: per run, ms per frame of each and
their ratio (wall clock, and CPU time, which leaves out the time other processes hold the core); the
reader's split into segmentation and classification; the pixels segmentation worked on; its peak resident
memory (VmHWM) and whether TensorFlow ended up imported (it must not). `--detect` instead runs
`python -m edge detect`'s own `main` on the frames and reports that command's peak memory. Nothing heavy
is imported at the top.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SpeedParams:
    runs: int = 5  # passes over the frames; ratios and timings are reported as min / median / max over them
    warmup: int = 5  # reads before timing starts (interpreter allocation, caches)
    # (cores, interpreter threads): one core; two cores with one and with two interpreter threads
    settings: tuple[tuple[int, int], ...] = ((1, 1), (2, 1), (2, 2))
    timeout_s: float = 300.0


def memory_mb(pid: int | str, field: str = "VmRSS") -> float | None:
    """A memory figure of a live process from /proc (VmRSS: resident now, VmHWM: its peak, RssAnon: its own
    part); None once it is gone, or off Linux."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process image (VmHWM). Not ru_maxrss: Linux carries that across fork and
    exec, so a child would report its parent's peak (the benchmark holding MNIST) instead of its own."""
    peak = memory_mb("self", "VmHWM")
    if peak is not None:
        return peak
    import resource  # not Linux: ru_maxrss is the best there is (kilobytes on Linux, bytes on macOS)

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def private_mb() -> float | None:
    """Resident memory this process owns now (RssAnon: heap, buffers, the interpreter's tensors), without the
    pages of shared libraries mapped from disk. Those are most of the peak (OpenCV's library alone maps up to
    43 MB) and how many of them count is the kernel's choice, not the reader's: the same command, code and
    packages peaked at 78, 119 and 82 MB in three runs of one day, owning 28-29 MB each time. None off Linux."""
    return memory_mb("self", "RssAnon")


def spread(values: list[float]) -> list[float]:
    """[min, median, max]."""
    import numpy as np

    return [float(np.min(values)), float(np.median(values)), float(np.max(values))]


def measure(model: str, frames: list[str], cores: int, threads: int, params: SpeedParams,
            baseline: str | None = None) -> dict:
    """Run in the child: time `Reader.read` and the sample pipeline on the frames (decoded outside the timing)."""
    available = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, available[:cores])
    import cv2
    import numpy as np

    from bench.baseline import HogSvm, SamplePipeline
    from bench.profile import segmented_pixels
    from edge.classify import Classifier
    from edge.reader import Reader

    reader = Reader(Classifier(model, threads=threads))
    sample = SamplePipeline(HogSvm.load(Path(baseline))) if baseline else None
    for path in frames[: params.warmup]:
        frame = cv2.imread(path)
        reader.read(frame)
        if sample:
            sample.read(frame)
    runs, digits, found, shapes, size = [], [], [], [], None
    with segmented_pixels() as segmented:
        for run in range(params.runs):
            times = {"reader": [], "sample": [], "reader_cpu": [], "sample_cpu": [], "segment": [], "classify": []}
            for i, path in enumerate(frames):
                frame = cv2.imread(path)
                shapes.append(frame.shape[0] * frame.shape[1])
                size = size or [int(frame.shape[1]), int(frame.shape[0])]
                for who in ("reader", "sample") if (i + run) % 2 == 0 else ("sample", "reader"):
                    if who == "sample" and sample is None:
                        continue
                    t0, cpu = time.perf_counter(), time.process_time()
                    if who == "reader":
                        reading = reader.read(frame)
                    else:
                        found.append(len(sample.read(frame)))
                    times[who].append((time.perf_counter() - t0) * 1000)
                    times[f"{who}_cpu"].append((time.process_time() - cpu) * 1000)
                times["segment"].append(reading.segment_ms)
                times["classify"].append(reading.classify_ms)
                digits.append(len(reading.digits))
            runs.append({k: float(np.mean(v)) if v else None for k, v in times.items()})
    reader_ms = [r["reader"] for r in runs]
    result = {
        "model": Path(model).name,
        "variant": str(reader.classifier.variant),
        "interpreter": reader.classifier.interpreter_name,
        "cores": len(os.sched_getaffinity(0)),
        "threads": threads,
        "frames": len(frames),
        "runs": params.runs,
        "frame_size": size,  # (width, height) of the first frame
        "frame_mp": float(np.mean(shapes)) / 1e6,
        "segmented_mp": float(np.mean(segmented)) / 1e6,
        "digits_per_frame": float(np.mean(digits)),
        "reader_ms": spread(reader_ms),
        "segment_ms": float(np.median([r["segment"] for r in runs])),
        "classify_ms": float(np.median([r["classify"] for r in runs])),
        "fps": 1000.0 / float(np.median(reader_ms)),
        "peak_rss_mb": peak_rss_mb(),
        "tensorflow_imported": any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules),
    }
    if sample:
        # CPU time: what other processes on a shared machine disturb less (it adds up every thread, though)
        result.update(sample_ms=spread([r["sample"] for r in runs]), sample_found_per_frame=float(np.mean(found)),
                      ratio=spread([r["reader"] / r["sample"] for r in runs]),
                      cpu_ratio=spread([r["reader_cpu"] / r["sample_cpu"] for r in runs]))
    return result


def detect_memory(model: str, frames: list[str]) -> dict:
    """Run in the child: `python -m edge detect --model MODEL FRAMES` (its `main`, output discarded), then its
    peak resident memory: what the command costs, start-up and imports included."""
    from edge.__main__ import main

    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        status = main(["detect", "--model", model, *frames])
    return {"command": "python -m edge detect", "model": Path(model).name, "frames": len(frames),
            "exit_status": status, "peak_rss_mb": peak_rss_mb(), "private_mb": private_mb()}


def run_setting(model: Path, frame_paths: list[Path], cores: int, threads: int, params: SpeedParams,
                baseline: Path | None = None, detect: bool = False) -> dict:
    """One child process for one setting (or for `--detect`); a failure comes back as {"error": one line}."""
    command = [sys.executable, "-m", "bench.speed", "--model", str(model), "--cores", str(cores),
               "--threads", str(threads), "--runs", str(params.runs), *map(str, frame_paths)]
    command += ["--baseline", str(baseline)] if baseline else []
    command += ["--detect"] if detect else []
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
    parser.add_argument("--runs", type=int, default=SpeedParams.runs)
    parser.add_argument("--baseline", help="HogSvm weights (.npy): time OpenCV's sample pipeline on the same frames")
    parser.add_argument("--detect", action="store_true", help="peak memory of `python -m edge detect` on the frames")
    args = parser.parse_args(argv)
    if args.detect:
        result = detect_memory(args.model, args.frames)
    else:
        result = measure(args.model, args.frames, args.cores, args.threads, SpeedParams(runs=args.runs), args.baseline)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
