"""RapidOCR (PP-OCRv4 text detection and recognition on ONNX Runtime) as a whole-frame digit reader.

An optional baseline (`pip install -e '.[bench-ocr]'`; its models ship inside the wheel, nothing is downloaded).
Unlike HOG + SVM and Tesseract it does not sit behind the runner's segmentation: it finds text lines itself.
Each line's text becomes one box per character - RapidOCR's own word boxes where a word is one character, the
word's (or, for a line it read turned on its side, the line's) box split evenly across its characters otherwise -
and only the digits are kept. `read` answers an `edge.reader.Reading`, so the benchmark scores it like the runner.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np

from edge.group import Digit
from edge.reader import TURNS, Reading, parse_orientation, rotate, unrotate_box

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class OcrParams:
    threads: int = 1  # ONNX Runtime threads per operator (the runner is timed on one core too)
    min_score: float = 0.5  # RapidOCR's own cut-off for a text line's recognition score
    upright_ratio: float = 1.5  # a line box at least this many times taller than wide was read turned (RapidOCR)


DEFAULT = OcrParams()


def available() -> bool:
    """Whether the optional `rapidocr_onnxruntime` package is installed."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def quad_box(quad) -> Box:
    """The axis-aligned box (x, y, w, h) around a quadrilateral's corners."""
    points = np.asarray(quad, np.float64).reshape(-1, 2)
    x0, y0 = np.floor(points.min(0)).astype(int)
    x1, y1 = np.ceil(points.max(0)).astype(int)
    return int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))


def split(box: Box, count: int) -> list[Box]:
    """A box cut into `count` side-by-side boxes of (nearly) equal width."""
    x, y, w, h = box
    edges = np.round(np.linspace(x, x + w, count + 1)).astype(int)
    return [(int(a), y, max(1, int(b - a)), h) for a, b in zip(edges[:-1], edges[1:])]


def char_boxes(line: list, params: OcrParams = DEFAULT) -> list[tuple[str, Box, float]]:
    """(character, box, confidence) for each character of one RapidOCR result line.

    A line is [quad, text, score] or, with return_word_box, [quad, text, score, word quads, words, word scores]."""
    quad, text, score = line[0], str(line[1]), float(line[2])
    box = quad_box(quad)
    words = line[4] if len(line) > 5 else []
    if words and "".join(words) == text and box[3] < params.upright_ratio * box[2]:
        out = []
        for word, word_quad, word_score in zip(words, line[3], line[5]):
            out += [(c, b, float(word_score)) for c, b in zip(word, split(quad_box(word_quad), len(word)))]
        return out
    return [(c, b, score) for c, b in zip(text, split(box, len(text)))] if text else []


def digits_of(result: list | None, params: OcrParams = DEFAULT) -> list[Digit]:
    """The digits among the characters of RapidOCR's result (None: it found no text)."""
    found = []
    for line in result or []:
        found += [Digit(int(c), conf, b) for c, b, conf in char_boxes(line, params) if c in "0123456789"]
    return found


class RapidOcr:
    """Frame in, `Reading` out, like `edge.reader.Reader`; `orientation` "auto" reads the four quarter turns and
    keeps the one whose digits add up to the most confidence (the runner's rule)."""

    variant = "rapidocr"

    def __init__(self, orientation: int | str = 0, params: OcrParams = DEFAULT):
        from rapidocr_onnxruntime import RapidOCR

        self.params = params
        self.orientation = parse_orientation(orientation)
        self.engine = RapidOCR(intra_op_num_threads=params.threads, inter_op_num_threads=1)

    def with_orientation(self, orientation: int | str) -> RapidOcr:
        """The same engine, reading at another orientation."""
        other = copy.copy(self)
        other.orientation = parse_orientation(orientation)
        return other

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return f"rapidocr_onnxruntime {version('rapidocr_onnxruntime')}"

    def read(self, frame: np.ndarray) -> Reading:
        shape = frame.shape[:2]
        turns = TURNS if self.orientation == "auto" else (self.orientation,)
        start = time.perf_counter()
        best_turn, best, best_score = turns[0], [], -1.0
        for turn in turns:
            result, _ = self.engine(rotate(frame, turn), return_word_box=True, text_score=self.params.min_score)
            digits = digits_of(result, self.params)
            score = sum(d.confidence for d in digits)
            if score > best_score:
                best_turn, best, best_score = turn, digits, score
        digits = [Digit(d.label, d.confidence, unrotate_box(d.box, best_turn, shape)) for d in best]
        return Reading(digits, [], best_turn, shape, segment_ms=(time.perf_counter() - start) * 1000)
