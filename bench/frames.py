"""Camera-like frames of MNIST *test* digits, with exact ground truth.

Each digit is MNIST's intensity (or its skeleton redrawn with a thinner or thicker pen, `bench.pen`) used as ink
coverage `a` on paper: pixel = paper * (1 - a) + ink * a. Its ground-truth box is the tight box of its ink mask
(coverage >= `FrameParams.truth_coverage`) after every geometric change: the mask goes through the same resize,
rotation and perspective warp as the ink. Blur, noise and JPEG are photometric and leave the boxes alone
(`bench.camera`). Digits never overlap (placement keeps a clear gap); ruled and squared paper lines may cross them.

A frame is a pure function of (seed, suite, index): any frame can be made again for pictures or debugging.
Only the test split is ever used, so the benchmark never reads a digit the model was trained on.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from bench.camera import LOOKS, camera
from bench.page import (Box, FrameParams, Layer, Page, Suite, add_marks, notebook_rows, number_lines, scatter_digits,
                        sheet_rows, single_digit, token_rows)
from edge.group import union


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("even"),
        Suite("hard", camera="hard", paper="mixed"),
        Suite("rotated", rotation=35.0),
        Suite("numbers", heights=(22, 56), numbers=(2, 5), layout="numbers"),
        Suite("distractors", heights=(20, 110), marks=(3, 8)),
        Suite("sweep", digits=(1, 1), heights=(40, 120), angles=(-45, -30, -15, 0, 15, 30, 45), layout="single"),
        # what real photos showed (issue 33): close-ups, 12 MP sheets, poor cameras, pencil, marks, turned digits
        Suite("closeup", digits=(1, 3), height_share=(0.35, 0.75), rotation=10.0, camera="mild", paper="grid",
              sizes=((640, 480), (1280, 720), (1920, 1080)), pens=((0.01, 0.02), (0.08, 0.12))),
        Suite("sheet", digits=(30, 70), layout="sheet", camera="phone", sizes=((3264, 2448), (4000, 3000)),
              pens=((0.015, 0.03),), inks=("black", "blue")),
        Suite("blur", heights=(28, 180), camera="heavy", sizes=((640, 480), (1280, 720))),
        # the same cameras over a thin pen: blurred, its stroke is a faint core in a wide soft halo
        Suite("thinblur", heights=(28, 140), camera="heavy", sizes=((640, 480), (1280, 720)), pens=((0.03, 0.07),),
              inks=("black", "blue")),
        Suite("pencil", layout="notebook", camera="shadow", paper="ruled", sizes=((640, 480), (1280, 720)),
              pens=((0.05, 0.1),), inks=("faint pencil",)),
        Suite("marks", digits=(3, 8), heights=(24, 100), marks=(3, 8), layout="tokens", camera="mild",
              pens=((0.05, 0.09), (0.1, 0.16))),
        Suite("words", digits=(2, 5), heights=(24, 80), numbers=(1, 4), marks=(3, 8), layout="words", camera="mild",
              pens=((0.05, 0.09), (0.1, 0.16))),
        Suite("text", digits=(1, 3), heights=(16, 40), numbers=(1, 4), marks=(12, 40), layout="text", camera="mild",
              paper="ruled", pens=((0.06, 0.12),), line_pitch=(1.25, 1.6)),
        Suite("dotgrid", heights=(24, 110), camera="mild", paper="dots", sizes=((640, 480), (1280, 720))),
        # a notebook with dark rules photographed 2-8 degrees askew (real photos: rules out of the line search's
        # slack join the digits written on them)
        Suite("askew", layout="notebook", camera="askew", paper="ruled", sizes=((640, 480), (1280, 720)),
              pens=((0.06, 0.12),), margin=0.14, dark_rules=True),
        # a page lying on a desk, photographed from above and a little back: the desk's edge and grain around it,
        # the page narrower at the top, the light falling off (the real set's 12 MP sheet on its wooden table)
        Suite("desk", heights=(30, 130), camera="desk", paper="mixed", sizes=((640, 480), (1280, 720), (1920, 1080))),
        Suite("singles45", digits=(1, 1), heights=(40, 160), rotation=45.0, min_rotation=30.0, layout="single",
              camera="mild"),
    )
}
SPEED = Suite("speed", digits=(10, 10), heights=(24, 72))  # the speed figure's frame: ten digits on even light
# what a camera feeds the reader: a different number of digits nearly every frame, empty pages too
CAMERA = Suite("camera", digits=(0, 15), heights=(20, 100))


@dataclass(frozen=True)
class DigitTruth:
    label: int
    box: Box
    index: int  # position in MNIST's test split
    angle: float = 0.0  # degrees, counter-clockwise
    ink: str = "black"
    pen: float = 0.0  # pen width in pixels (0: MNIST's own strokes)


@dataclass(frozen=True)
class NumberTruth:
    text: str
    box: Box


@dataclass
class Frame:
    image: np.ndarray  # (height, width, 3) BGR uint8
    suite: str
    index: int
    digits: list[DigitTruth]
    numbers: list[NumberTruth] = field(default_factory=list)
    marks: list[Box] = field(default_factory=list)  # non-digit marks (not scored, drawn in pictures)
    masks: list[tuple[np.ndarray, int, int]] = field(default_factory=list)  # per digit: bool ink mask, x, y


class MnistTestSet:
    """MNIST's test split: the only digits the frames are drawn from."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, train_images: np.ndarray | None = None):
        if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels) or not len(images):
            raise ValueError(f"test digits must be (N, 28, 28) images with N labels, got {images.shape}")
        if train_images is not None:
            seen = {x.tobytes() for x in train_images}
            leaked = sum(x.tobytes() in seen for x in images)
            if leaked:
                raise ValueError(f"{leaked} of the 'test' digits are training digits: the benchmark uses the test split only")
        self.images = np.ascontiguousarray(images, np.uint8)
        self.labels = np.asarray(labels, np.int64)

    @classmethod
    def from_split(cls, data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> MnistTestSet:
        """From `train.data.load_mnist`'s (x_train, y_train, x_test, y_test): the test half, checked against the train half."""
        x_train, _, x_test, y_test = data
        return cls(x_test, y_test, train_images=x_train)

    def __len__(self) -> int:
        return len(self.labels)


def frame_rng(seed: int, suite: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(suite.encode()), index])


