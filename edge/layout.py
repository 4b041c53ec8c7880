"""Which way the writing's lines run: along the frame's rows, along its columns, or no telling.

Handwriting sets the glyphs of a word or a number side by side along a line, close together, and lines apart.
So in a frame turned a quarter turn the candidates line up in columns instead of rows. The orientation search
uses this to decide the axis from the segmentation alone, before any glyph is classified: a classifier that
reads a letter on its side as a digit cannot then turn an upright page of words, and the two turns the axis
rules out are not read at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h


@dataclass(frozen=True)
class LayoutParams:
    """When two candidates are neighbours on a line; sizes are relative to the glyphs' height across the line."""

    overlap: float = 0.5  # they share this much of the smaller one's extent across the line...
    gap: float = 0.8  # ...and stand at most this many times the larger one's extent apart along it...
    size_ratio: float = 2.0  # ...and neither is more than this many times taller (across the line) than the other
    min_members: int = 3  # an axis needs at least this many candidates with a neighbour along it...
    dominance: float = 1.5  # ...and this many times as many as the other axis has
    # boxes side by side at most this many pixels apart, sharing `overlap` of the smaller height, are one glyph:
    # the parts the touching-digit cutter makes of one group (a "1" on its side cut in three) would line up
    # along the rows whichever way the page is turned
    touch_gap: int = 1


DEFAULT = LayoutParams()


def _side_by_side(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every pair of boxes: the height they share and the gap between them along x (negative: overlap)."""
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    shared = np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None])
    gap = np.maximum(x0[:, None], x0[None]) - np.minimum(x1[:, None], x1[None])
    return shared, gap


def _linked(boxes: np.ndarray, params: LayoutParams) -> int:
    """How many boxes have a neighbour along the x axis (a line running along the rows)."""
    h = boxes[:, 3].astype(np.float64)
    shared, gap = _side_by_side(boxes)
    small, large = np.minimum(h[:, None], h[None]), np.maximum(h[:, None], h[None])
    near = (shared >= params.overlap * small) & (gap <= params.gap * large) & (large <= params.size_ratio * small)
    np.fill_diagonal(near, False)
    return int(near.any(axis=1).sum())


def glyphs(boxes: np.ndarray, params: LayoutParams = DEFAULT) -> np.ndarray:
    """The boxes (rows of x, y, w, h) with those touching side by side (`touch_gap`) merged into one."""
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    shared, gap = _side_by_side(boxes)
    touch = (gap <= params.touch_gap) & (shared >= params.overlap * np.minimum.outer(boxes[:, 3], boxes[:, 3]))
    group = np.arange(len(boxes))
    for i, j in zip(*np.nonzero(np.triu(touch, 1))):  # each touching pair joins its two groups
        a, b = group[i], group[j]
        group[group == max(a, b)] = min(a, b)
    out = [(x0[m].min(), y0[m].min(), x1[m].max() - x0[m].min(), y1[m].max() - y0[m].min())
           for m in (group == g for g in np.unique(group))]
    return np.asarray(out, np.int64).reshape(-1, 4)


def line_axis(boxes: list[Box], params: LayoutParams = DEFAULT) -> Optional[str]:
    """"rows" when the boxes line up side by side along the frame's rows (an upright or upside-down page),
    "columns" when they line up along its columns (a page turned a quarter turn), None when they do not tell
    (isolated digits, too few candidates, a grid as dense one way as the other). Boxes touching side by side
    count as one glyph (`glyphs`)."""
    if len(boxes) < params.min_members:
        return None
    b = glyphs(np.asarray(boxes, np.int64).reshape(-1, 4), params)
    rows, columns = _linked(b, params), _linked(b[:, [1, 0, 3, 2]], params)
    if rows >= params.min_members and rows >= params.dominance * columns:
        return "rows"
    if columns >= params.min_members and columns >= params.dominance * rows:
        return "columns"
    return None
