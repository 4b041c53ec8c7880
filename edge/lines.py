"""Paper lines: the ruled and squared lines of a page, found in a frame's 0/1 ink and removed; and the dots
of dot-grid paper, found among the ink's pieces (`grid_dots`) and left out.

A line is long, straight and thin. It is searched on a copy shrunk by `line_scale` (speed, and a few degrees of
tilt fit in the slack): a run longer than `line_length` of the frame's width (`column_length` of its height,
down it) marks a band, and so does a row (column)
whose thin ink covers `line_cover` of the frame, a faint pencil rule broken into dashes by the paper's grain.
In a band, straight runs of `line_run` no thicker than the line itself are the line; where a stroke crosses or
follows it the ink is thicker and stays. The parameters are `edge.segment.SegmentParams`'.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from edge.segment import SegmentParams


def odd(n: float) -> int:
    """An odd kernel size of about `n` pixels, at least 1."""
    return max(1, int(n) // 2 * 2 + 1)


def shrunk(binary: np.ndarray, scale: float, every: bool = False) -> np.ndarray:
    """0/1 ink shrunk by `scale` (area average, rounded); `every`: a shrunk pixel is ink when any of its pixels
    is (a levelled page: its 2-pixel rules lie across two shrunk rows, half of each, and would round away)."""
    h, w = binary.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(binary * np.uint8(255) if every else binary, size, interpolation=cv2.INTER_AREA)
    return (small > 0).astype(np.uint8)


def remove_lines(binary: np.ndarray, unit: float, params: SegmentParams) -> tuple[np.ndarray, np.ndarray]:
    """Binary ink without long, thin, straight horizontal/vertical lines (strokes crossing them stay),
    and the removed line pixels (where a stroke may have been cut)."""
    h, w = binary.shape
    small = shrunk(binary, params.line_scale, every=params.levelled)
    sh, sw = small.shape
    run = odd(params.line_run * unit)
    thickest = max(2, round(params.line_width * unit) + 1)
    # a rule is told from a stroke by being thinner: on a coarse frame (a unit under ~500 px) both are a
    # shrunk pixel or two, and the search for broken rules would take the strokes of a row of digits
    thin = odd(params.line_thin * unit * params.line_scale)
    lines = np.zeros_like(binary)
    for length, slack, along, across in (
        ((odd(params.line_length * sw), 1), (1, 2 * params.line_tilt + 1), (1, run), (1, 0)),
        ((1, odd(params.column_length * sh)), (2 * params.line_tilt + 1, 1), (run, 1), (0, 1)),
    ):  # (rows, cols) shapes for np.ones; cv2 kernel sizes are (width, height); across: the unit step
        if max(length) > max(small.shape):
            continue  # no line that long fits in this frame
        axis = 1 if length[0] > 1 else 0  # a run that long needs that many ink pixels in one row (column)
        grown = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, slack))
        # cheap first: a row (column) with fewer ink pixels has no room for a line, skip the long opening
        most = cv2.reduce(grown, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).max()
        if most < params.line_cover * small.shape[axis]:
            continue
        band = np.zeros_like(small)
        if most >= max(length):
            band = cv2.morphologyEx(grown, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, length))
        if thin > 1:  # a broken line: thin ink covering `line_cover` of its row (column), within `cover_tilt` of it
            tight = tuple(2 * params.cover_tilt + 1 if n > 1 else 1 for n in slack)
            cover = cv2.reduce(cv2.dilate(thin_ink(small, across, thin), cv2.getStructuringElement(cv2.MORPH_RECT, tight)),
                               axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S)
            band = band | np.broadcast_to(cover >= params.line_cover * small.shape[axis], small.shape)
        # the bands are coarse: in them, the line is what runs straight along them and is thin across
        if band.any():
            band = cv2.resize(band.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
            straight = band & cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones(along, np.uint8))
            if straight.any():
                lines |= straight & ~wider_than_line(binary, straight, across, thickest, params)
    return binary & ~lines, lines


Voter = tuple[np.ndarray, np.ndarray, float, int, float]  # across, along (from the middle), sign, rows, weight


def _voters(binary: np.ndarray, unit: float, params: SegmentParams) -> list[Voter]:
    """The thin ink's votes, rows then columns: each run of thin ink (no thicker than a rule may be) across a
    column (row) of the shrunk ink votes once. None for a family with too little of it for a rule and the
    others `slant` asks for (most frames: the search then costs next to nothing)."""
    small = shrunk(binary, params.line_scale)
    thin = max(3, odd(params.line_width * unit * params.line_scale))
    voters = []
    for across, sign in (((1, 0), -1.0), ((0, 1), 1.0)):  # `across`: the unit step across the line
        rows, length = small.shape if across == (1, 0) else small.shape[::-1]
        ink = thin_ink(small, across, thin)
        ink[across[0] :, across[1] :] &= ~ink[: ink.shape[0] - across[0], : ink.shape[1] - across[1]]  # a run's edge
        points = cv2.findNonZero(ink)
        if points is None or len(points) < params.tilt_cover * (1 + (params.tilt_rules - 1) / 2) * length:
            continue
        step = -(-len(points) // params.tilt_points)
        points = points.reshape(-1, 2)[::step].astype(np.float32)  # (x, y); some OpenCV builds add an axis
        on, at = (points[:, 0], points[:, 1]) if across == (1, 0) else (points[:, 1], points[:, 0])
        voters.append((at, on - length / 2, sign, rows, step / length))
    return voters


def _votes(voters: list[Voter], angles: np.ndarray) -> list[np.ndarray]:
    """Per family, (angles, rows) votes as a share of the frame's length: the rows (columns) the thin ink lies
    on when the frame is sheared by each slant."""
    out = []
    for at, on, sign, rows, weight in voters:
        shear = sign * np.tan(np.radians(angles, dtype=np.float32))[:, None]
        bins = np.rint(at - on * shear).astype(np.int32) + rows  # 0 .. 3 * rows
        flat = (bins + 3 * rows * np.arange(len(angles), dtype=np.int32)[:, None]).ravel()
        out.append(np.bincount(flat, minlength=3 * rows * len(angles)).reshape(len(angles), 3 * rows) * weight)
    return out


def _three(votes: np.ndarray) -> np.ndarray:
    """The votes of each 3 neighbouring rows: a thin rule half a slant step off still falls in them."""
    return votes[:, 2:] + votes[:, 1:-1] + votes[:, :-2]


def slant(binary: np.ndarray, unit: float, params: SegmentParams) -> float:
    """Degrees (counter-clockwise) a page's rules are turned from level, or 0.0: level, within the line search's
    slack, or no rule at all. A rule gathers its whole length in one row of votes at its own slant, a row of
    digits only the flat strokes that happen to line up. The best whole `tilt_step` is refined in quarter steps
    by how sharply all the rows gather (every rule of a bent page agrees on its best single turn)."""
    voters = _voters(binary, unit, params)
    if not voters:
        return 0.0
    angles = np.arange(-params.tilt_max, params.tilt_max + params.tilt_step / 2, params.tilt_step)
    rows = [_three(v) for v in _votes(voters, angles)]
    cover = np.max([r.max(axis=1) for r in rows], axis=0)
    best = int(cover.argmax())
    level = cover[np.abs(angles).argmin()]
    # the rules: rows reaching half the cover apart from each other (the digits on them, the frame's corners cut
    # some short); a close-up's one long stroke is no ruled page
    rules = max(np.count_nonzero(np.diff((r[best] >= params.tilt_cover / 2).astype(np.int8)) == 1) for r in rows)
    if (abs(angles[best]) < params.tilt_min or cover[best] < max(params.tilt_cover, params.tilt_gain * level)
            or rules < params.tilt_rules):
        return 0.0
    fine = angles[best] + np.linspace(-0.75, 0.75, 7) * params.tilt_step
    sharp = sum((v.astype(np.float64) ** 2).sum(axis=1) for v in _votes(voters, fine))
    return float(fine[sharp.argmax()])


def level(ink: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """`ink` turned `degrees` clockwise on a canvas holding all of it (no ink outside the frame), and the 2x3
    affine matrix from the turned canvas back to `ink`'s pixels."""
    h, w = ink.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), -degrees, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin)))
    turn[:, 2] += (size[0] - w) / 2, (size[1] - h) / 2
    # the corners outside the frame hold no ink (repeating its edge there drew the ends of a grid's lines out
    # into strokes read as 1s); what touched the frame's edge no longer touches the canvas's
    return cv2.warpAffine(ink, turn, size, flags=cv2.INTER_LINEAR), cv2.invertAffineTransform(turn)