def tight_box(mask: np.ndarray, x: int = 0, y: int = 0) -> Box | None:
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    return x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1


def scaled(pixels: float, p: FrameParams) -> int:
    """A length given for a 480-pixel-tall frame, in this frame's pixels."""
    return max(1, round(pixels * p.height / 480))


def ruled_lines(rng, p: FrameParams, spacing: int, offset: int, across: bool) -> np.ndarray:
    """Coverage (height, width, 1) of rules every `spacing` pixels from `offset`; `across`: squares."""
    rules = np.zeros((p.height, p.width), np.float32)
    for start in range(scaled(1, p)):  # rules one pixel wide at 480 lines, wider on larger frames
        rules[offset + start :: spacing, :] = 1.0
        if across:
            rules[:, offset + start :: spacing] = 1.0
    return rules[..., None] * np.float32(rng.uniform(*p.rule_strength))


def dot_grid(rng, p: FrameParams) -> np.ndarray:
    """Coverage (height, width, 1) of a dot grid: anti-aliased discs on a square lattice."""
    pitch = scaled(rng.uniform(*p.dot_pitch), p)
    radius = max(1.0, rng.uniform(*p.dot_radius) * p.height / 480)
    shift = 4  # cv2.circle's fixed-point bits: sub-pixel centres and radii
    dots = np.zeros((p.height, p.width), np.uint8)
    x0, y0 = int(rng.integers(pitch)), int(rng.integers(pitch))
    for y in range(y0, p.height, pitch):
        for x in range(x0, p.width, pitch):
            cv2.circle(dots, (x << shift, y << shift), int(radius * (1 << shift)), 255, -1, cv2.LINE_AA, shift)
    return (dots.astype(np.float32) / 255)[..., None] * np.float32(rng.uniform(*p.dot_strength))


