"""Camera-like 640x480 frames of MNIST *test* digits, with exact ground truth.

Each digit is MNIST's intensity used as ink coverage `a` on paper: pixel = paper * (1 - a) + ink * a. Its
ground-truth box is the tight box of its ink mask (coverage >= `FrameParams.truth_coverage`) after every
geometric change: the mask goes through the same resize, rotation and perspective warp as the ink. Blur, noise
and JPEG are photometric and leave the boxes alone. Digits never overlap (placement keeps a clear gap).

A frame is a pure function of (seed, suite, index): any frame can be made again for pictures or debugging.
Only the test split is ever used, so the benchmark never reads a digit the model was trained on.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from edge.group import union

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class FrameParams:
    """The page, the inks and the camera; every rendering constant lives here."""

    width: int = 640
    height: int = 480
    margin: float = 0.06  # fraction of each side kept free of ink (room for the perspective warp)
    gap: int = 6  # free pixels kept between any two marks on the page
    placement_tries: int = 200  # random positions tried per mark before it is left out
    truth_coverage: float = 0.2  # a pixel belongs to a digit's ink (and its box) above this coverage
    paper: tuple[int, int] = (215, 250)  # paper brightness range (BGR mean), slightly warm-tinted
    paper_grain: float = 2.0  # sigma of the fixed paper texture, grey levels
    sensor_noise: float = 1.5  # sigma of the light noise every frame gets, grey levels
    inks: tuple[tuple[str, tuple[int, int, int], tuple[float, float]], ...] = (
        ("black", (35, 30, 30), (0.9, 1.0)),  # name, BGR colour, peak coverage range
        ("blue", (140, 55, 25), (0.85, 1.0)),
        ("pencil", (95, 95, 100), (0.6, 0.85)),
    )
    pencil_grain: float = 0.25  # pencil coverage is multiplied by 1 - U(0, this) per pixel (graphite grain)
    # the "hard" camera
    gradient: tuple[float, float] = (0.55, 0.9)  # darkest end of a linear light gradient (1.0 at the other)
    shadow: tuple[float, float] = (0.5, 0.8)  # light left inside a soft shadow band
    shadow_width: tuple[float, float] = (0.1, 0.3)  # band width, fraction of the frame diagonal
    vignette: tuple[float, float] = (0.15, 0.35)  # light lost at the corners
    perspective: float = 0.035  # each corner moves up to this fraction of the frame size
    blur: tuple[float, float] = (0.3, 1.2)  # Gaussian sigma, pixels
    noise: tuple[float, float] = (2.0, 6.0)  # Gaussian sigma, grey levels
    jpeg: tuple[int, int] = (45, 85)  # JPEG quality
    ruled_probability: float = 0.6  # ruled or grid paper (half each)
    rule_spacing: tuple[int, int] = (26, 40)  # pixels between rules
    rule_colour: tuple[int, int, int] = (215, 185, 160)  # light blue, BGR
    rule_strength: tuple[float, float] = (0.25, 0.6)  # coverage of the rule lines
    # marks that are not digits
    letters: str = "ACEFHKMNPRUVWXYacehkmnprtuvwxy"  # no digit look-alikes (O, I, l, S, Z, B, G, g, q ...)
    line_length: tuple[int, int] = (150, 320)  # straight strokes, longer than any digit in that suite
    line_min_tilt: float = 25.0  # degrees away from vertical, so a line is never a tall "1"
    dot_radius: tuple[int, int] = (2, 5)
    scribble_points: tuple[int, int] = (7, 12)
    stroke: tuple[int, int] = (2, 4)  # pen width for letters, scribbles and lines, pixels


@dataclass(frozen=True)
class Suite:
    """What a family of frames holds and how the camera sees it."""

    name: str
    digits: tuple[int, int] = (4, 10)  # digits per frame (fewer when the page is full)
    heights: tuple[int, int] = (20, 160)  # digit ink height, pixels, log-uniform (~20 up to a third of 480)
    rotation: float = 0.0  # each digit turned by up to this many degrees either way
    angles: tuple[float, ...] = ()  # a single digit per frame, turned by angles[index % len(angles)]
    hard: bool = False  # light gradient, shadow, vignette, perspective, blur, noise, JPEG, ruled paper
    numbers: tuple[int, int] = (0, 0)  # digits per number in lines of numbers (0: digits scattered alone)
    marks: tuple[int, int] = (0, 0)  # non-digit marks per frame: letters, scribbles, dots, lines


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("even"),
        Suite("hard", hard=True),
        Suite("rotated", rotation=35.0),
        Suite("numbers", heights=(22, 56), numbers=(2, 5)),
        Suite("distractors", heights=(20, 110), marks=(3, 8)),
        Suite("sweep", digits=(1, 1), heights=(40, 120), angles=(-45, -30, -15, 0, 15, 30, 45)),
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
    grain: bool


def frame_rng(seed: int, suite: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(suite.encode()), index])


def digit_shape(image: np.ndarray, height: float, angle: float) -> np.ndarray:
    """An MNIST digit as a coverage map `height` pixels tall (before turning), turned by `angle` degrees."""
    ys, xs = np.nonzero(image)
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    scale = height / crop.shape[0]
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(height)))
    shape = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return trim(rotate(shape, angle) if angle else shape)


def rotate(shape: np.ndarray, angle: float) -> np.ndarray:
    """Turn a coverage map about its centre on a canvas big enough to keep all of it."""
    h, w = shape.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    new_w, new_h = int(np.ceil(h * sin + w * cos)) + 2, int(np.ceil(h * cos + w * sin)) + 2
    m[0, 2] += new_w / 2 - w / 2
    m[1, 2] += new_h / 2 - h / 2
    return cv2.warpAffine(shape, m, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=0)


def trim(shape: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """Cut a coverage map to the box of its visible ink."""
    ys, xs = np.nonzero(shape > floor)
    if xs.size == 0:
        return shape[:1, :1] * 0
    return np.ascontiguousarray(shape[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


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


def pick_ink(rng: np.random.Generator, p: FrameParams) -> tuple[str, tuple[int, int, int], float]:
    name, colour, strength = p.inks[int(rng.integers(len(p.inks)))]
    return name, colour, float(rng.uniform(*strength))


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def scatter_digits(rng, digits: MnistTestSet, suite: Suite, page: Page, p: FrameParams) -> list[tuple[Layer, int, float, str]]:
    """Digits at random spots and sizes (largest placed first so they find room)."""
    count = int(rng.integers(suite.digits[0], suite.digits[1] + 1))
    heights = sorted((log_uniform(rng, *suite.heights) for _ in range(count)), reverse=True)
    placed = []
    for height in heights:
        index = int(rng.integers(len(digits)))
        angle = float(rng.uniform(-suite.rotation, suite.rotation)) if suite.rotation else 0.0
        shape = digit_shape(digits.images[index], height, angle)
        spot = page.place(rng, shape.shape[1], shape.shape[0])
        if spot is None:
            continue
        ink, colour, strength = pick_ink(rng, p)
        placed.append((Layer(shape, *spot, colour, strength, ink == "pencil"), index, angle, ink))
    return placed


def sweep_digit(rng, digits: MnistTestSet, suite: Suite, frame_index: int, page: Page, p: FrameParams):
    """One digit near the middle, turned by the sweep angle this frame stands for."""
    angle = float(suite.angles[frame_index % len(suite.angles)])
    index = int(rng.integers(len(digits)))
    shape = digit_shape(digits.images[index], log_uniform(rng, *suite.heights), angle)
    h, w = shape.shape
    x = (p.width - w) // 2 + int(rng.integers(-p.width // 8, p.width // 8 + 1))
    y = (p.height - h) // 2 + int(rng.integers(-p.height // 8, p.height // 8 + 1))
    page.take(x, y, w, h)
    ink, colour, strength = pick_ink(rng, p)
    return [(Layer(shape, x, y, colour, strength, ink == "pencil"), index, angle, ink)]


def number_lines(rng, digits: MnistTestSet, suite: Suite, page: Page, p: FrameParams):
    """Rows of multi-digit numbers: digits of a number a pixel or a few apart, numbers well apart."""
    placed, numbers = [], []
    y = page.y0
    while True:
        height = float(rng.uniform(*suite.heights))
        if y + 1.3 * height > page.y1:
            break
        x = page.x0 + int(rng.integers(0, round(height)))
        ink, colour, strength = pick_ink(rng, p)  # one pen per line
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
                placed.append((Layer(shape, cursor, top, colour, strength, ink == "pencil"), index, 0.0, ink))
                cursor += shape.shape[1] + gap
            numbers.append(members)
            x = cursor + int(round(height * rng.uniform(1.5, 3.0)))
        y += int(round(height * rng.uniform(1.7, 2.4)))
    return placed, numbers


def mark_shape(rng, kind: str, size: float, p: FrameParams) -> np.ndarray:
    """A non-digit mark as a coverage map: a Hershey letter, a scribble, a dot or a long line."""
    thickness = int(rng.integers(p.stroke[0], p.stroke[1] + 1))
    if kind == "letter":
        font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
                               cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX]))
        letter = p.letters[int(rng.integers(len(p.letters)))]
        scale = cv2.getFontScaleFromHeight(font, max(8, round(size)), thickness)
        (w, h), base = cv2.getTextSize(letter, font, scale, thickness)
        canvas = np.zeros((h + base + 2 * thickness + 4, w + 2 * thickness + 4), np.uint8)
        cv2.putText(canvas, letter, (thickness + 2, h + thickness + 2), font, scale, 255, thickness, cv2.LINE_AA)
    elif kind == "dot":
        r = int(rng.integers(p.dot_radius[0], p.dot_radius[1] + 1))
        canvas = np.zeros((2 * r + 5, 2 * r + 5), np.uint8)
        cv2.circle(canvas, (r + 2, r + 2), r, 255, -1, cv2.LINE_AA)
    elif kind == "line":
        length = rng.uniform(*p.line_length)
        tilt = np.deg2rad(rng.uniform(p.line_min_tilt, 180 - p.line_min_tilt))  # from vertical
        dx, dy = length * np.sin(tilt), length * np.cos(tilt)
        pad = thickness + 2
        canvas = np.zeros((int(abs(dy)) + 2 * pad, int(abs(dx)) + 2 * pad), np.uint8)
        start = (pad, pad if dy >= 0 else int(abs(dy)) + pad)
        end = (int(pad + abs(dx)), int(pad + abs(dy)) if dy >= 0 else pad)
        cv2.line(canvas, start, end, 255, thickness, cv2.LINE_AA)
    else:  # scribble: a tangle of random points joined by a smoothed path
        n = int(rng.integers(p.scribble_points[0], p.scribble_points[1] + 1))
        points = rng.uniform(0, size, (n, 2))
        t = np.linspace(0, n - 1, n * 12)
        path = np.stack([np.interp(t, np.arange(n), points[:, k]) for k in (0, 1)], 1)
        path = cv2.GaussianBlur(path.astype(np.float32).reshape(-1, 1, 2), (1, 31), 0).reshape(-1, 2)
        pad = thickness + 2
        canvas = np.zeros((int(size) + 2 * pad, int(size) + 2 * pad), np.uint8)
        cv2.polylines(canvas, [np.round(path + pad).astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
    return trim(canvas.astype(np.float32) / 255.0)


def add_marks(rng, suite: Suite, page: Page, p: FrameParams) -> tuple[list[Layer], list[Box]]:
    layers, boxes = [], []
    for _ in range(int(rng.integers(suite.marks[0], suite.marks[1] + 1))):
        kind = str(rng.choice(["letter", "letter", "scribble", "dot", "line"]))
        shape = mark_shape(rng, kind, log_uniform(rng, *suite.heights), p)
        spot = page.place(rng, shape.shape[1], shape.shape[0])
        if spot is None:
            continue
        _, colour, strength = pick_ink(rng, p)
        layers.append(Layer(shape, *spot, colour, strength, False))
        boxes.append((*spot, shape.shape[1], shape.shape[0]))
    return layers, boxes


def paper(rng, hard: bool, p: FrameParams) -> np.ndarray:
    """Blank page: a slightly tinted white with a fixed grain, ruled or squared when the suite is hard."""
    level = rng.uniform(*p.paper)
    tint = np.array([rng.uniform(-8, 2), rng.uniform(-4, 2), rng.uniform(-2, 4)])
    page = np.empty((p.height, p.width, 3), np.float32)
    page[:] = np.clip(level + tint, 0, 255)
    page += rng.normal(0, p.paper_grain, (p.height, p.width, 1)).astype(np.float32)
    if hard and rng.random() < p.ruled_probability:
        spacing = int(rng.integers(*p.rule_spacing))
        rules = np.zeros((p.height, p.width), np.float32)
        rules[int(rng.integers(spacing)) :: spacing, :] = 1.0
        if rng.random() < 0.5:
            rules[:, int(rng.integers(spacing)) :: spacing] = 1.0
        a = rules[..., None] * rng.uniform(*p.rule_strength)
        page = page * (1 - a) + np.float32(p.rule_colour) * a
    return page


def composite(page: np.ndarray, layers: list[Layer], rng, p: FrameParams) -> np.ndarray:
    """Lay each mark's ink on the page: paper * (1 - a) + ink * a."""
    for layer in layers:
        h, w = layer.shape.shape
        a = layer.shape * layer.strength
        if layer.grain:
            a = a * (1 - rng.uniform(0, p.pencil_grain, a.shape).astype(np.float32))
        region = page[layer.y : layer.y + h, layer.x : layer.x + w]
        region[:] = region * (1 - a[..., None]) + np.float32(layer.colour) * a[..., None]
    return page


