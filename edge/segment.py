"""Find the handwritten digits in a camera frame: one `Candidate` (box + its own ink) per digit.

The steps, each a few vectorized OpenCV calls (docs/segmentation.md explains them for users):
1. `edge.ink.ink_map`: grey level -> "how much darker than the paper here", dividing by a background
   estimate (a grey closing at low resolution) so shadows and uneven light cancel out.
2. Hysteresis threshold; ruled/squared paper lines removed (`edge.lines`), strokes crossing them kept.
3. Connected components; specks dropped; broken pieces of one digit joined by box rules that keep the
   side-by-side digits of a number apart; components much wider than a digit split at ink minima
   (`edge.touching`).
4. Shape rules drop what is clearly no digit (too small, too big, line-like, page borders); each
   survivor's ink, with every other digit's ink masked out, is ready for `edge.normalize.to_mnist`.
Sizes of the page (paper lines, borders, the tallest digit, the paper-brightness estimate) are fractions of the
frame. Sizes of the writing (the smallest digit, specks, how close two pieces must be, how thin a paper line is)
are fractions of a *unit*: the frame's shorter side for a camera frame (the defaults were set on 640x480), or a
length `edge.scale` derives from the size of the writing in a photo, so one setting serves any resolution.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from edge import touching
from edge.ink import ink_map, ink_mask, thresholds
from edge.lines import grid_dots, level, remove_lines, slant, turn_box


@dataclass(frozen=True)
class SegmentParams:
    """Every threshold and size of the segmentation, with the reason for its default."""

    # -- ink map --
    polarity: str = "auto"  # "dark_ink" (ink on paper), "light_ink" (chalk/white on black) or "auto"
    # with "auto", light ink needs the local contrast's skewness above this: a page of writing is skewed far
    # to one side (-2 to -35 dark, +47 for MNIST itself), a blank or faint page is not (-1.3 to +1): dark ink
    light_skew: float = 2.0
    # ...or any skew to the bright side on a ground darker than this (a board, MNIST). The ground is the frame's
    # `ground_percentile` brightness: a shadow over most of a page leaves its lit part, a board is dark throughout
    dark_ground: int = 100
    ground_percentile: float = 75.0
    background_width: int = 160  # the paper's brightness is estimated on a frame shrunk to this width, pixels
    background_kernel: float = 0.12  # closing size: wider than the thickest stroke (digits up to 1/2 frame)
    # the paper estimate is made on a copy shrunk to `background_width`: a sharp edge (a page on a darker desk)
    # falls inside one shrunk pixel, and the darker side beside it looked darker than that mixed "paper". Where a
    # shrunk pixel's 3x3 neighbourhood is darker by more than this share, the darker estimate is taken (a
    # shadow's soft edge changes light by 3-4 % a shrunk pixel and is left alone; 0: off)
    paper_step: float = 0.15
    edge_fit: bool = True  # near the frame's edges the paper follows the light's fall-off (`edge.ink.paper_estimate`)...
    edge_margin: float = 0.08  # ...where the closing says it is brighter than this share above the fall-off (an
    # error below the ink threshold, 0.11, makes no ink: 0.05 also capped a soft shadow edge's bright side)
    noise_blur: int = 3  # Gaussian kernel (pixels, odd; 0: off) against sensor noise before thresholding
    # -- threshold (ink units: 255 * how much darker than the paper) --
    low_threshold: int = 28  # pixels above this are ink (~11 % darker than the paper: faint pencil)
    high_threshold: int = 56  # a component needs some pixels above this (hysteresis: noise rarely gets there)
    # faint frames (pencil, a page in shadow) lower both thresholds: the high one to at most `faint_share` of
    # the frame's strong ink (its `faint_percentile` ink level), the low one to half of that, never below
    # `noise_low` / `noise_high` times the paper's noise (robust spread of the ink map) nor `faint_floor`
    faint_share: float = 0.5
    faint_percentile: float = 99.9
    noise_low: float = 3.0
    noise_high: float = 6.0
    faint_floor: int = 10
    faint_contrast: float = 6.0  # ...and only when the strong ink stands this many noise spreads above the paper
    faint_min: int = 30  # ...and at least this far (a blank page's grain and light fall-off reach about 23)
    # -- ruled / squared paper lines --
    line_scale: float = 0.5  # lines are searched on the binary ink shrunk by this factor (speed, tilt)
    line_length: float = 0.6  # a straight run longer than this fraction of the frame's width is a line...
    # ...and down the frame, this fraction of its height: a close-up's digit may be 80 % of the frame tall, and
    # the stem of its 1, 4 or 7 as straight as a rule (a page's rules and grid run the frame's whole height)
    column_length: float = 0.85
    line_tilt: int = 3  # shrunk pixels of vertical (horizontal) slack: lines tilted a few degrees still count
    # a faint pencil rule breaks up in the paper's grain, too gappy for one long run: a row (column) whose thin
    # ink covers this share of the frame's width (height), within `cover_tilt` shrunk pixels of it, is a line
    # all along. The tilt is tight: on dotted paper a wider band takes a digit's flat stroke beside the dots
    line_cover: float = 0.3
    cover_tilt: int = 1
    line_thin: float = 0.008  # ink thinner than this (unit) across the line counts toward its cover (3 shrunk px
    # at least: on a coarser frame a rule is as thin as a stroke, and broken rules are not searched)
    # a page photographed a few degrees askew: its rules slant out of the line search's slack, stay in the ink,
    # join the digits on them and are read as strokes. When the thin ink (no thicker than `line_width`) lines up
    # along a slant of `tilt_min`..`tilt_max` degrees (in `tilt_step`s) into a rule covering `tilt_cover` of the
    # frame's width (height), and `tilt_gain` times what the best row (column) holds, the ink is turned level
    # first (`edge.lines.level`; boxes are turned back). Measured: a row of digits' flat strokes covers at most
    # 0.2 of a frame at any slant, a close-up's 0.4, one big digit's longest stroke up to 0.56 (hence
    # `tilt_rules`); a ruled or squared page's rules 0.6-1.0 (docs/segmentation.md, "A page photographed askew")
    tilt_max: float = 12.0
    tilt_min: float = 1.0
    tilt_step: float = 1.0
    tilt_cover: float = 0.5
    tilt_gain: float = 1.5
    tilt_rules: int = 2  # ...and at least this many rules half as long (a close-up's one long stroke is no page)
    # a levelled page's line search keeps every pixel of a rule in its shrunk copy: turned twice, by the camera
    # and back, a rule is a 2-pixel staircase lying across two shrunk rows, half of each, and would round away.
    # Set by the levelling, not by hand
    levelled: bool = False
    tilt_points: int = 2000  # at most this many thin-ink pixels vote for a slant (a sample: cheap on any page)
    line_run: float = 0.04  # near a line, straight runs this long (fraction of the unit) are line
    line_width: float = 0.025  # lines are at most this thick (unit); where ink is thicker a stroke crosses: kept
    line_wide_share: float = 0.2  # a line's thickness: the thinnest run across it that at most this share exceeds
    # -- components --
    min_piece: float = 0.012  # components smaller than this (longer side) are specks, even as digit parts
    # dot-grid paper: at least `grid_dots` round, solid pieces smaller than a digit (sides within `dot_aspect`,
    # ink filling `dot_fill` of the box: a disc fills 0.79), all of one size (within `dot_spread` times their
    # median)...
    grid_dots: int = 30
    dot_aspect: float = 1.5
    dot_fill: float = 0.6
    dot_spread: float = 1.5
    # ...standing on a lattice (a neighbour one or two pitches away along the row and one down the column,
    # within `dot_lattice` of that distance) are the paper's dots, not writing: left out before pieces join (each would
    # join the digit beside it as a dotted stroke's dot, and chains of them glue digits together)
    dot_lattice: float = 0.2
    stack_overlap: float = 0.5  # pieces one above the other: horizontal overlap >= this * narrower width...
    stack_gap: float = 0.3  # ...and vertical gap <= this * taller height join (5's top bar, line-cut strokes)
    fragment_size: float = 0.5  # a piece whose longer side is <= this * a neighbour's height...
    fragment_gap: float = 0.25  # ...and lies within this * that height joins it (dotted strokes, dashes)
    flat_aspect: float = 0.5  # a piece at most this high per width is a bar (a 5's top), never a digit alone
    join_height: float = 1.6  # a bar, dot or dash joins a digit-like piece into a box at most this * taller high
    entangled: float = 0.005  # two digit-like groups join only when pieces of them overlap by this much...
    cut_gap: float = 0.01  # ...or lie at most this far apart across a removed paper line (a stroke it cut)...
    tied_height: float = 2.2  # ...and into a box at most this * the taller high (two halves of a cut stroke)
    overlap_aspect: float = 0.75  # pieces whose boxes overlap join when their union is at most this wide/high
    merge_max_aspect: float = 1.2  # no join may make a box wider than this * its height (keeps numbers apart)
    merge_rounds: int = 4  # joining repeats on the grown boxes (a dotted 4 grows dash by dash)
    # -- touching digits --
    split_aspect: float = 1.45  # a box wider than this * its height holds several touching digits...
    digit_aspect: float = 0.8  # ...about width / (this * height) of them (MNIST's 0-9 but 1)
    split_window: float = 0.35  # each cut goes at the ink minimum within this * digit width of its even spot
    max_split: int = 6  # wider than this many digits: a line or scribble, not a number
    touch_aspect: float = 0.6  # a part at least this wide per height may still hold two touching digits...
    touch_depth: float = 0.55  # ...cut at a column with at most this * the smaller ink peak of either side...
    touch_height: float = 0.9  # ...where both sides span this much of the height (a 4's arm, a 9's loop, a 7's
    # bar or a 1's flag do not) and the column's ink is one stroke (a 0's middle holds two)
    # a group the rules above leave whole may still be two touching digits of different heights (a small 5
    # beside a 9): cut once where both sides span this much of the height, as a *tentative* cut that the
    # reader keeps only when the uncut group is no sure digit
    loose_touch_height: float = 0.7
    loose_touch_width: float = 0.9  # (only groups this wide per height are tried: two digits side by side)
    narrow_part: float = 0.1  # each side at least this * height wide (a "1" may be that narrow)...
    touch_one: float = 0.3  # ...and one side at most this wide, a "1", unless the part is this * height wide:
    touch_pair: float = 1.05  # two touching 0-9 (one wide digit, e.g. an open 0, splits into two sides)
    # -- shape rules --
    min_size: float = 0.035  # a digit's box is at least this long (its longer side: 17 px in a 480-line frame:
    min_size_px: int = 8  # a small turned digit is wider than high) and at least this many pixels
    max_height: float = 0.9  # taller than this: a blob, a hand, a page edge (a close-up's digit may fill 80 %)
    max_aspect: float = 1.5  # wider than this * height after splitting: a dash or line
    border_span: float = 0.5  # touching the frame edge and longer than this fraction of it: paper border
    # touching the frame edge along this share of its own side there: a shadow, a page edge or a mark running
    # off the frame (a whole digit touches the edge at a stroke's end, if at all)
    border_contact: float = 0.5
    border_side: float = 0.8  # ...a side at least this * the other (a "1" on the edge touches it with its short side)
    stroke_elongation: float = 12.0  # ink whose moment ellipse is this many times longer than wide: a thin stroke...
    stroke_length: float = 1.8  # ...and one longer than this * the median candidate is a rule or a line, not a 1
    hairline_elongation: float = 18.0  # a stroke this elongated is a line when it is longer than...
    hairline_length: float = 1.4  # ...this * the median candidate (a fine-pen "1" is about as tall as its neighbours)
    stroke_share: float = 0.8  # the stroke is the candidate's biggest piece when that holds this much of the ink
    # (a dot that joined a line leaves it a line; a 7 whose bar floats keeps its bar's share of the ink)
    stroke_neighbours: int = 3  # the median needs at least this many other candidates to mean anything...
    lone_stroke: float = 3.0  # ...with two or three, a stroke this many times longer than each of them is a line
    ink_margin: int = 1  # the patch keeps this many pixels of soft (anti-aliased) ink around the strokes


DEFAULT = SegmentParams()


@dataclass
class Candidate:
    """One probable digit: where it is and its own ink, white on black."""

    box: tuple[int, int, int, int]  # x, y, w, h in frame pixels, tight around the ink
    ink: np.ndarray = field(repr=False)  # uint8 patch (h, w): this digit's ink 0..255, other ink masked out
    # one of two parts a group was cut into: the uncut group, for the reader to fall back on when the other
    # part is not a digit (the cut went through a letter such as H, n or W, or through one wide digit)
    whole: Candidate | None = field(default=None, repr=False, compare=False)
    tentative: bool = field(default=False, repr=False, compare=False)  # cut by `loose_touch_height` only


def _group_boxes(boxes: np.ndarray, member: np.ndarray, n: int) -> np.ndarray:
    """Union box (x0, y0, x1, y1) of each of n groups, `member` giving each box's group."""
    out = np.empty((n, 4), boxes.dtype)
    out[:, :2], out[:, 2:] = np.iinfo(boxes.dtype).max, np.iinfo(boxes.dtype).min
    np.minimum.at(out[:, :2], member, boxes[:, :2])
    np.maximum.at(out[:, 2:], member, boxes[:, 2:])
    return out


