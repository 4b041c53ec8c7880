"""`python -m bench.batching`: what a camera's changing number of crops costs the classifier, per way of batching.

A camera gives a different number of candidates nearly every frame. Each way of batching classifies the same
seeded sequence of batch sizes (0-16 crops, as camera frames with 0-15 digits give) and, for comparison, a
steady ten crops per frame, in interleaved rounds so that other load on the machine hits them alike, timed
by the wall clock and by this process's CPU time (which other processes on a shared machine disturb less). Runs
with whichever interpreter is installed (LiteRT, or tflite-runtime in a NumPy 1 environment) and needs no
MNIST: the crops are random pixels, which cost the model what digits do.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench import command_line
from edge.classify import BATCH_SIZES, Classifier, load_interpreter


@dataclass(frozen=True)
class BatchingParams:
    frames: int = 200  # batch sizes per sequence
    most: int = 16  # crops per frame: 0 to this many (0-15 digits, a cut group's whole now and then)
    steady: int = 10  # the steady sequence: this many crops every frame (the old speed figure's frame)
    rounds: int = 7
    seed: int = 0


def resizing(model: str, threads: int) -> Callable[[np.ndarray], None]:
    """The way before buckets: one interpreter, resized and re-allocated whenever the batch size changes."""
    interpreter = load_interpreter(model, threads)
    index = interpreter.get_input_details()[0]["index"]
    current = [int(interpreter.get_input_details()[0]["shape"][0])]

    def run(batch: np.ndarray) -> None:
        if len(batch) == 0:
            return
        if len(batch) != current[0]:
            interpreter.resize_tensor_input(index, [len(batch), *batch.shape[1:], 1], strict=False)
            interpreter.allocate_tensors()
            current[0] = len(batch)
        interpreter.set_tensor(index, batch[..., None])
        interpreter.invoke()

    return run


def ways(model: str, threads: int) -> dict[str, Callable[[np.ndarray], object]]:
    """Name -> a function classifying one frame's crops."""
    def buckets(sizes: tuple[int, ...]) -> Callable[[np.ndarray], object]:
        return Classifier(model, threads, batch_sizes=sizes, second_opinion=False).predict

    return {
        "resize on every change (before)": resizing(model, threads),
        f"buckets {','.join(map(str, BATCH_SIZES))} (default)": buckets(BATCH_SIZES),
        "buckets 1,2,4,8,16": buckets((1, 2, 4, 8, 16)),
        "buckets 1,4,16": buckets((1, 4, 16)),
        "batch of 1, one invoke per crop": buckets((1,)),
        "batch of 8, last one padded": buckets((8,)),
        "batch of 16, padded": buckets((16,)),
    }


def measure(model: str, threads: int, params: BatchingParams) -> dict[str, dict[str, list[float]]]:
    """ms per frame, wall and CPU, one figure per round, for every way on the varying and on the steady sequence."""
    rng = np.random.default_rng(params.seed)
    crops = rng.integers(0, 256, (params.most, 28, 28), dtype=np.uint8)
    sequences = {"varying": [int(n) for n in rng.integers(0, params.most + 1, params.frames)],
                 "steady": [params.steady] * params.frames}
    runners = ways(model, threads)
    for run in runners.values():  # warm-up: every size once
        for n in range(params.most + 1):
            run(crops[:n])
    out: dict[str, dict[str, list[float]]] = {name: {f"{s} {clock}": [] for s in sequences for clock in ("wall", "cpu")}
                                              for name in runners}
    for _ in range(params.rounds):
        for name, run in runners.items():
            for sequence, sizes in sequences.items():
                wall, cpu = time.perf_counter(), time.process_time()
                for n in sizes:
                    run(crops[:n])
                out[name][f"{sequence} cpu"].append((time.process_time() - cpu) * 1000 / len(sizes))
                out[name][f"{sequence} wall"].append((time.perf_counter() - wall) * 1000 / len(sizes))
    return out


def markdown(results: dict[str, dict[str, list[float]]], header: str) -> str:
    def cell(values: list[float]) -> str:
        return f"{np.median(values):.2f} ({np.min(values):.2f}–{np.max(values):.2f})"

    columns = ("varying wall", "varying cpu", "steady wall", "steady cpu")
    lines = [header, "", "| batching | 0-16 crops: wall ms/frame | CPU ms/frame | steady 10 crops: wall ms/frame | "
             "CPU ms/frame |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {name} | " + " | ".join(cell(r[c]) for c in columns) + " |" for name, r in results.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batching", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--model", help="the .tflite (default: the runner's)")
    parser.add_argument("--threads", type=int, default=1, help="interpreter threads (default: 1)")
    parser.add_argument("--rounds", type=int, default=BatchingParams.rounds)
    args = parser.parse_args(argv)
    from edge.classify import ModelError, default_model_path

    model = args.model or str(default_model_path())
    params = BatchingParams(rounds=args.rounds)
    load = os.getloadavg()[0]
    try:
        results = measure(model, args.threads, params)
    except ModelError as error:
        print(f"batching: {error}", file=sys.stderr)
        return 1
    interpreter = Classifier(model, args.threads, batch_sizes=(1,), second_opinion=False).interpreter_name
    command = command_line("bench.batching", argv)
    print(markdown(results, f"`{command}` — {interpreter}, NumPy {np.__version__}, {args.threads} thread(s), "
                            f"median (min–max) of {params.rounds} rounds of {params.frames} frames; load average "
                            f"{load:.1f} → {os.getloadavg()[0]:.1f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
