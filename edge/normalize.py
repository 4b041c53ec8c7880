"""Turn one segmented digit into the 28x28 image the model reads, the way MNIST was made.

MNIST digits were fitted into a 20x20 box keeping their aspect ratio (anti-aliased), then placed in a
28x28 image with their centre of mass at its centre. Training (`train/`) runs every augmented sample
through `to_mnist` too, so the model is trained on exactly what the runner feeds it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class NormalizeParams:
    """How a patch of ink becomes a model input; the defaults reproduce MNIST's framing."""

    size: int = 28  # side of the model input, pixels
    box: int = 20  # the ink's longer side is scaled to this, aspect ratio kept (MNIST: 20)
    center: float = 14.0  # where the centre of mass lands, in pixel indices (MNIST's mean is 14.0, 14.0)
    ink_threshold: int = 32  # 0..255: brighter pixels count as ink when measuring extent and strokes
    min_stroke: float = 0.10  # strokes thinner than this fraction of the longer side get thickened...
    target_stroke: float = 0.14  # ...to about this fraction (MNIST: median 0.15, 1st percentile 0.10)

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT = NormalizeParams()


def _ink_mask(ink: np.ndarray, threshold: int) -> np.ndarray:
    """0/1 uint8 map of the pixels brighter than `threshold` (what contours and boxes are measured on)."""
    return (ink > threshold).view(np.uint8)


def ink_box(ink: np.ndarray, threshold: int = DEFAULT.ink_threshold) -> tuple[int, int, int, int] | None:
    """Tight (x, y, w, h) box of the pixels brighter than `threshold`, or None when there are none."""
    x, y, w, h = cv2.boundingRect(_ink_mask(ink, threshold))
    return (x, y, w, h) if w else None


def _mask_stroke_ratio(mask: np.ndarray) -> float:
    """`stroke_ratio` of a 0/1 ink mask that is tight around its ink."""
    # contours need a background border around the ink
    mask = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT)
    area = float(cv2.countNonZero(mask))
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * area / max(perimeter, 1.0) / (max(mask.shape) - 2)


def stroke_ratio(ink: np.ndarray, threshold: int = DEFAULT.ink_threshold) -> float:
    """Stroke width over the ink's longer side, from width ~ 2 * area / perimeter of the binary ink."""
    return _mask_stroke_ratio(_ink_mask(ink, threshold))


def center_of_mass(image: np.ndarray) -> tuple[float, float] | None:
    """(x, y) centre of mass of a float32 image in pixel indices, or None when it has no mass.

    Not `cv2.moments`: that reads an N×2 float array (a 2-pixel-wide upright "1" after the resize) as
    N points of a contour and returns garbage. The float64 sums are exact, so a centre at exactly .5
    always rounds the same way."""
    rows, cols = image.sum(1, dtype=np.float64), image.sum(0, dtype=np.float64)
    total = rows.sum()
    if total <= 0:
        return None
    return float(cols @ np.arange(len(cols)) / total), float(rows @ np.arange(len(rows)) / total)


def _dilate_by(ink: np.ndarray, ratio: float, params: NormalizeParams) -> np.ndarray:
    """`ink` (stroke ratio `ratio`) dilated to about the target stroke, or itself when it needs none."""
    if ratio == 0.0 or ratio >= params.min_stroke:
        return ink
    radius = int(np.ceil((params.target_stroke - ratio) * max(ink.shape) / 2))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(np.pad(ink, radius), kernel)  # padded so the fattened ink is not cut off


def thicken(ink: np.ndarray, params: NormalizeParams = DEFAULT) -> np.ndarray:
    """Dilate hairline strokes (a fine pen seen large by a camera) so they survive the downscale."""
    return _dilate_by(ink, stroke_ratio(ink, params.ink_threshold), params)


def to_mnist(ink: np.ndarray, params: NormalizeParams = DEFAULT) -> np.ndarray:
    """Fit the ink of a white-on-black patch (any size, 0..255) into MNIST's framing.

    Returns a (size, size) uint8 image: white ink on black, the longer side of the ink `box` pixels,
    its brightest pixel 255 (faint pencil reads like MNIST's pen) and its centre of mass at `center`.
    A patch without ink gives an all-black image.
    """
    out = np.zeros((params.size, params.size), np.uint8)
    _to_mnist_into(out, ink, params)
    return out