def turn_box(box: tuple[int, int, int, int], back: np.ndarray, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """A box (x, y, w, h) of a levelled canvas, as the box around its turned corners in the frame `level`
    turned (`back`: its matrix; `shape`: the frame's height and width), clipped to the frame."""
    x, y, w, h = box
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64) @ back.T
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)), (shape[1], shape[0])).astype(int)
    return int(x0), int(y0), int(max(x1 - x0, 1)), int(max(y1 - y0, 1))


def opened_across(binary: np.ndarray, across: tuple[int, int], thick: int) -> np.ndarray:
    """`binary` opened `thick` pixels across a line's direction (`across`: the unit step across it): what is
    at least that thick across it."""
    kernel = np.ones((max(1, thick * across[0]), max(1, thick * across[1])), np.uint8)
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)


def thin_ink(small: np.ndarray, across: tuple[int, int], thick: int) -> np.ndarray:
    """The ink thinner than `thick` across a line's direction."""
    return small & ~opened_across(small, across, thick)


def wider_than_line(binary: np.ndarray, line: np.ndarray, across: tuple[int, int], thickest: int,
                     params: SegmentParams) -> np.ndarray:
    """Ink thicker across the line than the line itself: where a stroke crosses or follows it (kept).

    The line's thickness is measured, not assumed: the thinnest opening across it (2 px up to `thickest`)
    that leaves at most `line_wide_share` of the line's pixels. A printed rule as thick as the pen is thus
    still told from a stroke crossing it, whose run across the line is longer."""
    total = cv2.countNonZero(line)
    for thick in range(2, thickest + 1):
        if cv2.countNonZero(line & opened_across(binary, across, thick)) <= params.line_wide_share * total:
            break
    return opened_across(binary, across, thick + 1)  # a pixel of slack: a tilted line is a pixel thicker where it steps