def lighting(rng, p: FrameParams) -> np.ndarray:
    """Uneven light: a linear gradient, a soft shadow band and vignetting, as one gain map."""
    yy, xx = np.mgrid[0 : p.height, 0 : p.width].astype(np.float32)
    theta = rng.uniform(0, 2 * np.pi)
    u = (xx * np.cos(theta) + yy * np.sin(theta))
    u = (u - u.min()) / (u.max() - u.min())
    low = rng.uniform(*p.gradient)
    gain = low + (1 - low) * u
    diag = np.hypot(p.width, p.height)
    phi = rng.uniform(0, np.pi)
    d = (xx - rng.uniform(0, p.width)) * np.cos(phi) + (yy - rng.uniform(0, p.height)) * np.sin(phi)
    half = rng.uniform(*p.shadow_width) * diag / 2
    edge = 0.08 * diag
    inside = np.clip((half + edge - np.abs(d)) / edge, 0, 1)  # 1 in the band, soft edges
    gain *= 1 - (1 - rng.uniform(*p.shadow)) * inside
    r = np.hypot(xx - p.width / 2, yy - p.height / 2) / (diag / 2)
    gain *= 1 - rng.uniform(*p.vignette) * r**2
    return gain


def perspective(rng, p: FrameParams) -> np.ndarray:
    """A mild homography: each corner of the frame moves a little, as with a camera not quite square to the page."""
    corners = np.float32([[0, 0], [p.width, 0], [p.width, p.height], [0, p.height]])
    jitter = rng.uniform(-1, 1, (4, 2)) * p.perspective * np.float32([p.width, p.height])
    return cv2.getPerspectiveTransform(corners, (corners + jitter).astype(np.float32))


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


