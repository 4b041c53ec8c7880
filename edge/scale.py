"""Pick the image a frame is segmented on, from the size of the writing in it.

The segmentation's sizes were set on 640x480 camera frames, where digits are 20-160 px tall and a pen stroke
is a few pixels. A phone photo or a scan can hold the same writing at 5-10 times that size (a 12 MP sheet),
or one digit filling the frame (a close-up). So a frame larger than a camera's is first measured: on a copy
shrunk to `probe_side`, the median height of its ink components is the writing's size. The frame is then
shrunk until that writing is about `digit_height` pixels tall (the *working image*), and the segmentation's
size unit becomes `unit_per_height` of those heights. Cost then follows the working image, not the photo.

Shrinking keeps thin strokes: before the area resize, the ink is widened by a min filter (max for light
ink) about as wide as the pixels being merged, so a 2 px ballpoint line on a 12 MP photo stays a dark line
instead of fading into the paper.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from edge import segment
from edge.ink import ink_map, light_ink, thresholds, to_gray


@dataclass(frozen=True)
class ScaleParams:
    """When and how far a frame is shrunk before segmentation."""

    direct_side: int = 800  # frames whose longer side is at most this are segmented as they are (cameras)
    probe_side: int = 640  # the writing is measured on a copy shrunk to this longer side
    probe_min_size: int = 5  # probe components smaller than this (pixels, longer side) are specks
    probe_max_share: float = 0.9  # ...and larger than this share of the probe's side are borders or shadows
    probe_flat: float = 3.0  # ...and wider than this many times their height are rules or dashes
    # ...and holding less than this share of the ink of a typical piece (the ink-weighted median piece) are
    # the dots and dashes of a dotted grid, which can outnumber the digits on it ten to one
    probe_min_ink: float = 0.125
    # ...when that typical piece has this many peers (pieces with half its ink or more): one or two big pieces,
    # a page's edge on a desk or a drawing, are no writing to measure the rest against
    probe_peers: int = 3
    digit_height: float = 100.0  # the working image puts the writing's median height at about this, pixels
    # (64 merged the widened strokes of close thin-pen digits on 8-12 MP sheets: docs/segmentation.md)
    min_short: int = 360  # but its shorter side is never shrunk below this (close-ups keep some detail)
    max_pixels: int = 4_000_000  # and never holds more than this many pixels (the cost of a 12 MP photo)
    unknown_side: int = 1600  # a photo whose writing cannot be measured is read at this longer side
    unit_per_height: float = 10.0  # segmentation unit = this * writing height (the smallest digit: 0.35 of it)


DEFAULT = ScaleParams()


@dataclass(frozen=True)
class Plan:
    """How one frame is segmented: shrunk by `factor`, with sizes in `unit` (None: the working image's shorter
    side, as for a camera frame); `height` is the writing's measured size in frame pixels (None: not measured);
    `polarity` the ink's, decided once on the frame ("auto": left to the segmentation, as for a camera frame)."""

    factor: float
    unit: float | None
    height: float | None
    polarity: str = "auto"

    def segment_params(self, seg: segment.SegmentParams) -> segment.SegmentParams:
        """`seg` with this plan's polarity: the working image is not judged again (its min filter shifts the
        very skew the decision rests on)."""
        return seg if self.polarity == "auto" else replace(seg, polarity=self.polarity)


def shrink(gray: np.ndarray, factor: float, light: bool = False) -> np.ndarray:
    """`gray` resized by `factor` (< 1) so that strokes thinner than the merged pixels stay visible."""
    if factor >= 1.0:
        return gray
    side = int(np.ceil(1.0 / factor)) - 1
    if side > 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
        gray = cv2.dilate(gray, kernel) if light else cv2.erode(gray, kernel)
    h, w = gray.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    step = int(1.0 / factor)  # OpenCV's area resize is fast by a whole factor, slow otherwise: whole, then linear
    if step > 1:
        gray = cv2.resize(gray, (max(1, w // step), max(1, h // step)), interpolation=cv2.INTER_AREA)
    return cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR if step > 1 else cv2.INTER_AREA)


def writing_height(probe: np.ndarray, params: ScaleParams = DEFAULT,
                   seg: segment.SegmentParams = segment.DEFAULT) -> float | None:
    """Median height (pixels) of the strong ink components of a small grey frame, or None when it has none.

    Paper lines are removed first; specks, rules, dashes, anything spanning most of the frame and pieces with
    a small share of a typical piece's ink are left out, so what remains is letters and digits (or their broken
    pieces)."""
    ink = ink_map(probe, seg)
    seg = thresholds(ink, seg)
    binary, _ = segment.ink_binary(ink, min(probe.shape[:2]), seg)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    strong = np.zeros(count, bool)  # hysteresis: a component needs some strong ink
    strong[labels[ink > seg.high_threshold]] = True
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    ph, pw = probe.shape[:2]
    keep = (strong[1:] & (np.maximum(w, h) >= params.probe_min_size) & (h <= params.probe_max_share * ph)
            & (w <= params.probe_max_share * pw) & (w <= params.probe_flat * h))
    if not keep.any():
        return None
    pixels = stats[1:, cv2.CC_STAT_AREA]
    typical = _typical_ink(pixels[keep])
    if np.count_nonzero(keep & (pixels >= typical / 2)) >= params.probe_peers:
        keep &= pixels >= params.probe_min_ink * typical
    return float(np.median(h[keep]))


def _typical_ink(ink: np.ndarray) -> float:
    """The ink of the piece in the middle of all the ink: half of it lies in smaller pieces. Many tiny pieces
    (a grid's dashes) do not move it, as they move the median piece."""
    ink = np.sort(ink)
    cumulative = np.cumsum(ink, dtype=np.float64)
    return float(ink[np.searchsorted(cumulative, cumulative[-1] / 2)])


def plan(gray: np.ndarray, params: ScaleParams = DEFAULT, seg: segment.SegmentParams = segment.DEFAULT) -> Plan:
    """Decide the ink's polarity, measure the writing of a grey frame larger than a camera's, and choose the
    working image's scale and unit."""
    h, w = gray.shape[:2]
    step = max(1, max(h, w) // params.probe_side)  # the polarity test needs no more than a probe
    light = light_ink(gray[::step, ::step], seg)
    polarity = "light_ink" if light else "dark_ink"
    probe_factor = params.probe_side / max(h, w)
    height = writing_height(shrink(gray, probe_factor, light), params, replace(seg, polarity=polarity))
    floor = min(1.0, params.min_short / min(h, w))
    ceiling = min(1.0, float(np.sqrt(params.max_pixels / (h * w))))
    if height is None:  # nothing measurable (a blank page): read it as a camera frame of `unknown_side`
        return Plan(min(ceiling, params.unknown_side / max(h, w)), None, None, polarity)
    height /= probe_factor
    factor = float(np.clip(params.digit_height / height, floor, ceiling))
    unit = min(params.unit_per_height * height * factor, min(h, w) * factor)
    return Plan(factor, unit, height, polarity)


def working_image(frame: np.ndarray, params: ScaleParams = DEFAULT,
                  seg: segment.SegmentParams = segment.DEFAULT) -> tuple[np.ndarray, Plan]:
    """The image to segment (the frame itself when it is camera-sized) and the plan that made it; segment it
    with `plan.segment_params(seg)`."""
    if max(frame.shape[:2]) <= params.direct_side:
        return frame, Plan(1.0, None, None)
    gray = to_gray(frame)
    chosen = plan(gray, params, seg)
    return shrink(gray, chosen.factor, chosen.polarity == "light_ink"), chosen
