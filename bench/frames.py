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
from bench.marks import MarkParams, hand_mark, mark_shape
from bench.pen import digit_shape, pen_shape
from edge.group import union

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
Ink = tuple[str, tuple[int, int, int], tuple[float, float]]  # name, BGR colour, peak coverage range


@dataclass(frozen=True)
class FrameParams:
    """The page, the inks and the layouts; every rendering constant but the camera's (`bench.camera.LOOKS`)."""

    width: int = 640  # the frame size of suites that do not list their own
    height: int = 480
    margin: float = 0.06  # fraction of each side kept free of ink (room for the perspective warp)
    gap: int = 6  # free pixels kept between any two marks on the page
    placement_tries: int = 200  # random positions tried per mark before it is left out
    truth_coverage: float = 0.2  # a pixel belongs to a digit's ink (and its box) above this coverage
    paper: tuple[int, int] = (215, 250)  # paper brightness range (BGR mean), slightly warm-tinted
    paper_grain: float = 2.0  # sigma of the fixed paper texture, grey levels
    inks: tuple[Ink, ...] = (
        ("black", (35, 30, 30), (0.9, 1.0)),
        ("blue", (140, 55, 25), (0.85, 1.0)),
        ("pencil", (95, 95, 100), (0.6, 0.85)),
    )
    faint_pencil: Ink = ("faint pencil", (110, 105, 105), (0.35, 0.65))  # a hard pencil, lightly pressed
    pencil_grain: float = 0.25  # pencil coverage is multiplied by 1 - U(0, this) per pixel (graphite grain)
    faint_grain: float = 0.5
    # ruled and squared paper; spacings and widths in pixels of a 480-pixel-tall frame, scaled with the frame
    ruled_probability: float = 0.6  # "mixed" paper: ruled or grid paper (half each)
    rule_spacing: tuple[int, int] = (26, 40)  # pixels between rules
    rule_colours: tuple[tuple[int, int, int], ...] = ((215, 185, 160), (190, 190, 190), (200, 210, 170))  # BGR
    rule_strength: tuple[float, float] = (0.25, 0.6)  # coverage of the rule lines
    grid_probability: float = 0.75  # "grid" paper (close-ups): squared on this share of the frames, plain otherwise
    grid_share: tuple[float, float] = (0.08, 0.2)  # squares' side, share of the frame height
    notebook_spacing: tuple[int, int] = (28, 44)  # "ruled" paper (notebook): rule spacing
    notebook_height: tuple[float, float] = (0.75, 1.5)  # a notebook digit's height, in rule spacings...
    notebook_drop: tuple[float, float] = (-0.1, 0.25)  # ...its foot this share of its height below the rule
    notebook_row: tuple[int, int] = (1, 5)  # digits written on one rule
    # a sheet of rows (a 12 MP photo of 30-70 digits)
    sheet_cell: float = 1.5  # page area per digit, in digit heights squared (width, gaps, row pitch)
    sheet_fill: tuple[float, float] = (0.75, 0.95)  # digit height: this share of the one that fills the page
    close_share: float = 0.3  # share of the digits in a row written close to the one before...
    close_gap: tuple[float, float] = (0.01, 0.06)  # ...this far apart, in digit heights (others 0.25-1.2)
    row_slant: float = 6.0  # degrees either way a sheet's or a row's digits are turned
    # rows of digits and hand-drawn marks (the marks suite)
    token_gap: tuple[float, float] = (0.2, 0.9)  # gap after a digit or mark, in row heights
    mnist_pen: tuple[float, float] = (0.12, 0.16)  # marks beside MNIST-stroke digits: about their stroke width
    marks: MarkParams = MarkParams()


