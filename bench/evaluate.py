"""Read every suite's frames with every reader and score them.

Each frame is made once and read by all readers (the model variants and the baselines), so they see exactly
the same pixels. Segmentation alone is scored too (its candidate boxes against the truth), which tells a digit
the segmentation never offered from one the classifier turned down or misread. The scores of every frame are kept (they are small), and the default model's readings too,
so pictures can show its misses without reading again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench.frames import SUITES, Frame, FrameParams, MnistTestSet, make_frame
from bench.progress import Progress
from bench.score import Box, FrameScore, SuiteScore, score_frame, summarize
from edge.reader import ReadParams, rotate, scale_box, unrotate_box
from edge.scale import working_image
from edge.segment import find_candidates


@dataclass(frozen=True)
class Plan:
    """How many frames each suite gets; `limits` caps slow readers (Tesseract) to the first frames of a suite
    ({reader: {suite or "*": frames}})."""

    frames: dict[str, int]
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    seed: int = 0

    def limit(self, reader: str, suite: str) -> int:
        caps = self.limits.get(reader, {})
        return min(self.frames[suite], caps.get(suite, caps.get("*", self.frames[suite])))


FULL = Plan(frames={"even": 150, "hard": 150, "rotated": 150, "numbers": 100, "distractors": 150, "sweep": 280,
                    "closeup": 100, "sheet": 6, "blur": 150, "thinblur": 100, "pencil": 100, "marks": 150,
                    "words": 100, "text": 100, "dotgrid": 100, "singles45": 140, "askew": 100, "desk": 100},
            limits={"tesseract": {"*": 21, "sweep": 70, "sheet": 2}, "rapidocr": {"*": 10, "sweep": 28, "sheet": 2}})
QUICK = Plan(frames={"even": 12, "hard": 12, "rotated": 12, "numbers": 8, "distractors": 12, "sweep": 28,
                     "closeup": 8, "sheet": 2, "blur": 12, "thinblur": 8, "pencil": 8, "marks": 12, "words": 8,
                     "text": 8, "dotgrid": 8, "singles45": 14, "askew": 8, "desk": 8},
             limits={"tesseract": {"*": 2, "sweep": 7}, "rapidocr": {"*": 2, "sweep": 7, "sheet": 1}})


@dataclass
class SuiteRun:
    """One suite: per reader, the score of every frame it read; the default reader's readings; segmentation alone."""

    suite: str
    scores: dict[str, list[FrameScore]]
    readings: list  # edge.reader.Reading per frame, default reader only
    angles: list[float]  # sweep: the angle of each frame's digit
    candidates: list[FrameScore] = field(default_factory=list)  # find_candidates' boxes vs truth (labels unused)

    def summary(self, reader: str) -> SuiteScore:
        return summarize(self.scores[reader])

    def by_angle(self, reader: str) -> dict[float, SuiteScore]:
        out: dict[float, list[FrameScore]] = {}
        for angle, score in zip(self.angles, self.scores[reader]):
            out.setdefault(angle, []).append(score)
        return {angle: summarize(scores) for angle, scores in sorted(out.items())}


def candidate_boxes(image: np.ndarray, turn: int = 0, params: ReadParams = ReadParams()) -> list[Box]:
    """The segmentation's candidate boxes as the reader makes them (a photo shrunk to its writing's scale by
    `edge.scale`, then turned `turn` degrees clockwise), in the frame's own pixels."""
    small, plan = working_image(image, params.scale, params.segment)
    return [scale_box(unrotate_box(c.box, turn, small.shape[:2]), plan.factor, image.shape[:2])
            for c in find_candidates(rotate(small, turn), plan.segment_params(params.segment), plan.unit)]


def truth_items(frame: Frame) -> tuple[list, list]:
    return [(d.label, d.box) for d in frame.digits], [(n.text, n.box) for n in frame.numbers]


def reading_items(reading) -> tuple[list, list]:
    return [(d.label, tuple(d.box)) for d in reading.digits], [(n.text, tuple(n.box)) for n in reading.numbers]


def score_reading(frame: Frame, reading) -> FrameScore:
    truth, truth_numbers = truth_items(frame)
    pred, pred_numbers = reading_items(reading)
    return score_frame(truth, pred, truth_numbers, pred_numbers)


def run_suite(digits: MnistTestSet, suite: str, readers: dict, default: str, plan: Plan,
              params: FrameParams = FrameParams()) -> SuiteRun:
    """Make the suite's frames one at a time and read each with every reader (within its frame limit)."""
    count = plan.frames[suite]
    run = SuiteRun(suite, {name: [] for name in readers}, [], [])
    with Progress(count, suite) as bar:
        for index in range(count):
            frame = make_frame(digits, SUITES[suite], index, plan.seed, params)
            run.angles.append(frame.digits[0].angle if frame.digits else 0.0)
            boxes = [(-1, box) for box in candidate_boxes(frame.image)]
            run.candidates.append(score_frame(truth_items(frame)[0], boxes))
            for name, reader in readers.items():
                if index >= plan.limit(name, suite):
                    continue
                reading = reader.read(frame.image)
                run.scores[name].append(score_reading(frame, reading))
                if name == default:
                    run.readings.append(reading)
            bar.update()
    return run


def run_all(digits: MnistTestSet, readers: dict, default: str, plan: Plan) -> dict[str, SuiteRun]:
    return {suite: run_suite(digits, suite, readers, default, plan) for suite in plan.frames}
