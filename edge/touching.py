"""Where touching digits are cut: pure functions on a group's 0/1 ink and its column profile.

`edge.segment` joins broken strokes into groups; a group wider than a digit holds several touching ones. It is
cut at the ink minima near even spacing (`cuts`), then each part again where a narrow "1" or a neighbour of
another height touches (`touch_spans`, `touch_cut`). The parameters are `edge.segment.SegmentParams`'.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from edge.segment import SegmentParams


def cuts(profile: np.ndarray, k: int, params: SegmentParams) -> list[int]:
    """Column indices splitting a run of k touching digits at the ink minima near even spacing."""
    width = len(profile)
    step = width / k
    window = max(1, int(params.split_window * step))
    out = [0]
    for i in range(1, k):
        centre = int(round(i * step))
        lo, hi = max(out[-1] + 1, centre - window), min(width - 1, centre + window + 1)
        out.append(lo + int(np.argmin(profile[lo:hi])) if hi > lo else centre)
    return out + [width]


def touch_spans(own: np.ndarray, profile: np.ndarray, a: int, b: int, params: SegmentParams) -> list[tuple[int, int]]:
    """Columns [a, b) of a part, cut where `touch_cut` finds two touching digits (recursively)."""
    cut = touch_cut(own[:, a:b], profile[a:b], params, params.touch_height)
    if cut is None:
        return [(a, b)]
    return touch_spans(own, profile, a, a + cut, params) + touch_spans(own, profile, a + cut, b, params)


def touch_cut(own: np.ndarray, profile: np.ndarray, params: SegmentParams, span: float) -> int | None:
    """Column splitting two touching digits in a part (or None): the lowest ink column with at least
    `narrow_part` of the height on either side, one stroke thick, much lower than both sides' peaks,
    both sides spanning `span` of the height."""
    rows = np.flatnonzero(own.any(axis=1))
    if len(rows) == 0:
        return None
    h, w = rows[-1] + 1 - rows[0], len(profile)
    side = max(1, int(np.ceil(params.narrow_part * h)))
    if w < params.touch_aspect * h or w < 2 * side:
        return None
    inner = profile[side:w - side + 1]
    if len(inner) == 0:
        return None
    cut = side + int(np.argmin(inner))
    if min(cut, w - cut) > params.touch_one * h and w < params.touch_pair * h:
        return None
    if profile[cut] > params.touch_depth * min(profile[:cut].max(), profile[cut:].max()):
        return None
    column = np.flatnonzero(own[:, cut])
    if len(column) and column[-1] + 1 - column[0] != len(column):
        return None  # two strokes cross this column (a 0's top and bottom): one digit
    for half in (own[:, :cut], own[:, cut:]):
        ys = np.flatnonzero(half.any(axis=1))
        if len(ys) == 0 or ys[-1] + 1 - ys[0] < span * h:
            return None
    return cut