@dataclass(frozen=True)
class Suite:
    """What a family of frames holds and how the camera sees it."""

    name: str
    digits: tuple[int, int] = (4, 10)  # digits per frame (fewer when the page is full)
    heights: tuple[int, int] = (20, 160)  # digit ink height, pixels, log-uniform (~20 up to a third of 480)
    height_share: tuple[float, float] | None = None  # instead: digit heights as a share of the frame height
    rotation: float = 0.0  # each digit turned by up to this many degrees either way...
    min_rotation: float = 0.0  # ...and at least this many
    angles: tuple[float, ...] = ()  # single layout: the digit of frame i turned by angles[i % len(angles)]
    layout: str = "scatter"  # scatter, single, numbers, sheet, notebook or tokens (digits and marks in rows)
    numbers: tuple[int, int] = (0, 0)  # numbers layout: digits per number
    marks: tuple[int, int] = (0, 0)  # non-digit marks per frame (scatter: distractors; tokens: hand-drawn)
    camera: str = "clean"  # a name in bench.camera.LOOKS
    paper: str = "plain"  # plain, mixed (ruled or squared on 60 %), grid (squared on most) or ruled (notebook)
    sizes: tuple[tuple[int, int], ...] = ()  # frame sizes (width, height) drawn from; () = FrameParams' size
    pens: tuple[tuple[float, float], ...] = ()  # pen widths, shares of the digit height, one range a frame;
    #                                             () = MNIST's own strokes
    inks: tuple[str, ...] = ()  # ink names allowed; () = FrameParams.inks


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
        Suite("pencil", layout="notebook", camera="shadow", paper="ruled", sizes=((640, 480), (1280, 720)),
              pens=((0.05, 0.1),), inks=("faint pencil",)),
        Suite("marks", digits=(3, 8), heights=(24, 100), marks=(3, 8), layout="tokens", camera="mild",
              pens=((0.05, 0.09), (0.1, 0.16))),
        Suite("singles45", digits=(1, 1), heights=(40, 160), rotation=45.0, min_rotation=30.0, layout="single",
              camera="mild"),
    )
}
SPEED = Suite("speed", digits=(10, 10), heights=(24, 72))  # the speed figure's frame: ten digits on even light


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


@dataclass
class Layer:
    """One mark before compositing: its coverage shape (0..1), where it sits, its ink."""

    shape: np.ndarray  # float32 crop, coverage 0..1 before ink strength
    x: int
    y: int
    colour: tuple[int, int, int]
    strength: float
    grain: float  # pencil grain: coverage times 1 - U(0, grain) per pixel (0: none)


@dataclass
class Placed:
    """A digit on the page: its layer and what the truth records of it."""

    layer: Layer
    index: int  # MNIST test index
    angle: float
    ink: str
    pen: float = 0.0


def frame_rng(seed: int, suite: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(suite.encode()), index])


def tight_box(mask: np.ndarray, x: int = 0, y: int = 0) -> Box | None:
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    return x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1


class Page:
    """Free space on the page: places marks at random spots that keep a gap from every other mark."""

    def __init__(self, p: FrameParams):
        self.p = p
        self.taken = np.zeros((p.height, p.width), bool)
        self.x0, self.y0 = round(p.width * p.margin), round(p.height * p.margin)
        self.x1, self.y1 = p.width - self.x0, p.height - self.y0

    def free(self, x: int, y: int, w: int, h: int, gap: int) -> bool:
        return not self.taken[max(0, y - gap) : y + h + gap, max(0, x - gap) : x + w + gap].any()

    def take(self, x: int, y: int, w: int, h: int) -> None:
        self.taken[y : y + h, x : x + w] = True

    def fits(self, x: int, y: int, w: int, h: int) -> bool:
        return self.x0 <= x and self.y0 <= y and x + w <= self.x1 and y + h <= self.y1

    def place(self, rng: np.random.Generator, w: int, h: int, gap: int | None = None) -> tuple[int, int] | None:
        gap = self.p.gap if gap is None else gap
        if w > self.x1 - self.x0 or h > self.y1 - self.y0:
            return None
        for _ in range(self.p.placement_tries):
            x = int(rng.integers(self.x0, self.x1 - w + 1))
            y = int(rng.integers(self.y0, self.y1 - h + 1))
            if self.free(x, y, w, h, gap):
                self.take(x, y, w, h)
                return x, y
        return None


