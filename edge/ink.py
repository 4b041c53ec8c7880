"""The ink map: how much darker than the paper each pixel of a frame is, and where that is ink.

The paper's brightness is estimated on a copy shrunk to `background_width` (a grey closing wider than any
stroke), so shadows and uneven light divide out; near the frame's edges it follows the light's fall-off, and
at a sharp step (a page's edge on a darker desk) it takes the darker side's (docs/segmentation.md). Light ink
on a dark ground is recognised and inverted. Faint frames (pencil, a page in shadow) get lower thresholds
(`thresholds`). The parameters are `edge.segment.SegmentParams`'.
"""
from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from edge.lines import odd

if TYPE_CHECKING:
    from edge.segment import SegmentParams


def to_gray(frame: np.ndarray) -> np.ndarray:
    """The frame as one contiguous uint8 grey channel (BGR, BGRA and grey accepted)."""
    frame = np.asarray(frame)
    if frame.ndim == 3 and frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    elif frame.ndim == 3 and frame.shape[2] == 3:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    elif frame.ndim == 3:
        frame = frame[:, :, 0]
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(frame)


def ink_map(frame: np.ndarray, params: SegmentParams) -> np.ndarray:
    """Frame (BGR or grey uint8) -> uint8 ink 0..255: 255 * how much darker than the paper each pixel is.

    The paper's brightness comes from a grey closing (max then min filter, wider than any stroke) of a
    shrunk copy, so gradients and shadows divide out. Light-on-dark frames are inverted first.
    """
    gray = to_gray(frame)
    h, w = gray.shape[:2]
    if h == 0 or w == 0:
        return np.zeros((h, w), np.uint8)
    small, k = _background_copy(gray, params)
    if _light_ink(small, k, params):
        gray, small = 255 - gray, 255 - small
    paper = paper_estimate(small, k, params)
    if params.paper_step:
        low = cv2.erode(paper, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
        paper = np.where(low < (1 - params.paper_step) * paper.astype(np.float32), low, paper)
    paper = cv2.resize(np.maximum(paper, 1), (w, h), interpolation=cv2.INTER_LINEAR)
    if params.noise_blur > 1:
        gray = cv2.GaussianBlur(gray, (params.noise_blur, params.noise_blur), 0)
    relative = cv2.divide(gray, paper, scale=255)  # paper -> 255, ink darker
    return cv2.bitwise_not(relative)  # 255 - relative


def paper_estimate(small: np.ndarray, k: int, params: SegmentParams) -> np.ndarray:
    """The paper's brightness under a small grey frame: a grey closing (`k` px), strokes filled in.

    Within half a kernel of the frame's edge the closing sees only the inner side: where the light falls off
    towards the edge (a lens's vignette, a lamp's circle) it takes the brighter paper further in for the paper
    there, and the edge becomes a band of "ink" that joins the digits. So, in that band, the paper is at most
    `edge_margin` brighter than a smooth (quadratic) surface fitted to the estimate inside the band says: the
    fall-off continued (an error under the ink threshold is left alone: the fit is rough). A
    table beside the page, darker than the paper inside, stays ink as before (it is no fall-off of the page)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    band = k // 2 + 1
    h, w = paper.shape[:2]
    if not params.edge_fit or min(h, w) <= 4 * band:
        return paper
    step = band // 2 or 1  # the light varies slowly: a sparse grid inside the band fits it as well
    x, y, terms = _fit_grid(h, w, band, step)
    values = paper[band:h - band:step, band:w - band:step].reshape(-1, 1).astype(np.float32)
    c = cv2.solve(terms, values, flags=cv2.DECOMP_CHOLESKY | cv2.DECOMP_NORMAL)[1].ravel() * (1 + params.edge_margin)
    out = paper.copy()
    for rows, cols in ((slice(0, band), slice(None)), (slice(h - band, h), slice(None)),
                       (slice(band, h - band), slice(0, band)), (slice(band, h - band), slice(w - band, w))):
        yr, xc = y[rows, None], x[None, cols]  # the quadratic c0 + c1 x + c2 y + c3 x² + c4 xy + c5 y²
        cap = (c[0] + c[2] * yr + c[5] * yr * yr) + (c[1] + c[4] * yr) * xc + c[3] * xc * xc
        out[rows, cols] = np.minimum(paper[rows, cols], np.maximum(cap, 0))
    return out


@functools.lru_cache(maxsize=8)
def _fit_grid(h: int, w: int, band: int, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates (-0.5..0.5) across and down an (h, w) copy, and the quadratic's six terms at every `step`-th
    pixel inside its edge band: the same for every frame of a camera."""
    x, y = np.linspace(-0.5, 0.5, w, dtype=np.float32), np.linspace(-0.5, 0.5, h, dtype=np.float32)
    yy, xx = np.meshgrid(y[band:h - band:step], x[band:w - band:step], indexing="ij")
    terms = np.stack([np.ones_like(xx), xx, yy, xx * xx, xx * yy, yy * yy], axis=-1).reshape(-1, 6)
    return x, y, terms


def _background_copy(gray: np.ndarray, params: SegmentParams) -> tuple[np.ndarray, int]:
    """The grey frame shrunk to `background_width` and the paper-estimate kernel size on it."""
    h, w = gray.shape[:2]
    scale = min(1.0, params.background_width / w)
    small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return small, odd(params.background_kernel * min(small.shape[:2]))


def light_ink(frame: np.ndarray, params: SegmentParams) -> bool:
    """Is the writing lighter than its ground (chalk on a board, MNIST itself)? As `ink_map` decides it."""
    gray = to_gray(frame)
    return gray.size > 0 and _light_ink(*_background_copy(gray, params), params)


def _light_ink(small: np.ndarray, kernel: int, params: SegmentParams) -> bool:
    """Light ink on a dark ground? With "auto": the local contrast is skewed towards bright pixels.

    Ink is the rare extreme against its surroundings, so after subtracting a local mean the strokes
    sit far out on one side (the third moment's sign); the faint halo around them, gradients and
    shadow edges are mild or symmetric and do not tip the balance. A page with no clear skew (blank, or
    faint pencil under a shadow) is read as dark ink, the common case: inverted, its paper grain is "ink".
    """
    if params.polarity != "auto":
        return params.polarity == "light_ink"
    contrast = (small.astype(np.float32) - cv2.blur(small, (kernel, kernel))).ravel()
    square = contrast * contrast
    spread = float(square.mean()) ** 1.5
    skew = float(np.dot(square, contrast)) / len(contrast) / spread if spread > 0 else 0.0  # ** 3 is 30x slower
    return skew > params.light_skew or (skew > 0 and float(np.percentile(small, params.ground_percentile))
                                        < params.dark_ground)


def thresholds(ink: np.ndarray, params: SegmentParams) -> SegmentParams:
    """`params` with the hysteresis thresholds lowered for a faint frame (unchanged for pen on paper).

    From one 256-bin histogram of the ink map: the strong ink level (`faint_percentile`) and the paper's noise
    (median and median absolute deviation, most pixels being paper)."""
    counts = cv2.calcHist([ink[::4, ::4]], [0], None, [256], [0, 256]).ravel()  # a 16th of the pixels is plenty
    cumulative = np.cumsum(counts) / max(counts.sum(), 1)
    strong = int(np.searchsorted(cumulative, params.faint_percentile / 100))
    if params.faint_share * strong >= params.high_threshold:
        return params
    median = int(np.searchsorted(cumulative, 0.5))
    spread = np.abs(np.arange(256) - median)
    order = np.argsort(spread, kind="stable")
    mad = spread[order][np.searchsorted(np.cumsum(counts[order]) / max(counts.sum(), 1), 0.5)]
    sigma = 1.4826 * max(float(mad), 1.0)
    if strong - median < max(params.faint_contrast * sigma, params.faint_min):
        return params  # no ink stands out of the paper's noise (a blank page): nothing to lower the bar for
    high = max(params.faint_share * strong, median + params.noise_high * sigma, 2 * params.faint_floor)
    low = max(high / 2, median + params.noise_low * sigma, params.faint_floor)
    return replace(params, low_threshold=int(min(low, params.low_threshold)),
                   high_threshold=int(min(high, params.high_threshold)))


def ink_mask(ink: np.ndarray, params: SegmentParams) -> np.ndarray:
    """The 0/1 ink of an ink map, paper lines and all."""
    return cv2.threshold(ink, params.low_threshold, 1, cv2.THRESH_BINARY)[1]
