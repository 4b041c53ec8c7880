"""Score readings against ground truth: pure functions on labels and boxes.

A prediction matches a ground-truth item when their boxes overlap with IoU >= `ScoreParams.min_iou`, or the
prediction's centre lies inside the truth box (small digits, where a pixel or two of box slack costs a lot of
IoU). Matching is one-to-one, best IoU first. Then, per suite:
- detection recall = matched truth digits / truth digits; precision = matched predictions / predictions;
- read accuracy = truth digits matched by a prediction with the right label / truth digits;
- a frame is read exactly when every truth digit is read right and nothing else was reported;
- a number is read exactly when a predicted number matches its box and has exactly its text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Box = tuple[int, int, int, int]
Item = tuple[object, Box]  # (label or number text, box)
MISSED = 10  # confusion-matrix column for truth digits nothing matched


@dataclass(frozen=True)
class ScoreParams:
    min_iou: float = 0.5  # boxes overlapping at least this much match...
    centre_inside: bool = True  # ...and so does a prediction whose centre is inside the truth box


DEFAULT = ScoreParams()


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def centre_inside(inner: Box, outer: Box) -> bool:
    cx, cy = inner[0] + inner[2] / 2, inner[1] + inner[3] / 2
    return outer[0] <= cx <= outer[0] + outer[2] and outer[1] <= cy <= outer[1] + outer[3]


def match(pred: list[Box], truth: list[Box], params: ScoreParams = DEFAULT) -> list[tuple[int, int]]:
    """One-to-one (pred index, truth index) pairs, greedily by IoU among the pairs that qualify."""
    pairs = []
    for i, p in enumerate(pred):
        for j, t in enumerate(truth):
            overlap = iou(p, t)
            if overlap >= params.min_iou or (params.centre_inside and centre_inside(p, t)):
                pairs.append((-overlap, i, j))
    pairs.sort()
    used_p, used_t, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            out.append((i, j))
    return sorted(out, key=lambda pair: pair[1])


@dataclass
class FrameScore:
    """One frame: counts, and which truth digits were missed or misread (indices, for pictures)."""

    truth: int
    predicted: int
    found: int
    correct: int
    numbers: int = 0
    numbers_exact: int = 0
    missed: list[int] = field(default_factory=list)  # truth indices nothing matched
    wrong: list[tuple[int, int]] = field(default_factory=list)  # (truth index, pred index) with a wrong label
    extra: list[int] = field(default_factory=list)  # prediction indices matching no truth
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (true label, predicted label or MISSED)

    @property
    def exact(self) -> bool:
        return self.correct == self.truth and self.predicted == self.found


def score_frame(truth: list[Item], pred: list[Item], truth_numbers: list[Item] = (), pred_numbers: list[Item] = (),
                params: ScoreParams = DEFAULT) -> FrameScore:
    """Compare one frame's predicted digits (and numbers) with its truth."""
    matched = match([b for _, b in pred], [b for _, b in truth], params)
    by_truth = {j: i for i, j in matched}
    wrong = [(j, i) for i, j in matched if int(pred[i][0]) != int(truth[j][0])]
    pairs = [(int(label), int(pred[by_truth[j]][0]) if j in by_truth else MISSED) for j, (label, _) in enumerate(truth)]
    exact_numbers = 0
    if truth_numbers:
        number_pairs = match([b for _, b in pred_numbers], [b for _, b in truth_numbers], params)
        exact_numbers = sum(str(pred_numbers[i][0]) == str(truth_numbers[j][0]) for i, j in number_pairs)
    return FrameScore(
        truth=len(truth),
        predicted=len(pred),
        found=len(matched),
        correct=len(matched) - len(wrong),
        numbers=len(truth_numbers),
        numbers_exact=exact_numbers,
        missed=[j for j in range(len(truth)) if j not in by_truth],
        wrong=wrong,
        extra=sorted(set(range(len(pred))) - {i for i, _ in matched}),
        pairs=pairs,
    )


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as a dash)."""
    return part / whole if whole else None


@dataclass
class SuiteScore:
    """Totals over the frames of a suite and the ratios the report shows."""

    frames: int = 0
    frames_exact: int = 0
    truth: int = 0
    predicted: int = 0
    found: int = 0
    correct: int = 0
    numbers: int = 0
    numbers_exact: int = 0
    confusion: np.ndarray = field(default_factory=lambda: np.zeros((10, 11), np.int64))  # true x (pred, missed)

    def add(self, frame: FrameScore) -> None:
        self.frames += 1
        self.frames_exact += frame.exact
        self.truth += frame.truth
        self.predicted += frame.predicted
        self.found += frame.found
        self.correct += frame.correct
        self.numbers += frame.numbers
        self.numbers_exact += frame.numbers_exact
        for true, predicted in frame.pairs:
            self.confusion[true, predicted] += 1

    @property
    def recall(self) -> float | None:
        return ratio(self.found, self.truth)

    @property
    def precision(self) -> float | None:
        return ratio(self.found, self.predicted)

    @property
    def accuracy(self) -> float | None:
        return ratio(self.correct, self.truth)

    @property
    def frame_accuracy(self) -> float | None:
        return ratio(self.frames_exact, self.frames)

    @property
    def number_accuracy(self) -> float | None:
        return ratio(self.numbers_exact, self.numbers)

    def to_dict(self) -> dict:
        counts = {k: getattr(self, k) for k in ("frames", "frames_exact", "truth", "predicted", "found", "correct",
                                                 "numbers", "numbers_exact")}
        figures = {k: getattr(self, k) for k in ("recall", "precision", "accuracy", "frame_accuracy", "number_accuracy")}
        return {**counts, **figures, "confusion": self.confusion.tolist()}


def summarize(frames: list[FrameScore]) -> SuiteScore:
    total = SuiteScore()
    for frame in frames:
        total.add(frame)
    return total