def pick_ink(rng: np.random.Generator, p: FrameParams, names: tuple[str, ...] = ()) -> tuple[str, tuple[int, int, int], float, float]:
    """An ink (among `names`, or any of FrameParams.inks): name, colour, peak coverage, pencil grain."""
    inks = [ink for ink in p.inks + (p.faint_pencil,) if ink[0] in names] if names else p.inks
    name, colour, strength = inks[int(rng.integers(len(inks)))]
    grain = p.faint_grain if name == p.faint_pencil[0] else p.pencil_grain if name == "pencil" else 0.0
    return name, colour, float(rng.uniform(*strength)), grain


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def pick_angle(rng: np.random.Generator, suite: Suite) -> float:
    """Up to `rotation` degrees either way, and at least `min_rotation` (one draw either way)."""
    if not suite.rotation:
        return 0.0
    angle = float(rng.uniform(-suite.rotation, suite.rotation))
    if suite.min_rotation:
        share = abs(angle) / suite.rotation
        angle = float(np.copysign(suite.min_rotation + share * (suite.rotation - suite.min_rotation), angle))
    return angle


def pick_pen(rng: np.random.Generator, suite: Suite) -> tuple[float, float] | None:
    """This frame's pen: a range of widths (shares of the digit height), or None for MNIST's own strokes."""
    return suite.pens[int(rng.integers(len(suite.pens)))] if suite.pens else None


def shape_for(rng, digits: MnistTestSet, index: int, height: float, angle: float,
              pen: tuple[float, float] | None) -> tuple[np.ndarray, float]:
    """A digit's coverage map with MNIST's strokes, or redrawn with this frame's pen; and the pen's width."""
    if pen is None:
        return digit_shape(digits.images[index], height, angle), 0.0
    width = float(rng.uniform(*pen)) * height
    return pen_shape(digits.images[index], height, angle, width), width


def scatter_digits(rng, digits: MnistTestSet, suite: Suite, page: Page, p: FrameParams) -> list[Placed]:
    """Digits at random spots and sizes (largest placed first so they find room)."""
    pen = pick_pen(rng, suite)
    count = int(rng.integers(suite.digits[0], suite.digits[1] + 1))
    low, high = suite.heights if suite.height_share is None else [s * p.height for s in suite.height_share]
    heights = sorted((log_uniform(rng, low, high) for _ in range(count)), reverse=True)
    placed = []
    for height in heights:
        index = int(rng.integers(len(digits)))
        angle = pick_angle(rng, suite)
        shape, width = shape_for(rng, digits, index, height, angle, pen)
        spot = page.place(rng, shape.shape[1], shape.shape[0])
        if spot is None:
            continue
        ink, colour, strength, grain = pick_ink(rng, p, suite.inks)
        placed.append(Placed(Layer(shape, *spot, colour, strength, grain), index, angle, ink, width))
    return placed


def single_digit(rng, digits: MnistTestSet, suite: Suite, frame_index: int, page: Page, p: FrameParams) -> list[Placed]:
    """One digit near the middle, turned by the sweep angle this frame stands for (or a drawn angle)."""
    angle = float(suite.angles[frame_index % len(suite.angles)]) if suite.angles else None
    index = int(rng.integers(len(digits)))
    angle = pick_angle(rng, suite) if angle is None else angle
    shape = digit_shape(digits.images[index], log_uniform(rng, *suite.heights), angle)
    h, w = shape.shape
    x = (p.width - w) // 2 + int(rng.integers(-p.width // 8, p.width // 8 + 1))
    y = (p.height - h) // 2 + int(rng.integers(-p.height // 8, p.height // 8 + 1))
    page.take(x, y, w, h)
    ink, colour, strength, grain = pick_ink(rng, p, suite.inks)
    return [Placed(Layer(shape, x, y, colour, strength, grain), index, angle, ink)]