def _digit_like(w: np.ndarray, h: np.ndarray, min_size: float, params: SegmentParams) -> np.ndarray:
    """Could a box this size be a digit by itself (big enough and not a flat bar)?"""
    return (np.maximum(w, h) >= min_size) & (h > params.flat_aspect * w)


def _pair_boxes(b: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per pair of boxes (x0, y0, x1, y1): the overlap/gap rectangle's sides and the union's size."""
    lo_x, hi_x = np.maximum(b[:, None, 0], b[None, :, 0]), np.minimum(b[:, None, 2], b[None, :, 2])
    lo_y, hi_y = np.maximum(b[:, None, 1], b[None, :, 1]), np.minimum(b[:, None, 3], b[None, :, 3])
    union_w = np.maximum(b[:, None, 2], b[None, :, 2]) - np.minimum(b[:, None, 0], b[None, :, 0])
    union_h = np.maximum(b[:, None, 3], b[None, :, 3]) - np.minimum(b[:, None, 1], b[None, :, 1])
    return lo_x, hi_x, lo_y, hi_y, union_w, union_h


def _entangled(boxes: np.ndarray, lines: np.ndarray, unit: float, params: SegmentParams) -> np.ndarray:
    """Which component pairs belong together whatever their size: boxes overlapping (dotted or broken
    strokes crossing each other's box) or a removed paper line between them (a stroke it cut)."""
    lo_x, hi_x, lo_y, hi_y, _, _ = _pair_boxes(boxes)
    gap = np.maximum(lo_x - hi_x, lo_y - hi_y)
    linked = gap <= -params.entangled * unit
    if lines.any():  # removed line pixels in the rectangle between two boxes, by an integral image
        total = cv2.integral(lines)
        ax, bx = np.clip(np.minimum(lo_x, hi_x) - 1, 0, None), np.clip(np.maximum(lo_x, hi_x) + 1, None, lines.shape[1])
        ay, by = np.clip(np.minimum(lo_y, hi_y) - 1, 0, None), np.clip(np.maximum(lo_y, hi_y) + 1, None, lines.shape[0])
        cut = (total[by, bx] - total[ay, bx] - total[by, ax] + total[ay, ax]) > 0
        linked |= cut & (gap <= params.cut_gap * unit)
    return linked


def _pieces(binary: np.ndarray, ink: np.ndarray, unit: float,
            params: SegmentParams) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """8-connected components worth joining: label count, label image, the kept labels, their boxes
    (x0, y0, x1, y1) and their pixel counts. Kept: not a speck, and some pixel above the high threshold
    (hysteresis). Only the few big pieces are checked for strong ink, each in its own box (not a full-frame
    mask and lookup)."""
    # Grana's labels without stats, and the boxes from the components' outer borders instead: a third
    # faster. A border walks every column and row its component spans, so a short border is a speck.
    count, labels = cv2.connectedComponentsWithAlgorithm(binary, 8, cv2.CV_32S, cv2.CCL_GRANA)
    borders, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    min_piece = params.min_piece * unit
    found = []  # (label, x, y, w, h) of each big component
    for border, (_, _, _, parent) in zip(borders, hierarchy[0] if len(borders) else []):
        if parent == -1 and len(border) >= min_piece:  # an outer border (the others are holes)
            x, y, w, h = cv2.boundingRect(border)
            if max(w, h) >= min_piece:
                found.append((int(labels[border[0, 0, 1], border[0, 0, 0]]), x, y, w, h))
    strong = []  # (label, x, y, w, h, pixels)
    for i, x, y, w, h in sorted(found):
        mine = ink[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i]
        if mine.max() > params.high_threshold:
            strong.append((i, x, y, w, h, mine.size))
    label, x, y, w, h, pixels = np.array(strong, np.int64).reshape(-1, 6).T
    return count, labels, label, np.stack([x, y, x + w, y + h], axis=1), pixels


def _join_pieces(boxes: np.ndarray, lines: np.ndarray, min_size: float, unit: float,
                 params: SegmentParams, tallest: float = np.inf) -> np.ndarray:
    """Group index per component box (x0, y0, x1, y1): broken strokes of one digit share a group.

    Bars, dots, dashes and specks join the digit next to them (stacked and fragment rules). Two groups
    that could each be a digit by themselves join only where pieces of them are entangled (see
    `_entangled`), so digits written one above the other, or a small digit beside a big one, stay
    apart; and in a pass a piece joins at most one such digit-like group, so it cannot bridge two digits.
    No join makes a group taller than `tallest` (no digit is): a page's edge or a strip of table running the
    frame's height would take every digit beside it as its "fragment", and all of them would be dropped.
    """
    group = np.arange(len(boxes))
    linked_a, linked_b = np.nonzero(_entangled(boxes, lines, unit, params))  # entangled piece pairs
    for _ in range(params.merge_rounds):
        ids, member = np.unique(group, return_inverse=True)
        gb = _group_boxes(boxes, member, len(ids))
        w, h = gb[:, 2] - gb[:, 0], gb[:, 3] - gb[:, 1]
        lo_x, hi_x, lo_y, hi_y, union_w, union_h = _pair_boxes(gb)
        overlap_x, gap_y = hi_x - lo_x, lo_y - hi_y
        gap = np.maximum(-overlap_x, gap_y)
        taller = np.maximum(h[:, None], h[None])
        stacked = (overlap_x >= params.stack_overlap * np.minimum(w[:, None], w[None])) & (
            gap_y <= params.stack_gap * taller)
        size = np.maximum(w, h)
        fragment = (size[:, None] <= params.fragment_size * h[None]) & (gap <= params.fragment_gap * h[None])
        narrow = (overlap_x > 0) & (gap_y < 0) & (union_w <= params.overlap_aspect * union_h)
        ok = (stacked | fragment | fragment.T | narrow) & (union_w <= params.merge_max_aspect * union_h)
        ok &= union_h <= tallest
        digit_like = _digit_like(w, h, min_size, params)
        both = digit_like[:, None] & digit_like[None]
        either = digit_like[:, None] | digit_like[None]
        ok &= ~either | both | (union_h <= params.join_height * taller)
        tied = np.zeros((len(ids), len(ids)), bool)  # some piece of one entangled with one of the other
        tied[member[linked_a], member[linked_b]] = True
        ok &= ~both | (tied & (union_h <= params.tied_height * taller))
        ok[np.tril_indices(len(ids))] = False
        pairs = np.argwhere(ok)
        if len(pairs) == 0:
            break
        # join closest pairs first; re-check the grown boxes so chains cannot glue neighbours together
        parent = list(range(len(ids)))
        box = [list(b) for b in gb]

        def root(i: int) -> int:
            while parent[i] != i:
                i = parent[i]
            return i

        def whole(b: list) -> bool:
            return bool(_digit_like(b[2] - b[0], b[3] - b[1], min_size, params))

        for i, j in pairs[np.argsort(gap[pairs[:, 0], pairs[:, 1]], kind="stable")]:
            a, b = root(i), root(j)
            if a == b or (whole(box[a]) and whole(box[b]) and not both[i, j]):
                continue  # two digit-like groups meet only through their own entangled pieces
            u = [min(box[a][0], box[b][0]), min(box[a][1], box[b][1]),
                 max(box[a][2], box[b][2]), max(box[a][3], box[b][3])]
            if u[2] - u[0] <= params.merge_max_aspect * (u[3] - u[1]) and u[3] - u[1] <= tallest:
                parent[b], box[a] = a, u
        lookup = np.array([root(i) for i in range(len(ids))])
        new_group = ids[lookup[member]]
        if np.array_equal(new_group, group):
            break
        group = new_group
    return group


def ink_binary(ink: np.ndarray, unit: float, params: SegmentParams = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """The 0/1 ink of an ink map without its paper lines, and the removed line pixels."""
    return remove_lines(ink_mask(ink, params), unit, params)


@dataclass
class Segmentation:
    """A frame's candidates, the 0/1 ink they were found in (paper lines removed) and the joined pieces of ink
    (x, y, w, h, pixels), candidates or not: the ink around a candidate tells a digit standing alone from a
    letter inside a word (`edge.context`)."""

    candidates: list[Candidate]
    binary: np.ndarray
    pieces: np.ndarray = field(default_factory=lambda: np.zeros((0, 5), np.int64))
    # a page photographed askew is segmented turned level (`SegmentParams.tilt_cover`): then the boxes above are
    # the levelled canvas', `back` the matrix to the frame's pixels and `shape` the frame's (height, width)
    back: np.ndarray | None = None
    shape: tuple[int, int] = (0, 0)

    def frame_box(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A box of this segmentation in the pixels of the frame it was given."""
        return tuple(box) if self.back is None else turn_box(box, self.back, self.shape)


def find_candidates(frame: np.ndarray, params: SegmentParams = DEFAULT, unit: float | None = None) -> list[Candidate]:
    """All probable digits of a frame, in no particular order; [] for an empty, blank or tiny frame.

    `unit` is the length the writing's sizes are fractions of (None: the frame's shorter side)."""
    seg = segment(frame, params, unit)
    return seg.candidates if seg.back is None else [replace(c, box=seg.frame_box(c.box)) for c in seg.candidates]


def segment(frame: np.ndarray, params: SegmentParams = DEFAULT, unit: float | None = None) -> Segmentation:
    """`find_candidates` with the ink map's binary kept (an empty one for an empty frame)."""
    frame = np.asarray(frame)
    if frame.ndim < 2 or frame.size == 0:
        return Segmentation([], np.zeros(frame.shape[:2] if frame.ndim >= 2 else (0, 0), np.uint8))
    ink = ink_map(frame, params)
    params = thresholds(ink, params)
    fh, fw = shape = ink.shape
    unit = float(unit) if unit else min(fh, fw)
    min_size = max(params.min_size_px, params.min_size * unit)
    if max(fh, fw) < min_size:
        return Segmentation([], np.zeros_like(ink))
    raw, back = ink_mask(ink, params), None
    tilt = slant(raw, unit, params)  # on the ink with its rules: a level page's rules vote for level
    if tilt:
        ink, back = level(ink, tilt)
        # the page keeps the frame's size: the levelled canvas is larger only by its empty corners
        params = replace(params, line_length=params.line_length * fw / ink.shape[1],
                         column_length=params.column_length * fh / ink.shape[0], levelled=True)
        raw = ink_mask(ink, params)
    binary, lines = remove_lines(raw, unit, params)
    canvas = ink.shape[1], ink.shape[0]  # the frame, or the levelled canvas around it (its edges are the borders')
    count, labels, keep, boxes, pixels = _pieces(binary, ink, unit, params)
    paper = grid_dots(boxes, pixels, min_size, params)
    keep, boxes, pixels = keep[~paper], boxes[~paper], pixels[~paper]
    if len(keep) == 0:
        return Segmentation([], binary, back=back, shape=shape)
    group = _join_pieces(boxes, lines, min_size, unit, params, params.max_height * fh)
    ids, member = np.unique(group, return_inverse=True)
    joined = _group_boxes(boxes, member, len(ids))
    owner = np.zeros(count, np.int32)  # label -> 1 + its group's index; 0: background or dropped
    owner[keep] = member + 1
    candidates = []
    for index, (x0, y0, x1, y1) in enumerate(joined):
        if max(x1 - x0, y1 - y0) < min_size or y1 - y0 > params.max_height * fh:
            continue
        patch_labels = owner[labels[y0:y1, x0:x1]]
        own = patch_labels == index + 1
        patch_ink = ink[y0:y1, x0:x1]
        other = (patch_labels > 0) & ~own
        candidates += _parts(own, other, patch_ink, (int(x0), int(y0)), canvas, min_size, params)
    sizes = np.column_stack([joined[:, :2], joined[:, 2:] - joined[:, :2],
                             np.bincount(member, weights=pixels, minlength=len(ids))]).astype(np.int64)
    return Segmentation(_drop_long_strokes(candidates, params), binary, sizes, back, shape)


def elongation(ink: np.ndarray) -> float:
    """How many times longer than wide the ellipse of the ink's second moments is: 1 for a round blob."""
    m = cv2.moments(ink)
    spread = np.hypot(2 * m["mu11"], m["mu20"] - m["mu02"])
    major, minor = m["mu20"] + m["mu02"] + spread, m["mu20"] + m["mu02"] - spread
    if major <= 0:
        return 1.0
    return float(np.sqrt(major / minor)) if minor > 0 else float("inf")


def main_stroke(ink: np.ndarray, params: SegmentParams = DEFAULT) -> np.ndarray:
    """The ink of the biggest 8-connected piece when it holds `stroke_share` of the ink, else all of it."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > params.low_threshold).view(np.uint8), 8)
    if count <= 2:
        return ink
    areas = stats[1:, cv2.CC_STAT_AREA]
    biggest = int(np.argmax(areas))
    if areas[biggest] < params.stroke_share * areas.sum():
        return ink
    return np.where(labels == biggest + 1, ink, 0).astype(ink.dtype)


def _drop_long_strokes(candidates: list[Candidate], params: SegmentParams) -> list[Candidate]:
    """A straight stroke clearly longer than the frame's other candidates is a ruled line, an underline or
    a pen stroke across the page: on its own it would read as a confident "1". The longer it is, the
    less thin it must be. With too few candidates for a median, only a stroke `lone_stroke` times longer
    than two others or more goes (a close-up's "1" is as tall as the digits beside it; beside one other
    candidate, a speck maybe, a "1" is given the benefit of the doubt)."""
    if len(candidates) < 3:
        return candidates
    sides = np.array([max(c.box[2:]) for c in candidates])
    if len(candidates) <= params.stroke_neighbours:
        return [c for i, (c, side) in enumerate(zip(candidates, sides))
                if not (side > params.lone_stroke * np.delete(sides, i).max()
                        and elongation(main_stroke(c.ink, params)) >= params.stroke_elongation)]
    median = np.median(sides)

    def is_line(candidate: Candidate, side: int) -> bool:
        if side <= params.hairline_length * median:
            return False
        needed = params.stroke_elongation if side > params.stroke_length * median else params.hairline_elongation
        return elongation(main_stroke(candidate.ink, params)) >= needed

    return [c for c, side in zip(candidates, sides) if not is_line(c, side)]


def _parts(own: np.ndarray, other: np.ndarray, patch_ink: np.ndarray, origin: tuple[int, int],
           frame_size: tuple[int, int], min_size: float, params: SegmentParams) -> list[Candidate]:
    """Split a joined group into its touching digits and keep those that pass the shape rules.

    First by width (a box several digits wide is cut into that many parts at the ink minima), then each
    part at a deep single-stroke ink minimum between two full-height sides (`touching.touch_cut`): a narrow "1"
    touching its neighbour, which the width alone cannot tell from one wide digit. Both parts of a group
    cut in two carry the uncut group as `whole`: the reader decides which reading to keep."""
    h, w = own.shape
    k = 1
    if w > params.split_aspect * h:
        k = int(round(w / (params.digit_aspect * h)))
        if k > params.max_split or elongation(main_stroke(patch_ink * own, params)) >= params.stroke_elongation:
            return []  # a line or a long scribble; a straight stroke would leave digit-sized pieces when cut
        k = max(k, 2) if h >= min_size else max(1, min(k, int(w // min_size)))  # no parts too small to keep
    profile = np.count_nonzero(own, axis=0)
    cuts = touching.cuts((patch_ink * own).sum(axis=0, dtype=np.float32), k, params) if k > 1 else [0, w]
    spans = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        spans += touching.touch_spans(own, profile, a, b, params)
    tentative = False
    if spans == [(0, w)] and w >= params.loose_touch_width * h and params.loose_touch_height < params.touch_height:
        cut = touching.touch_cut(own, profile, params, params.loose_touch_height)
        if cut is not None:
            spans, tentative = [(0, cut), (cut, w)], True
    out = []
    for a, b in spans:
        if (a, b) == (0, w):
            part, rest = own, other
        else:
            part = np.zeros_like(own)
            part[:, a:b] = own[:, a:b]
            rest = other | (own & ~part)
        cand = _candidate(part, rest, patch_ink, origin, params)
        if cand is not None and _plausible(cand, frame_size, min_size, params):
            out.append(cand)
    if len(spans) == 2 and len(out) == 2:
        whole = _candidate(own, other, patch_ink, origin, params)
        out = [replace(c, whole=whole, tentative=tentative) for c in out]
    return out


def _candidate(own: np.ndarray, other: np.ndarray, patch_ink: np.ndarray, origin: tuple[int, int],
               params: SegmentParams) -> Candidate | None:
    """Tight box and stretched white-on-black ink of the pixels in `own` (plus a soft margin)."""
    ys, xs = np.nonzero(own.any(axis=1))[0], np.nonzero(own.any(axis=0))[0]
    if len(xs) == 0:
        return None
    x0, x1, y0, y1 = xs[0], xs[-1] + 1, ys[0], ys[-1] + 1
    own, other, patch = own[y0:y1, x0:x1], other[y0:y1, x0:x1], patch_ink[y0:y1, x0:x1]
    if params.ink_margin > 0:
        size = 2 * params.ink_margin + 1
        own = cv2.dilate(own.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool) & ~other
    values = np.where(own, patch, 0).astype(np.float32)
    peak = float(values.max())
    if peak <= 0:
        return None
    stretched = values * (255.0 / peak)  # faint pencil reaches full scale like pen ink
    box = (int(origin[0] + x0), int(origin[1] + y0), int(x1 - x0), int(y1 - y0))
    return Candidate(box=box, ink=(stretched + 0.5).astype(np.uint8))


def _plausible(cand: Candidate, frame_size: tuple[int, int], min_size: float, params: SegmentParams) -> bool:
    """The shape rules: big enough, not huge, not line-like, not a page border along the frame edge, and no ink
    lying along a frame edge for `border_contact` of its side there, a side not much shorter than the other (a
    "1" standing on the edge touches it with its whole, narrow foot)."""
    x, y, w, h = cand.box
    fw, fh = frame_size
    if max(w, h) < min_size or h > params.max_height * fh or w > params.max_aspect * h:
        return False
    on_edge_x = x == 0 or x + w == fw
    on_edge_y = y == 0 or y + h == fh
    if (on_edge_x and h > params.border_span * fh) or (on_edge_y and w > params.border_span * fw):
        return False
    edges = [(x == 0 and h >= params.border_side * w, cand.ink[:, 0]),
             (x + w == fw and h >= params.border_side * w, cand.ink[:, -1]),
             (y == 0 and w >= params.border_side * h, cand.ink[0]),
             (y + h == fh and w >= params.border_side * h, cand.ink[-1])]
    return not any(on and np.count_nonzero(line) >= params.border_contact * len(line) for on, line in edges)
