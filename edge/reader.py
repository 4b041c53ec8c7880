"""Read the digits of one frame: segment, normalize every candidate, classify them all in one call, group.

Orientation search lives here: with `orientation="auto"` the frame is read in its four quarter turns
(all crops still go through a single `Classifier.predict` call) and the turn whose digits read best wins.
Boxes are always reported in the pixels of the frame that was passed in.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Union

import cv2
import numpy as np

from edge import context, group, layout, scale, segment
from edge.classify import Classifier
from edge.group import Digit, Number
from edge.normalize import LOOKS, cut_halo, other_looks, to_mnist_batch

Box = tuple[int, int, int, int]
Orientation = Union[int, str]  # 0, 90, 180, 270 or "auto"
TURNS = (0, 90, 180, 270)  # also the order of preference when two turns read equally well
# the turns worth reading when the writing's lines run along the frame's rows or columns (`edge.layout`), and
# those among them that need no margin; when the layout does not tell, every turn, and only upright is favoured
AXIS_TURNS = {"rows": ((0, 180), (0,)), "columns": ((90, 270, 0), (90, 270)), None: (TURNS, (0,))}


@dataclass(frozen=True)
class ReadParams:
    """How a frame is read; the defaults suit a fixed camera looking straight at paper."""

    min_confidence: float = 0.5  # a digit below this probability is dropped as unsure
    # a crop about to be dropped, as a digit below `min_confidence` or as "not a digit" below this probability,
    # is read again under small changes of framing (`normalize.LOOKS`) and the probabilities averaged: an
    # unusual hand that one framing puts on the fence (0 = never). 2 crops in 365 on camera frames.
    second_look: float = 0.9
    # ...and every crop about to be dropped, unless the model puts it in "not a digit" at `halo_doubt` or more,
    # is read once more with the soft halo of its strokes cut away (`normalize.cut_halo`: ink below `halo_floor`
    # of the peak), and taken when that reads a digit at `halo_look` or more (0 = never): a defocused or
    # smeared camera's thin-pen digits, which the model puts in "not a digit" (docs/segmentation.md)
    halo_look: float = 0.95
    halo_floor: float = 0.4
    halo_doubt: float = 0.99
    # ...and what is still about to be dropped (below `halo_doubt`) is read by the model's *second opinion*, a
    # model fine-tuned on camera blur (`Classifier.second_opinion`, named in the model's sidecar), and taken when
    # that reads a digit at `blur_look` or more (0 = never). The blur-trained model alone reads more defocused
    # digits but misreads more letters and marks; asked only here, it costs no suite a false read
    # (docs/segmentation.md, "The second opinion"). `second_look` 0 turns this off too
    blur_look: float = 0.9
    # a *tentative* cut (`segment.Candidate.tentative`: two touching digits of different heights, or one digit
    # with a long arm) keeps its uncut group when that group is a sure digit reading at least this share of its
    # weaker part's confidence; a firm cut keeps it only when it reads more surely than that part
    tentative_share: float = 0.8
    orientation: Orientation = 0  # degrees the frame is turned clockwise before reading, or "auto" (2-4x the work)
    # with "auto", the way the candidates line up picks the axis first (`edge.layout`: lines along the rows
    # leave upright and upside down, along the columns the two quarter turns). A turn the layout does not favour
    # is chosen only when its digits score this many times the best favoured one's (score: the sum of the
    # digits' confidences): most pages are upright, and a few digits read as well upside down (0, 1, 8, 6/9) or
    # on their side, so a close call keeps the favoured turn
    turn_margin: float = 1.5
    turn_min_digits: int = 4  # ...and reads at least this many digits (a short number cannot tell a 6 from a 9)
    layout: layout.LayoutParams = layout.DEFAULT
    # OpenCV's worker threads for the whole process (None: leave them alone). Its parallel loops cost more than
    # they save on a 640x480 frame: segmentation took 3.1 ms with 2 threads on 2 idle cores, 2.1 ms with 1
    opencv_threads: int | None = 1
    scale: scale.ScaleParams = scale.DEFAULT  # how photos larger than a camera frame are shrunk first
    segment: segment.SegmentParams = segment.DEFAULT
    # letters inside words are dropped by the ink beside them (None: off)
    context: context.ContextParams | None = context.DEFAULT
    group: group.GroupParams = group.DEFAULT


@dataclass
class Reading:
    """What one frame said: digits in reading order, numbers, the turn used and where the time went."""

    digits: list[Digit]
    numbers: list[Number]
    orientation: int
    shape: tuple[int, int]  # (height, width) of the frame the boxes refer to
    segment_ms: float = 0.0
    classify_ms: float = 0.0

    @property
    def timings(self) -> dict[str, float]:
        return {"segment_ms": self.segment_ms, "classify_ms": self.classify_ms}

    def to_json(self, source: str) -> dict:
        """The `edge detect` contract of docs/DESIGN.md as a JSON-ready dict (json.dumps it for a line)."""
        return {
            "source": str(source),
            "digits": [
                {"label": int(d.label), "confidence": round(float(d.confidence), 4), "box": [int(v) for v in d.box]}
                for d in self.digits
            ],
            "numbers": [{"text": str(n.text), "box": [int(v) for v in n.box]} for n in self.numbers],
        }


def parse_orientation(value: str | int) -> Orientation:
    """'auto' or a quarter turn in degrees (argparse type and ReadParams check)."""
    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        turn = int(value)
    except ValueError:
        turn = -1
    if turn not in TURNS:
        raise ValueError(f"orientation must be auto, 0, 90, 180 or 270, not {value!r}")
    return turn


def rotate(frame: np.ndarray, turn: int) -> np.ndarray:
    """The frame turned `turn` degrees clockwise (a contiguous copy, as OpenCV wants)."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return frame if turn == 0 else cv2.rotate(frame, codes[turn])