def number_lines(rng, digits: MnistTestSet, suite: Suite, page: Page, p: FrameParams) -> tuple[list[Placed], list[list[int]]]:
    """Rows of multi-digit numbers: digits of a number a pixel or a few apart, numbers well apart."""
    placed, numbers = [], []
    y = page.y0
    while True:
        height = float(rng.uniform(*suite.heights))
        if y + 1.3 * height > page.y1:
            break
        x = page.x0 + int(rng.integers(0, round(height)))
        ink, colour, strength, grain = pick_ink(rng, p, suite.inks)  # one pen per line
        while True:
            count = int(rng.integers(suite.numbers[0], suite.numbers[1] + 1))
            indices = [int(rng.integers(len(digits))) for _ in range(count)]
            shapes = [digit_shape(digits.images[i], height * rng.uniform(0.9, 1.05), 0.0) for i in indices]
            gaps = [int(rng.integers(1, max(2, round(0.12 * height)) + 1)) for _ in shapes[1:]] + [0]
            width = sum(s.shape[1] for s in shapes) + sum(gaps)
            if x + width > page.x1:
                break
            members, cursor = [], x
            for shape, gap, index in zip(shapes, gaps, indices):
                top = y + int(round((1.1 * height - shape.shape[0]) / 2 + rng.uniform(-0.05, 0.05) * height))
                page.take(cursor, top, shape.shape[1], shape.shape[0])
                members.append(len(placed))
                placed.append(Placed(Layer(shape, cursor, top, colour, strength, grain), index, 0.0, ink))
                cursor += shape.shape[1] + gap
            numbers.append(members)
            x = cursor + int(round(height * rng.uniform(1.5, 3.0)))
        y += int(round(height * rng.uniform(1.7, 2.4)))
    return placed, numbers


def sheet_rows(rng, digits: MnistTestSet, suite: Suite, page: Page, p: FrameParams) -> list[Placed]:
    """A handwritten sheet: rows of digits filling the page, written with one thin pen, some close together."""
    pen = pick_pen(rng, suite)
    count = int(rng.integers(suite.digits[0], suite.digits[1] + 1))
    area = (page.x1 - page.x0) * (page.y1 - page.y0)
    height = float(np.sqrt(area / (p.sheet_cell * count)) * rng.uniform(*p.sheet_fill))
    ink, colour, strength, grain = pick_ink(rng, p, suite.inks)
    placed: list[Placed] = []
    y = page.y0 + int(rng.integers(0, round(height / 2)))
    while len(placed) < count and y + 1.3 * height <= page.y1:
        x = page.x0 + int(rng.integers(0, round(height)))
        while len(placed) < count:
            index = int(rng.integers(len(digits)))
            size = height * rng.uniform(0.85, 1.1)
            angle = float(rng.uniform(-p.row_slant, p.row_slant))
            shape, width = shape_for(rng, digits, index, size, angle, pen)
            h, w = shape.shape
            top = y + int(round((1.1 * height - h) / 2 + rng.uniform(-0.05, 0.05) * height))
            if not page.fits(x, top, w, h):
                break
            page.take(x, top, w, h)
            placed.append(Placed(Layer(shape, x, top, colour, strength, grain), index, angle, ink, width))
            close = rng.random() < p.close_share
            x += w + max(2, round(height * rng.uniform(*(p.close_gap if close else (0.25, 1.2)))))
        y += int(round(height * rng.uniform(1.6, 2.2)))
    return placed


def notebook_rows(rng, digits: MnistTestSet, suite: Suite, page: Page, p: FrameParams,
                  ruling: tuple[int, int]) -> list[Placed]:
    """Digits written on a notebook's rules: each row's digits stand on a rule, some cross it or the one above."""
    spacing, offset = ruling
    pen = pick_pen(rng, suite)
    count = int(rng.integers(suite.digits[0], suite.digits[1] + 1))
    placed: list[Placed] = []
    rules = list(range(offset, p.height, spacing))[1 + int(rng.integers(2)) :: 2]  # every other rule...
    for rule in rng.permutation(rules).tolist():  # ...filled in any order, so rows spread over the page
        x = page.x0 + int(rng.integers(0, 4 * spacing))
        row = int(rng.integers(p.notebook_row[0], p.notebook_row[1] + 1))
        while row and len(placed) < count:
            index = int(rng.integers(len(digits)))
            height = spacing * rng.uniform(*p.notebook_height)
            angle = float(rng.uniform(-p.row_slant, p.row_slant))
            shape, width = shape_for(rng, digits, index, height, angle, pen)
            h, w = shape.shape
            top = rule + int(round(rng.uniform(*p.notebook_drop) * h)) - h
            if x + w > page.x1:
                break
            if page.fits(x, top, w, h) and page.free(x, top, w, h, 2):
                page.take(x, top, w, h)
                ink, colour, strength, grain = pick_ink(rng, p, suite.inks)
                placed.append(Placed(Layer(shape, x, top, colour, strength, grain), index, angle, ink, width))
                row -= 1
            x += w + round(spacing * rng.uniform(0.3, 2.0))
    return placed


