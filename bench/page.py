"""The page and what is written on it: the rendering constants, what a suite holds, free space, inks and pens,
and the layouts that place digits (and marks) on the page.

Every function takes the frame's random stream and draws from it in a fixed order, so a frame stays a pure
function of (seed, suite, index); a new layout or pen draws only for the suites that use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.marks import MarkParams, hand_mark, hand_word, mark_shape
from bench.pen import digit_shape, pen_shape

if TYPE_CHECKING:
    from bench.frames import MnistTestSet

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
    # a suite's "dark_rules": rules printed as dark as a pen line, as on many real notebooks (realdev's ruled
    # pages), where the light ones above barely clear the reader's ink threshold
    dark_rule_colours: tuple[tuple[int, int, int], ...] = ((150, 110, 80), (120, 120, 120), (140, 150, 110))
    dark_rule_strength: tuple[float, float] = (0.7, 1.0)
    grid_probability: float = 0.75  # "grid" paper (close-ups): squared on this share of the frames, plain otherwise
    grid_share: tuple[float, float] = (0.08, 0.2)  # squares' side, share of the frame height
    # "dots" paper (a bullet journal's dot grid): a dot every this many pixels along rows and columns, of this
    # radius (a 5 mm grid of 0.5 mm dots, held 15-40 cm from the camera), printed grey at this coverage
    dot_pitch: tuple[int, int] = (14, 40)
    dot_radius: tuple[float, float] = (0.8, 2.2)
    dot_colour: tuple[int, int, int] = (120, 120, 120)
    dot_strength: tuple[float, float] = (0.5, 0.9)
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
    number_gap: float = 0.12  # digits of a number: at most this far apart, in digit heights
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
    # scatter, single, numbers, sheet, notebook, tokens (digits and marks in rows), words (numbers and words of
    # random letters in rows) or text (numbers among English words)
    layout: str = "scatter"
    numbers: tuple[int, int] = (0, 0)  # numbers layout: digits per number
    marks: tuple[int, int] = (0, 0)  # non-digit marks per frame (scatter: distractors; tokens: hand-drawn)
    camera: str = "clean"  # a name in bench.camera.LOOKS
    paper: str = "plain"  # plain, mixed (ruled or squared on 60 %), grid (squared on most), ruled (notebook) or dots
    sizes: tuple[tuple[int, int], ...] = ()  # frame sizes (width, height) drawn from; () = FrameParams' size
    pens: tuple[tuple[float, float], ...] = ()  # pen widths, shares of the digit height, one range a frame;
    #                                             () = MNIST's own strokes
    inks: tuple[str, ...] = ()  # ink names allowed; () = FrameParams.inks
    # tokens, words and text layouts: rows this many digit heights apart; close rows (a page of notes)
    # let one line's descenders touch the next line's ascenders
    line_pitch: tuple[float, float] = (1.5, 2.2)
    margin: float = 0.0  # fraction of each side kept free of ink; 0: FrameParams.margin
    dark_rules: bool = False  # ruled and squared paper printed dark (FrameParams.dark_rule_colours)



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
            gaps = [int(rng.integers(1, max(2, round(p.number_gap * height)) + 1)) for _ in shapes[1:]] + [0]
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
    as in `8 + 3`, `F Z 4 2` or a tick beside a number; one pen and one ink per row. In the `words` layout a
    digit token is a number of `suite.numbers` digits and a mark is a handwritten word, as in a date under a poem
    or `Room 214`."""
    tokens = ["digit"] * int(rng.integers(suite.digits[0], suite.digits[1] + 1))
    tokens += ["mark"] * int(rng.integers(suite.marks[0], suite.marks[1] + 1))
    order = [tokens[0]] + [tokens[i] for i in 1 + rng.permutation(len(tokens) - 1)]  # a digit first: never none
    words = suite.layout in ("words", "text")
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
            pieces = []  # (shape, MNIST index or None for a mark, pen width), written left to right
            if order[0] == "digit":
                count = int(rng.integers(suite.numbers[0], suite.numbers[1] + 1)) if words else 1
                for _ in range(count):
                    index = int(rng.integers(len(digits)))
                    shape, width = shape_for(rng, digits, index, height * rng.uniform(0.9, 1.05), 0.0, pen)
                    pieces.append((shape, index, width))
            else:
                width = float(rng.uniform(*(pen or p.mnist_pen))) * height
                kind = p.marks.hand_kinds[int(rng.integers(len(p.marks.hand_kinds)))]
                shape = hand_word(rng, height, width, p.marks, suite.layout == "text") if words else hand_mark(rng, kind, height, width, p.marks)
                pieces.append((shape, None, width))
            gaps = [int(rng.integers(1, max(2, round(p.number_gap * height)) + 1)) for _ in pieces[1:]] + [0]
            lefts = x + np.cumsum([0] + [s.shape[1] + g for (s, _, _), g in zip(pieces, gaps)])[:-1]
            tops = [y + int(round((1.1 * height - s.shape[0]) / 2 + rng.uniform(-0.05, 0.05) * height))
                    for s, _, _ in pieces]
            if not all(page.fits(int(left), top, s.shape[1], s.shape[0])
                       for (s, _, _), left, top in zip(pieces, lefts, tops)):
                break
            order.pop(0)
            for (shape, index, width), left, top in zip(pieces, lefts, tops):
                h, w = shape.shape
                left = int(left)
                page.take(left, top, w, h)
                layer = Layer(shape, left, top, colour, strength, grain)
                if index is not None:
                    placed.append(Placed(layer, index, 0.0, ink, width))
                else:
                    layers.append(layer)
                    boxes.append((left, top, w, h))
                x = left + w
            x += max(p.gap, round(height * rng.uniform(*p.token_gap)))
        y += int(round(height * rng.uniform(*suite.line_pitch)))
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