def _to_mnist_into(out: np.ndarray, ink: np.ndarray, params: NormalizeParams) -> None:
    """`to_mnist` written into `out` (all zeros, size x size uint8).

    The arithmetic is float32 from the resize on, as training saw it; uint8 patches (what segmentation
    gives) are thresholded and cropped as they are and only the ink box is converted, which gives the same
    bytes as converting the whole patch first. Other dtypes go through float32 first, as before.
    """
    ink = np.asarray(ink)
    if ink.dtype != np.uint8:
        ink = ink.astype(np.float32)
    mask = _ink_mask(ink, params.ink_threshold)
    x, y, w, h = cv2.boundingRect(mask)
    if not w:
        return
    crop = ink[y : y + h, x : x + w].astype(np.float32)  # a contiguous float32 copy of the box only
    crop = _dilate_by(crop, _mask_stroke_ratio(mask[y : y + h, x : x + w]), params)
    h, w = crop.shape
    scale = params.box / max(w, h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(crop, (new_w, new_h), interpolation=interpolation)
    small *= 255.0 / max(cv2.minMaxLoc(small)[1], 1e-6)
    mass = center_of_mass(small)
    if mass is None:
        return
    # a whole-pixel shift keeps the strokes as sharp as MNIST's; the centre lands within half a pixel
    dx, dy = round(params.center - mass[0]), round(params.center - mass[1])
    # the shifted image, cut to the size x size canvas (what a nearest-neighbour warpAffine by (dx, dy) gives)
    x0, y0 = max(0, dx), max(0, dy)
    x1, y1 = min(params.size, dx + new_w), min(params.size, dy + new_h)
    if x1 <= x0 or y1 <= y0:
        return
    placed = small[y0 - dy : y1 - dy, x0 - dx : x1 - dx]
    out[y0:y1, x0:x1] = np.clip(placed + 0.5, 0, 255).astype(np.uint8)


def to_mnist_batch(patches: list[np.ndarray] | np.ndarray, params: NormalizeParams = DEFAULT) -> np.ndarray:
    """`to_mnist` over many patches: an (N, size, size) uint8 batch ready for one `Classifier.predict` call."""
    out = np.zeros((len(patches), params.size, params.size), np.uint8)
    for i, patch in enumerate(patches):
        _to_mnist_into(out[i], patch, params)
    return out


# small changes of framing a crop is read under again when the model doubts it: one pixel left and right,
# 10 % smaller and larger (about the centre of the MNIST frame); (dx, dy, scale)
LOOKS: tuple[tuple[float, float, float], ...] = ((1, 0, 1.0), (-1, 0, 1.0), (0, 0, 0.9), (0, 0, 1.1))


def other_looks(batch: np.ndarray, looks: tuple[tuple[float, float, float], ...] = LOOKS) -> np.ndarray:
    """(N, size, size) model inputs -> (len(looks) * N, size, size): each look of every input, look by look."""
    n, size = len(batch), batch.shape[-1]
    centre = (size - 1) / 2
    out = np.empty((len(looks) * n, size, size), np.uint8)
    for k, (dx, dy, zoom) in enumerate(looks):
        m = cv2.getRotationMatrix2D((centre, centre), 0.0, zoom)
        m[:, 2] += (dx, dy)
        for i, image in enumerate(batch):
            out[k * n + i] = cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_LINEAR)
    return out


def cut_halo(batch: np.ndarray, floor: float = 0.4) -> np.ndarray:
    """Model inputs with the ink below `floor` of the peak taken away and the rest stretched back to 0..255.

    A defocused or smeared camera spreads a thin pen's stroke into a core and a wide soft halo; normalized, the
    halo makes a digit look like a blurred mark, and the model puts it in *not a digit* though its best digit is
    the right one (the real set through a defocused 640 px camera). Cut, the core reads as the pen drew it."""
    low = 255.0 * floor
    return np.clip((batch.astype(np.float32) - low) * (255.0 / (255.0 - low)), 0, 255).astype(np.uint8)