def token_rows(rng, digits: MnistTestSet, suite: Suite, page: Page, p: FrameParams) -> tuple[list[Placed], list[Layer], list[Box]]:
    """Rows where digits and hand-drawn marks (letters, signs, scribbles, dots, strokes) stand side by side,
    as in `8 + 3`, `F Z 4 2` or a tick beside a number; one pen and one ink per row."""
    tokens = ["digit"] * int(rng.integers(suite.digits[0], suite.digits[1] + 1))
    tokens += ["mark"] * int(rng.integers(suite.marks[0], suite.marks[1] + 1))
    order = [tokens[0]] + [tokens[i] for i in 1 + rng.permutation(len(tokens) - 1)]  # a digit first: never none
    placed, layers, boxes = [], [], []
    y = page.y0
    while order:
        height = log_uniform(rng, *suite.heights)
        if y + 1.3 * height > page.y1:
            break
        pen = pick_pen(rng, suite)
        ink, colour, strength, grain = pick_ink(rng, p, suite.inks)
        x = page.x0 + int(rng.integers(0, round(height)))
        while order:
            if order[0] == "digit":
                index = int(rng.integers(len(digits)))
                shape, width = shape_for(rng, digits, index, height * rng.uniform(0.9, 1.05), 0.0, pen)
            else:
                width = float(rng.uniform(*(pen or p.mnist_pen))) * height
                shape = hand_mark(rng, p.marks.hand_kinds[int(rng.integers(len(p.marks.hand_kinds)))], height,
                                  width, p.marks)
            h, w = shape.shape
            top = y + int(round((1.1 * height - h) / 2 + rng.uniform(-0.05, 0.05) * height))
            if not page.fits(x, top, w, h):
                break
            page.take(x, top, w, h)
            layer = Layer(shape, x, top, colour, strength, grain)
            if order.pop(0) == "digit":
                placed.append(Placed(layer, index, 0.0, ink, width))
            else:
                layers.append(layer)
                boxes.append((x, top, w, h))
            x += w + max(p.gap, round(height * rng.uniform(*p.token_gap)))
        y += int(round(height * rng.uniform(1.5, 2.2)))
    return placed, layers, boxes


def add_marks(rng, suite: Suite, page: Page, p: FrameParams) -> tuple[list[Layer], list[Box]]:
    layers, boxes = [], []
    for _ in range(int(rng.integers(suite.marks[0], suite.marks[1] + 1))):
        kind = str(rng.choice(["letter", "letter", "scribble", "dot", "line"]))
        shape = mark_shape(rng, kind, log_uniform(rng, *suite.heights), p.marks)
        spot = page.place(rng, shape.shape[1], shape.shape[0])
        if spot is None:
            continue
        _, colour, strength, _ = pick_ink(rng, p)
        layers.append(Layer(shape, *spot, colour, strength, 0.0))
        boxes.append((*spot, shape.shape[1], shape.shape[0]))
    return layers, boxes


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
    """The parameters with this frame's size (drawn only when the suite lists several)."""
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
    elif suite.layout == "tokens":
        placed, marks, mark_boxes = token_rows(rng, digits, suite, page, p)
    else:
        placed = scatter_digits(rng, digits, suite, page, p)
    if suite.layout != "tokens":
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
