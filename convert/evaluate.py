"""Measure one .tflite variant the way the runner uses it: through `edge.classify.Classifier` on one thread.

Accuracy is over the whole test set after `edge.normalize.to_mnist` (what the runner feeds the model); a
"not a digit" answer counts as an error. Latency is the median of repeated `predict` calls after a warm-up,
for one image and for a batch of 16 (the runner's one invoke per frame), quantization of the input included.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from edge.classify import Classifier


@dataclass(frozen=True)
class EvalParams:
    """How each variant is measured."""

    batch: int = 16  # the batch whose per-image latency is reported (a frame with many digits)
    warmup: int = 10  # untimed calls first: allocation, caches, XNNPACK packing
    runs: int = 100  # timed calls; the median is reported
    chunk: int = 500  # images per invoke while measuring accuracy
    threads: int = 1  # interpreter threads: a Pi core, comparable across variants


@dataclass
class Result:
    variant: str
    file: str
    size_bytes: int
    images: int
    correct: int
    rejected: int  # test digits the model called "not a digit" (counted as errors)
    latency_ms: float  # one image, median
    latency_best_ms: float
    batch_ms: float  # one call with `batch` images, median
    batch_per_image_ms: float
    batch_per_image_best_ms: float
    input: dict
    output: dict

    @property
    def accuracy(self) -> float:
        return self.correct / self.images if self.images else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "accuracy": self.accuracy}


def timings_ms(classifier: Classifier, batch: np.ndarray, params: EvalParams) -> tuple[float, float]:
    """Median and best wall time of `classifier.predict(batch)` in milliseconds, after `params.warmup` calls.

    The median is the figure to report; the best shows what the code costs when nothing else wants the CPU.
    """
    for _ in range(params.warmup):
        classifier.predict(batch)
    times = []
    for _ in range(params.runs):
        start = time.perf_counter()
        classifier.predict(batch)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000.0), float(np.min(times) * 1000.0)


def evaluate(model_path: Path, images: np.ndarray, labels: np.ndarray, params: EvalParams = EvalParams(),
             progress: bool = True) -> Result:
    """Accuracy, size and latency of the .tflite at `model_path` on (N, 28, 28) uint8 normalized `images`."""
    classifier = Classifier(model_path, threads=params.threads, second_opinion=False)
    predicted = np.empty(len(images), np.int64)
    with tqdm(total=len(images), desc=f"{classifier.variant:>8}", unit="img", disable=not progress) as bar:
        for start in range(0, len(images), params.chunk):
            chunk = images[start : start + params.chunk]
            predicted[start : start + len(chunk)] = classifier.predict(chunk).argmax(axis=1)
            bar.update(len(chunk))
        bar.set_postfix_str("timing")
        single, single_best = timings_ms(classifier, images[:1], params)
        batch, batch_best = timings_ms(classifier, images[: params.batch], params)
    per_batch = min(params.batch, len(images))
    details = classifier.metadata
    return Result(
        variant=classifier.variant,
        file=model_path.name,
        size_bytes=model_path.stat().st_size,
        images=len(images),
        correct=int((predicted == labels).sum()),
        rejected=int((predicted == classifier.reject_index).sum()) if classifier.reject_index is not None else 0,
        latency_ms=single,
        latency_best_ms=single_best,
        batch_ms=batch,
        batch_per_image_ms=batch / per_batch,
        batch_per_image_best_ms=batch_best / per_batch,
        input=details["input"],
        output=details["output"],
    )
