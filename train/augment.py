"""On-the-fly augmentation: what a camera does to handwriting that MNIST never shows.

Each digit is warped (rotation, shear, aspect, scale, sub-pixel shift) onto a canvas at twice MNIST's
resolution, optionally bent by a smooth random field, made thinner or thicker there, sometimes blurred, and
then re-normalized with the runner's own `edge.normalize.to_mnist` — so the model learns on exactly the
crops the runner will feed it. Whole-pixel shifts and size changes are undone by that normalization; what
survives is what matters at run time: lost resolution (small digits), slant, rotation and stroke weight.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from edge.normalize import to_mnist


@dataclass(frozen=True)
class AugmentParams:
    """Every augmentation knob in one place; ranges are uniform unless noted."""

    upscale: int = 2  # warp onto a canvas this many times MNIST's resolution: stroke changes in half pixels
    canvas: int = 84  # canvas side at that resolution: room for a rotated, sheared, enlarged digit
    clean_fraction: float = 0.4  # share of digits only re-normalized, so MNIST's own look stays well learned
    rotation: float = 45.0  # degrees either way, for `wide_rotation_fraction` of the augmented digits...
    mild_rotation: float = 15.0  # ...and this many degrees either way for the others
    wide_rotation_fraction: float = 0.4
    shear: float = 0.3  # horizontal shear factor either way (slanted handwriting)
    aspect: float = 0.25  # width stretched or squeezed by up to this fraction (log-uniform)
    scale: tuple[float, float] = (0.5, 1.2)  # size before re-normalizing: 0.5 = a 20 px tall camera digit
    shift: float = 0.5  # sub-pixel shift either way, in MNIST pixels (whole pixels are re-centred away)
    thin_probability: float = 0.15  # erode strokes (a fine pen)...
    thick_probability: float = 0.3  # ...or dilate them (a marker), by up to `max_thicken` canvas pixels
    max_thicken: int = 3
    blur_probability: float = 0.2  # defocus, Gaussian sigma up to `max_blur` canvas pixels
    max_blur: float = 1.5
    # a smooth random displacement field (Simard et al. 2003), for this share of the distorted digits and of
    # the marks: the wobble of a hand that no affine warp makes. 0 (off) trains the committed model exactly.
    elastic_probability: float = 0.0
    elastic_shift: float = 1.0  # the field's rms displacement along each axis, in MNIST pixels
    elastic_smoothness: float = 4.0  # the field's Gaussian sigma, in MNIST pixels: larger bends more gently
    # a hand-held camera's blur: motion along a random direction and a defocus disc, for this share of the
    # distorted digits and of the marks (0, off, trains the committed model exactly)
    camera_blur_probability: float = 0.0
    max_motion: float = 12.0  # motion blur length, canvas pixels (up to a third of a canvas digit's height)
    max_defocus: float = 3.0  # defocus disc radius, canvas pixels
    # a ballpoint's even line: this share of the distorted digits and of the marks is redrawn with a round pen
    # of one width along the strokes' middle (`repen`). MNIST's felt-tip strokes swell at turns and ends; the
    # committed model read 95-97 % of 600 test digits so redrawn against 99.7 % as they are. 0 (off) draws nothing.
    pen_probability: float = 0.0
    pen_radius: tuple[float, float] = (0.5, 3.0)  # the pen's radius, canvas pixels: hairline to felt tip
    nondigit_fraction: float = 0.2  # share of each batch replaced by generated "not a digit" marks
    # the continental "1": a long up-stroke from the top, down to the left, which MNIST's 1s nearly never have
    # and a model trained on them reads as a 7. This share of the 1s gets one (0, off, draws nothing).
    flagged_ones: float = 0.0
    flag_length: tuple[float, float] = (0.3, 0.8)  # the flag's length, as a share of the 1's height (real ones: up to 0.8)
    flag_angle: tuple[float, float] = (35.0, 65.0)  # degrees below horizontal: a flat bar on top makes a 7

    def __post_init__(self) -> None:
        """Shares outside 0..1 would quietly distort every digit or replace every one with a mark; a negative
        rms shift means nothing, and a bend with no smoothness would fail deep inside OpenCV instead of here."""
        if not 0 <= self.clean_fraction <= 1:
            raise ValueError(f"clean fraction must be from 0 to 1 (got {self.clean_fraction})")
        if not 0 <= self.nondigit_fraction < 1:
            raise ValueError(f"non-digit fraction must be from 0 to below 1 (got {self.nondigit_fraction})")
        if not 0 <= self.camera_blur_probability <= 1:
            raise ValueError(f"camera blur probability must be from 0 to 1 (got {self.camera_blur_probability})")
        if not 0 <= self.pen_probability <= 1:
            raise ValueError(f"pen probability must be from 0 to 1 (got {self.pen_probability})")
        if self.max_thicken < 1:
            raise ValueError(f"max thicken must be 1 canvas pixel or more (got {self.max_thicken})")
        if not 0 <= self.flagged_ones <= 1:
            raise ValueError(f"flagged ones must be a share from 0 to 1 (got {self.flagged_ones})")
        if not 0 <= self.elastic_probability <= 1:
            raise ValueError(f"elastic probability must be from 0 to 1 (got {self.elastic_probability})")
        if self.elastic_shift < 0 or self.elastic_smoothness <= 0:
            raise ValueError("elastic shift must be 0 or more and smoothness above 0 "
                             f"(got {self.elastic_shift}, {self.elastic_smoothness})")

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT = AugmentParams()


def affine_matrix(angle: float = 0.0, shear: float = 0.0, stretch: float = 1.0, zoom: float = 1.0,
                  shift: tuple[float, float] = (0.0, 0.0), size: int = 28, canvas: int = 28) -> np.ndarray:
    """2×3 matrix taking a size×size image onto the centre of a canvas: rotated by `angle` degrees
    (counter-clockwise), sheared, its width stretched, scaled by `zoom` and shifted by `shift` canvas pixels."""
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    linear = zoom * rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0])
    offset = canvas / 2 + np.asarray(shift) - linear @ np.array([size / 2, size / 2])
    return np.hstack([linear, offset[:, None]]).astype(np.float32)


def random_affine(rng: np.random.Generator, p: AugmentParams, size: int = 28) -> np.ndarray:
    """A random camera-like distortion of a size×size digit onto the canvas."""
    wide = rng.random() < p.wide_rotation_fraction
    return affine_matrix(
        angle=rng.uniform(-1, 1) * (p.rotation if wide else p.mild_rotation),
        shear=rng.uniform(-p.shear, p.shear),
        stretch=float(np.exp(rng.uniform(-1, 1) * np.log1p(p.aspect))),
        zoom=p.upscale * rng.uniform(*p.scale),
        shift=tuple(rng.uniform(-p.shift, p.shift, 2) * p.upscale),
        size=size, canvas=p.canvas)


def warp(image: np.ndarray, matrix: np.ndarray, canvas: int) -> np.ndarray:
    """Apply an `affine_matrix` onto a black canvas×canvas image."""
    return cv2.warpAffine(image, matrix, (canvas, canvas), flags=cv2.INTER_LINEAR, borderValue=0)


def bend(canvas: np.ndarray, rng: np.random.Generator, p: AugmentParams) -> np.ndarray:
    """Move every pixel by a smoothly varying random offset. The field is drawn at MNIST's resolution and
    enlarged: it is smooth, so nothing is lost, and blurring one of the canvas's size took over twice as long."""
    h, w = canvas.shape
    coarse = (max(h // p.upscale, 1), max(w // p.upscale, 1))
    dx, dy = (cv2.GaussianBlur(rng.standard_normal(coarse).astype(np.float32), (0, 0), p.elastic_smoothness)
              for _ in range(2))
    gain = p.elastic_shift * p.upscale / np.sqrt(np.mean(dx * dx + dy * dy) / 2)
    dx, dy = (cv2.resize(f * gain, (w, h), interpolation=cv2.INTER_LINEAR) for f in (dx, dy))
    ys, xs = np.mgrid[:h, :w].astype(np.float32)
    return cv2.remap(canvas, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0)


def restroke(canvas: np.ndarray, rng: np.random.Generator, p: AugmentParams) -> np.ndarray:
    """Thin or thicken the strokes; an erosion that would wipe out most of the ink is skipped."""
    draw = rng.random()
    if draw < p.thin_probability:
        thinned = cv2.erode(canvas, np.ones((2, 2), np.uint8))
        return thinned if thinned.sum() > 0.4 * canvas.sum() else canvas
    if draw < p.thin_probability + p.thick_probability:
        k = int(rng.integers(1, p.max_thicken + 1)) + 1
        return cv2.dilate(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return canvas


# hit-or-miss pairs of Golay's thinning alphabet, in their four quarter turns: each pass peels one layer of edge
# pixels whose removal cannot cut a stroke or shorten a line's end
THINNING = tuple(np.ascontiguousarray(np.rot90(k, turn)) for turn in range(4)
                 for k in (np.array([[-1, -1, -1], [0, 1, 0], [1, 1, 1]]), np.array([[0, -1, -1], [1, 1, -1], [0, 1, 0]])))


def thin(mask: np.ndarray) -> np.ndarray:
    """A bool mask thinned to lines one pixel wide that stay connected (about 0.5 ms on a digit's canvas)."""
    lines = mask.astype(np.uint8) * 255
    while True:
        before = cv2.countNonZero(lines)
        for kernel in THINNING:
            lines = cv2.subtract(lines, cv2.morphologyEx(lines, cv2.MORPH_HITMISS, kernel))
        if cv2.countNonZero(lines) == before:
            return lines > 0


def repen(canvas: np.ndarray, radius: float) -> np.ndarray:
    """The strokes redrawn with a round pen of `radius` pixels along their thinned middle. The coverage falls
    off over one pixel at the pen's edge, as an anti-aliased line's does."""
    mask = canvas > 127
    if not mask.any():
        return canvas
    away = cv2.distanceTransform((~thin(mask)).astype(np.uint8), cv2.DIST_L2, 3)
    return (np.clip(radius + 0.5 - away, 0, 1) * 255).astype(np.uint8)


def camera_blur(canvas: np.ndarray, rng: np.random.Generator, p: AugmentParams) -> np.ndarray:
    """Motion blur (a line kernel 2 to `max_motion` pixels long, any direction), then a defocus disc of
    radius 0.5 to `max_defocus`: what a hand-held phone or a cheap webcam does to a page."""
    length = rng.uniform(2.0, p.max_motion)
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, (size - int(round(length))) // 2 : (size + int(round(length))) // 2 + 1] = 1
    centre = ((size - 1) / 2, (size - 1) / 2)
    kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D(centre, rng.uniform(0, 180), 1.0), (size, size))
    canvas = cv2.filter2D(canvas, -1, kernel / max(kernel.sum(), 1e-6))
    radius = rng.uniform(0.5, p.max_defocus)
    side = 2 * int(np.ceil(radius)) + 1
    disc = cv2.circle(np.zeros((side, side), np.float32), (side // 2, side // 2), int(round(radius)), 1.0, -1)
    return cv2.filter2D(canvas, -1, disc / disc.sum())


def pen_and_focus(canvas: np.ndarray, rng: np.random.Generator, p: AugmentParams = DEFAULT) -> np.ndarray:
    """Sometimes bent, redrawn with an even pen or thinner or thicker strokes, sometimes defocused: applied to
    digits and non-digit marks alike, so neither the bend, the pen, stroke width nor blur can tell the model
    which of the two it is looking at.
    With `elastic_probability`, `pen_probability` and `camera_blur_probability` 0 no number is drawn for the
    bend, the pen or the camera blur, so the random stream is the committed one."""
    if p.elastic_probability and rng.random() < p.elastic_probability:
        canvas = bend(canvas, rng, p)
    if p.pen_probability and rng.random() < p.pen_probability:
        canvas = repen(canvas, rng.uniform(*p.pen_radius))
    else:
        canvas = restroke(canvas, rng, p)
    if rng.random() < p.blur_probability:
        canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.5, p.max_blur))
    if p.camera_blur_probability and rng.random() < p.camera_blur_probability:
        canvas = camera_blur(canvas, rng, p)
    return canvas


def add_flag(image: np.ndarray, rng: np.random.Generator, p: AugmentParams = DEFAULT) -> np.ndarray:
    """A 28×28 "1" with a continental flag: a stroke as wide as the 1's own from its top, down to the left.
    Drawn at four times the resolution so that the stroke's edge is as soft as MNIST's."""
    rows = np.flatnonzero((image > 100).any(axis=1))
    if len(rows) < 4:
        return image
    top, height = rows[0], rows[-1] + 1 - rows[0]
    width = float(np.clip((image > 100).sum() / height, 1.0, 4.0))  # a 1 is about as wide as its stroke
    x_top = float(np.flatnonzero(image[top : top + 2].max(axis=0) > 100).mean())
    length = height * rng.uniform(*p.flag_length)
    angle = np.deg2rad(rng.uniform(*p.flag_angle))
    k = 4
    big = cv2.resize(image, None, fx=k, fy=k, interpolation=cv2.INTER_LINEAR)
    start = (int(k * x_top + k / 2), int(k * top + k / 2))
    end = (int(start[0] - k * length * np.cos(angle)), int(start[1] + k * length * np.sin(angle)))
    cv2.line(big, start, end, 255, max(1, int(round(k * width))), cv2.LINE_AA)
    return cv2.resize(big, image.shape[::-1], interpolation=cv2.INTER_AREA)


def augment(image: np.ndarray, rng: np.random.Generator, p: AugmentParams = DEFAULT, label: int = -1) -> np.ndarray:
    """One 28×28 white-on-black digit, distorted as a camera might see it, then re-normalized (uint8 28×28);
    `label` 1 may get a continental flag (`flagged_ones`)."""
    if label == 1 and p.flagged_ones and rng.random() < p.flagged_ones:
        image = add_flag(image, rng, p)
    if rng.random() < p.clean_fraction:
        return to_mnist(image)
    canvas = warp(image, random_affine(rng, p, image.shape[0]), p.canvas)
    return to_mnist(pen_and_focus(canvas, rng, p))


def augment_batch(images: np.ndarray, rng: np.random.Generator, p: AugmentParams = DEFAULT,
                  labels: np.ndarray | None = None) -> np.ndarray:
    """`augment` over an (N, 28, 28) uint8 batch (with their `labels`, for the flagged ones)."""
    labels = np.full(len(images), -1) if labels is None else labels
    return np.stack([augment(im, rng, p, int(y)) for im, y in zip(images, labels)]) if len(images) else images.copy()