def paper(rng, suite: Suite, p: FrameParams, ruling: tuple[int, int] | None) -> np.ndarray:
    """Blank page: a slightly tinted white with a fixed grain; ruled or squared as the suite's paper says."""
    level = rng.uniform(*p.paper)
    tint = np.array([rng.uniform(-8, 2), rng.uniform(-4, 2), rng.uniform(-2, 4)])
    page = np.empty((p.height, p.width, 3), np.float32)
    page[:] = np.clip(level + tint, 0, 255)
    page += rng.normal(0, p.paper_grain, (p.height, p.width, 1)).astype(np.float32)
    a, colour = None, p.rule_colours[0]
    if suite.paper == "mixed" and rng.random() < p.ruled_probability:
        spacing = int(rng.integers(*p.rule_spacing))
        rules = np.zeros((p.height, p.width), np.float32)
        rules[int(rng.integers(spacing)) :: spacing, :] = 1.0
        if rng.random() < 0.5:
            rules[:, int(rng.integers(spacing)) :: spacing] = 1.0
        a = rules[..., None] * rng.uniform(*p.rule_strength)
    elif suite.paper == "grid" and rng.random() < p.grid_probability:
        spacing = max(4, round(p.height * rng.uniform(*p.grid_share)))
        colour = p.rule_colours[int(rng.integers(len(p.rule_colours)))]
        a = ruled_lines(rng, p, spacing, int(rng.integers(spacing)), True)
    elif suite.paper == "dots":
        colour, a = p.dot_colour, dot_grid(rng, p)
    elif suite.paper == "ruled" and ruling is not None:
        colour = p.rule_colours[int(rng.integers(len(p.rule_colours)))]
        a = ruled_lines(rng, p, ruling[0], ruling[1], False)
    if a is not None:
        page = page * (1 - a) + np.float32(colour) * a
    return page


def composite(page: np.ndarray, layers: list[Layer], rng, p: FrameParams) -> np.ndarray:
    """Lay each mark's ink on the page: paper * (1 - a) + ink * a."""
    for layer in layers:
        h, w = layer.shape.shape
        a = layer.shape * layer.strength
        if layer.grain:
            a = a * (1 - rng.uniform(0, layer.grain, a.shape).astype(np.float32))
        region = page[layer.y : layer.y + h, layer.x : layer.x + w]
        region[:] = region * (1 - a[..., None]) + np.float32(layer.colour) * a[..., None]
    return page


def warped_box(layer: Layer, h_matrix: np.ndarray | None, p: FrameParams) -> tuple[Box | None, np.ndarray, int, int]:
    """The tight box of a digit's ink mask after the frame's warp: the mask goes through the same homography."""
    shape = layer.shape
    if h_matrix is None:
        mask = shape > p.truth_coverage
        return tight_box(mask, layer.x, layer.y), mask, layer.x, layer.y
    h, w = shape.shape
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]]).reshape(-1, 1, 2) + np.float32([layer.x, layer.y])
    moved = cv2.perspectiveTransform(corners, h_matrix).reshape(-1, 2)
    x0, y0 = np.floor(moved.min(0)).astype(int) - 2
    x1, y1 = np.ceil(moved.max(0)).astype(int) + 2
    local = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ h_matrix
    local = local @ np.array([[1, 0, layer.x], [0, 1, layer.y], [0, 0, 1]], np.float64)
    warped = cv2.warpPerspective(shape, local, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR)
    mask = warped > p.truth_coverage
    box = tight_box(mask, int(x0), int(y0))
    return clip_box(box, p), mask, int(x0), int(y0)