def camera(image: np.ndarray, rng, hard: bool, p: FrameParams) -> tuple[np.ndarray, np.ndarray | None]:
    """What the camera does to the page; returns the frame and the homography it applied (None: none)."""
    h_matrix = None
    if hard:
        image = image * lighting(rng, p)[..., None]
        h_matrix = perspective(rng, p)
        image = cv2.warpPerspective(image, h_matrix, (p.width, p.height), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE)
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(*p.blur))
        image = image + rng.normal(0, rng.uniform(*p.noise), image.shape).astype(np.float32)
    else:
        image = image + rng.normal(0, p.sensor_noise, image.shape).astype(np.float32)
    frame = np.clip(image + 0.5, 0, 255).astype(np.uint8)
    if hard:
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(*p.jpeg))])
        frame = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    return frame, h_matrix


def make_frame(digits: MnistTestSet, suite: Suite | str, index: int, seed: int = 0,
               params: FrameParams = FrameParams(), keep_masks: bool = False) -> Frame:
    """Frame number `index` of `suite`: the image and the truth of every digit (and number) on it."""
    suite = SUITES[suite] if isinstance(suite, str) else suite
    p = params
    rng = frame_rng(seed, suite.name, index)
    page = Page(p)
    groups: list[list[int]] = []
    if suite.angles:
        placed = sweep_digit(rng, digits, suite, index, page, p)
    elif suite.numbers[0]:
        placed, groups = number_lines(rng, digits, suite, page, p)
    else:
        placed = scatter_digits(rng, digits, suite, page, p)
    marks, mark_boxes = add_marks(rng, suite, page, p)
    image = composite(paper(rng, suite.hard, p), [d[0] for d in placed] + marks, rng, p)
    frame, h_matrix = camera(image, rng, suite.hard, p)
    truths, masks = [], []
    for layer, mnist_index, angle, ink in placed:
        box, mask, x, y = warped_box(layer, h_matrix, p)  # the margin keeps every digit inside the frame
        truths.append(DigitTruth(int(digits.labels[mnist_index]), box, mnist_index, angle, ink))
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