def _pitches(distance: np.ndarray, pitch: float, slack: float) -> np.ndarray:
    """Is each distance one or two pitches, within `slack` of that distance?"""
    return (np.abs(distance - pitch) <= slack * pitch) | (np.abs(distance - 2 * pitch) <= 2 * slack * pitch)


def grid_dots(boxes: np.ndarray, pixels: np.ndarray, min_size: float, params: SegmentParams) -> np.ndarray:
    """Which pieces (boxes x0, y0, x1, y1 and pixel counts) are the dots of dot-grid paper: round, solid pieces
    smaller than a digit, of one size, each with another one or two pitches away along the row and along the
    column (the pitch: the median nearest-neighbour distance; within `dot_lattice` of it, and as little off
    the row or column), and most such pieces of the frame so placed.
    Small letters of a page of notes are round and solid too, but stand on no lattice; a dotted stroke's dots
    or an "i"'s are too few to count."""
    none = np.zeros(len(boxes), bool)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    dot = (side < min_size) & (side <= params.dot_aspect * np.minimum(w, h)) & (pixels >= params.dot_fill * w * h)
    if dot.sum() < params.grid_dots:
        return none
    typical = np.median(side[dot])
    dot &= (side <= params.dot_spread * typical) & (side * params.dot_spread >= typical)
    index = np.flatnonzero(dot)
    if len(index) < params.grid_dots:
        return none
    centre = (boxes[index, :2] + boxes[index, 2:]).astype(np.float32) / 2
    blocks = [slice(start, start + 1024) for start in range(0, len(index), 1024)]  # pairwise, a block at a time

    def offsets(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        return np.abs(centre[rows, None, 0] - centre[None, :, 0]), np.abs(centre[rows, None, 1] - centre[None, :, 1])

    nearest = np.empty(len(index), np.float32)
    for rows in blocks:
        dist = np.hypot(*offsets(rows))
        dist[np.arange(len(dist)), np.arange(rows.start, rows.start + len(dist))] = np.inf
        nearest[rows] = dist.min(axis=1)
    pitch = float(np.median(nearest))  # most dots' nearest neighbour is one pitch away
    on_lattice = np.zeros(len(index), bool)
    for rows in blocks:
        dx, dy = offsets(rows)
        # one or two pitches away along the row (the dot between may be too faint to be a piece), within
        # `dot_lattice` of that distance, and as little off the row; the same down the column
        along = _pitches(dx, pitch, params.dot_lattice) & (dy <= params.dot_lattice * dx)
        down = _pitches(dy, pitch, params.dot_lattice) & (dx <= params.dot_lattice * dy)
        on_lattice[rows] = along.any(axis=1) & down.any(axis=1)
    if on_lattice.sum() < max(params.grid_dots, 0.5 * len(index)):
        return none
    out = none.copy()
    out[index[on_lattice]] = True
    return out