def clip_box(box: Box | None, p: FrameParams) -> Box | None:
    if box is None:
        return None
    x0, y0 = max(0, box[0]), max(0, box[1])
    x1, y1 = min(p.width, box[0] + box[2]), min(p.height, box[1] + box[3])
    return (x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None


def frame_params(rng, suite: Suite, params: FrameParams) -> FrameParams:
    """The parameters with this frame's size (drawn only when the suite lists several), the suite's margin and
    rules."""
    if suite.margin:
        params = replace(params, margin=suite.margin)
    if suite.dark_rules:
        params = replace(params, rule_colours=params.dark_rule_colours, rule_strength=params.dark_rule_strength)
    if not suite.sizes:
        return params
    width, height = suite.sizes[int(rng.integers(len(suite.sizes)))] if len(suite.sizes) > 1 else suite.sizes[0]
    return replace(params, width=width, height=height)


def make_frame(digits: MnistTestSet, suite: Suite | str, index: int, seed: int = 0,
               params: FrameParams = FrameParams(), keep_masks: bool = False) -> Frame:
    """Frame number `index` of `suite`: the image and the truth of every digit (and number) on it."""
    suite = SUITES[suite] if isinstance(suite, str) else suite
    rng = frame_rng(seed, suite.name, index)
    p = frame_params(rng, suite, params)
    page = Page(p)
    groups: list[list[int]] = []
    marks, mark_boxes, ruling = [], [], None
    if suite.paper == "ruled":
        spacing = scaled(rng.uniform(*p.notebook_spacing), p)
        ruling = (spacing, int(rng.integers(spacing)))
    if suite.layout == "single":
        placed = single_digit(rng, digits, suite, index, page, p)
    elif suite.layout == "numbers":
        placed, groups = number_lines(rng, digits, suite, page, p)
    elif suite.layout == "sheet":
        placed = sheet_rows(rng, digits, suite, page, p)
    elif suite.layout == "notebook":
        placed = notebook_rows(rng, digits, suite, page, p, ruling)
    elif suite.layout in ("tokens", "words", "text"):
        placed, marks, mark_boxes = token_rows(rng, digits, suite, page, p)
    else:
        placed = scatter_digits(rng, digits, suite, page, p)
    if suite.layout not in ("tokens", "words", "text"):
        marks, mark_boxes = add_marks(rng, suite, page, p)
    image = composite(paper(rng, suite, p, ruling), [d.layer for d in placed] + marks, rng, p)
    frame, h_matrix = camera(image, rng, LOOKS[suite.camera])
    truths, masks = [], []
    for d in placed:
        box, mask, x, y = warped_box(d.layer, h_matrix, p)  # the margin keeps every digit inside the frame
        truths.append(DigitTruth(int(digits.labels[d.index]), box, d.index, d.angle, d.ink, d.pen))
        masks.append((mask, x, y))
    numbers = [NumberTruth("".join(str(truths[i].label) for i in g), union([truths[i].box for i in g])) for g in groups]
    if h_matrix is not None:
        mark_boxes = [b for b in (clip_box(warp_rect(b, h_matrix), p) for b in mark_boxes) if b]
    return Frame(frame, suite.name, index, truths, numbers, mark_boxes, masks if keep_masks else [])


def warp_rect(box: Box, h_matrix: np.ndarray) -> Box:
    """The box around a rectangle's corners after a homography (for drawing marks only)."""
    x, y, w, h = box
    pts = cv2.perspectiveTransform(np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]).reshape(-1, 1, 2), h_matrix)
    x0, y0 = np.floor(pts.reshape(-1, 2).min(0)).astype(int)
    x1, y1 = np.ceil(pts.reshape(-1, 2).max(0)).astype(int)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def camera_frame(digits: MnistTestSet, index: int, seed: int = 0, size: tuple[int, int] = (640, 480)) -> Frame:
    """Frame `index` of the camera set at `size` (width, height): `CAMERA`'s page with index % 16 digits, so
    every 16 frames hold 0 to 15 digits each once, drawn as tall (relative to the frame) at any size."""
    low, high = CAMERA.digits
    count = low + index % (high - low + 1)
    zoom = size[1] / FrameParams.height
    suite = replace(CAMERA, digits=(count, count), heights=(CAMERA.heights[0] * zoom, CAMERA.heights[1] * zoom))
    return make_frame(digits, suite, index, seed, FrameParams(width=size[0], height=size[1]))