def unrotate_box(box: Box, turn: int, shape: tuple[int, int]) -> Box:
    """A box found in the frame turned `turn` degrees clockwise, in the pixels of the original frame.

    `shape` is (height, width) of the original frame. Works on pixel edges, so boxes stay exact.
    """
    x, y, w, h = box
    height, width = shape[:2]
    if turn == 90:  # original (x0, y0) went to (height - y0, x0)
        return y, height - x - w, h, w
    if turn == 180:
        return width - x - w, height - y - h, w, h
    if turn == 270:  # original (x0, y0) went to (y0, width - x0)
        return width - y - h, x, h, w
    return box


def scale_box(box: Box, factor: float, shape: tuple[int, int]) -> Box:
    """A box measured on a frame shrunk by `factor`, in the full frame's pixels (clipped to it)."""
    if factor == 1.0:
        return box
    height, width = shape[:2]
    x0, y0 = int(box[0] / factor), int(box[1] / factor)
    x1 = min(width, int(np.ceil((box[0] + box[2]) / factor)))
    y1 = min(height, int(np.ceil((box[1] + box[3]) / factor)))
    return x0, y0, x1 - x0, y1 - y0


def as_bgr_or_gray(frame: np.ndarray) -> np.ndarray:
    """Accept gray, BGR and BGRA uint8 frames (PNG screenshots carry alpha); reject anything else."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {frame.dtype}")
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] != 3):
        raise ValueError(f"expected a gray or BGR image, got shape {frame.shape}")
    return frame


def with_wholes(candidates: list[segment.Candidate]) -> list[segment.Candidate]:
    """The candidates followed by each uncut group their cut parts came from (once each): all of them go
    into the frame's one batched call."""
    wholes = {id(c.whole): c.whole for c in candidates if c.whole is not None}
    return candidates + list(wholes.values())


def dropping(probs: np.ndarray, reject: int | None, min_confidence: float, doubt: float) -> np.ndarray:
    """Indices of the crops the reader would drop without being sure: put in "not a digit" below `doubt`, or read
    as a digit below `min_confidence` (a classifier without "not a digit" doubts only its unsure digits)."""
    if reject is None:
        return np.flatnonzero(probs.max(axis=1) < min_confidence)
    digit = np.delete(probs, reject, axis=1).max(axis=1)
    return np.flatnonzero(np.where(probs[:, reject] > digit, probs[:, reject] < doubt, digit < min_confidence))


def sure_digits(probs: np.ndarray, reject: int | None, at: float) -> np.ndarray:
    """Mask of the rows read as a digit (not "not a digit") with probability `at` or more."""
    return (probs.max(axis=1) >= at) & (probs.argmax(axis=1) != reject)


class Reader:
    """Frame in, `Reading` out. One Classifier may be shared by several Readers (it is thread-safe)."""

    def __init__(self, classifier: Classifier, params: ReadParams = ReadParams()):
        self.classifier = classifier
        self.params = replace(params, orientation=parse_orientation(params.orientation))
        if params.opencv_threads is not None:
            cv2.setNumThreads(params.opencv_threads)

    def _second_look(self, batch: np.ndarray) -> np.ndarray:
        """The model's probabilities for a batch, with a second look at the crops it would drop without being
        sure: under other framings (`ReadParams.second_look`), averaged, and with the halo of a blurred stroke
        cut away (`halo_look`), taken when sure: all of that in one more `predict` call; then what is still
        dropped by the blur-trained second opinion (`blur_look`), when the classifier has one."""
        probs = self.classifier.predict(batch)
        reject, p = self.classifier.reject_index, self.params
        if not len(probs) or not p.second_look:
            return probs
        doubt = dropping(probs, reject, p.min_confidence, p.second_look)
        hazy = dropping(probs, reject, p.min_confidence, p.halo_doubt) if p.halo_look else doubt[:0]
        if not len(doubt) and not len(hazy):
            return probs
        framed = other_looks(batch[doubt])
        more = self.classifier.predict(np.concatenate([framed, cut_halo(batch[hazy], p.halo_floor)]))
        looks, cut = more[: len(framed)].reshape(len(LOOKS), *probs[doubt].shape), more[len(framed) :]
        probs[doubt] = (probs[doubt] + looks.sum(axis=0)) / (1 + len(LOOKS))
        sure = sure_digits(cut, reject, p.halo_look)
        probs[hazy[sure]] = cut[sure]
        other = getattr(self.classifier, "second_opinion", None)
        if other is not None and p.blur_look and reject is not None:
            left = dropping(probs, reject, p.min_confidence, p.halo_doubt)
            if len(left):
                blurred = other.predict(batch[left])
                sure = sure_digits(blurred, reject, p.blur_look)
                probs[left[sure]] = blurred[sure]
        return probs

    def _digits(self, probs: np.ndarray, candidates: list[segment.Candidate]) -> list[Digit]:
        """Candidates the model is sure are digits: argmax is not the reject class and clears the threshold.

        `candidates` are the frame's candidates followed by `with_wholes(...)`' uncut groups, `probs` in the same order.
        The two parts of a cut group are kept when both are sure digits and the uncut group is not read
        more surely than the weaker part; otherwise the uncut group is read instead (a cut through one wide
        or turned digit), and a letter cut into a "1" and a rest is dropped."""
        if not len(probs):
            return []
        best = probs.argmax(axis=1)
        confidence = probs[np.arange(len(probs)), best]
        sure = sure_digits(probs, self.classifier.reject_index, self.params.min_confidence)
        row = {id(c): i for i, c in enumerate(candidates)}
        parts_of: dict[int, list[int]] = {}  # id of an uncut group -> rows of its parts
        for i, c in enumerate(candidates):
            if c.whole is not None:
                parts_of.setdefault(id(c.whole), []).append(i)
        keep = []
        for i, c in enumerate(candidates):
            if c.whole is None:  # a plain candidate; an uncut group is read only in place of its parts
                keep += [i] if sure[i] and id(c) not in parts_of else []
            elif i == parts_of[id(c.whole)][0]:  # a group is decided once, at its first part
                parts, whole = parts_of[id(c.whole)], row[id(c.whole)]
                weaker = confidence[parts].min()
                doubt = sure[whole] and (confidence[whole] >= self.params.tentative_share * weaker if c.tentative
                                         else confidence[whole] > weaker)
                split = sure[parts].all() and not doubt
                keep += parts if split else [whole] if sure[whole] else []
        labels = self.classifier.labels
        return [Digit(label=int(labels[best[i]]), confidence=float(confidence[i]), box=tuple(candidates[i].box))
                for i in keep]

    def _alone(self, digits: list[Digit], probs: np.ndarray, candidates: list[segment.Candidate],
               seg: segment.Segmentation) -> list[Digit]:
        """The digits that are not letters inside a word (`edge.context`). Beside a digit, a word's ink is ink the
        segmentation offered no crop for, and crops the model is sure are no digit (`ContextParams.letter`); a
        crop it merely doubts (a badly cut "1" in a number) is not, so it cannot take its number's digits with
        it. Along a line, every crop not read as a digit is a letter, but a word needs more letters than digits."""
        if not digits or self.params.context is None:
            return digits
        reject = self.classifier.reject_index
        letters = probs[:, reject] >= self.params.context.letter if reject is not None else np.zeros(len(probs), bool)
        others = [c.box for c, letter in zip(candidates, letters) if not letter]
        boxes = [d.box for d in digits]
        words = context.in_words(boxes, others, seg.binary, self.params.context)
        kept = {tuple(b) for b in boxes}
        doubted = [tuple(c.box) for c in candidates if tuple(c.box) not in kept]
        lettered = context.words_of_letters(boxes, doubted, seg.pieces, self.params.context)
        ink = {tuple(c.box): c.ink for c in candidates}
        strokes = context.not_ones(boxes, [d.label for d in digits], [ink[tuple(b)] for b in boxes], self.params.context)
        return [d for d, word, letters, stroke in zip(digits, words, lettered, strokes) if not (word or letters or stroke)]

    def _in_rows(self, digits: list[Digit], judged: list[Box], probs: np.ndarray, candidates: list[segment.Candidate],
                 seg: segment.Segmentation) -> list[Digit]:
        """`digits` and the plain crops the model doubts that stand in a row between two of them, read as their
        best digit when that has `ContextParams.row_digit` of the probability: in a row of digits a badly written
        one is still a digit. After the word rules, so a letter between two look-alikes of a word, counted there
        as a letter, cannot turn its word into a number. `judged` are the boxes the model was sure of before
        those rules: `digits` is what they kept, and what they dropped (a letter, a dash, a parenthesis) was
        not doubted, so it stays dropped."""
        ctx, reject = self.params.context, self.classifier.reject_index
        if not digits or ctx is None or not ctx.row_digit or reject is None:
            return digits
        read = [tuple(d.box) for d in digits]
        judged = {tuple(b) for b in judged}
        in_groups = {id(c.whole) for c in candidates if c.whole is not None}
        others = [tuple(c.box) for c in candidates if tuple(c.box) not in read]
        digit_probs = probs.copy()
        digit_probs[:, reject] = -1.0
        best = digit_probs.argmax(axis=1)
        found = []
        for i, c in enumerate(candidates):
            p, box = float(digit_probs[i, best[i]]), tuple(c.box)
            if c.whole is not None or id(c) in in_groups or box in judged or p < ctx.row_digit:
                continue
            rest = [b for b in others if b != box]
            if context.between_digits(box, read, rest, ctx) and not context.in_words([box], rest + read, seg.binary, ctx)[0]:
                found.append(Digit(label=int(self.classifier.labels[best[i]]), confidence=p, box=box))
        return digits + found

    def read(self, frame: np.ndarray) -> Reading:
        frame = as_bgr_or_gray(frame)
        shape = frame.shape[:2]
        if frame.size == 0:
            return Reading([], [], 0, shape)
        start = time.perf_counter()
        small, plan = scale.working_image(frame, self.params.scale, self.params.segment)
        factor, seg = plan.factor, plan.segment_params(self.params.segment)
        first = 0 if self.params.orientation == "auto" else self.params.orientation
        segmented_turns = {first: segment.segment(rotate(small, first), seg, plan.unit)}
        turns, favoured = (first,), (first,)
        if self.params.orientation == "auto":
            axis = layout.line_axis([c.box for c in segmented_turns[0].candidates], self.params.layout)
            turns, favoured = AXIS_TURNS[axis]
            segmented_turns.update({t: segment.segment(rotate(small, t), seg, plan.unit) for t in turns if t})
        found = {turn: with_wholes(segmented_turns[turn].candidates) for turn in turns}
        segmented = time.perf_counter()
        patches = [c.ink for turn in turns for c in found[turn]]
        probs = self._second_look(to_mnist_batch(patches, self.classifier.normalize_params))
        classified = time.perf_counter()

        best_turn, best_digits, best_score, offset = turns[0], [], -1.0, 0
        for turn in turns:
            count = len(found[turn])
            mine = probs[offset : offset + count]
            sure = self._digits(mine, found[turn])
            digits = self._alone(sure, mine, found[turn], segmented_turns[turn])
            digits = self._in_rows(digits, [d.box for d in sure], mine, found[turn], segmented_turns[turn])
            offset += count
            score = sum(d.confidence for d in digits)  # mean confidence weighted by how many were read
            if turn not in favoured:
                score = score / self.params.turn_margin if len(digits) >= self.params.turn_min_digits else -1.0
            if score > best_score:
                best_turn, best_digits, best_score = turn, digits, score

        ordered, numbers = group.group_numbers(best_digits, self.params.group)
        small_shape = small.shape[:2]

        level = segmented_turns[best_turn].frame_box

        def to_frame(box: Box) -> Box:
            return scale_box(unrotate_box(level(box), best_turn, small_shape), factor, shape)

        # each digit is mapped once; its number lists the same Digit objects as the reading does
        mapped = {id(d): Digit(d.label, d.confidence, to_frame(d.box)) for d in ordered}
        digits = [mapped[id(d)] for d in ordered]
        numbers = [Number(n.text, to_frame(n.box), [mapped[id(d)] for d in n.digits]) for n in numbers]
        return Reading(
            digits=digits,
            numbers=numbers,
            orientation=best_turn,
            shape=shape,
            segment_ms=(segmented - start) * 1000,
            classify_ms=(classified - segmented) * 1000,
        )
