"""Tell a digit standing alone from a letter inside a word, by the ink beside it.

A handwritten "S", "y" or "l" in a word can look exactly like a 5, 4 or 1 to a classifier that sees one crop.
What gives it away is its neighbourhood: in a word, other letters' ink sits right beside it on the same line,
closer than writers space separate symbols. Digits of a number sit just as close, but they are digits
themselves. So a digit is dropped when, within `gap` of its height to its left or right and on its line,
there is one piece of ink as tall as a letter that the segmentation offered no crop for (a cursive word too wide
for a digit, letters joined into a blob). A comma, a dash, a dot or the dots of dotted paper are too short to count.

That catches a look-alike touching a letter nobody read. In a word of print letters ("Stars", "gods") several
letters are crops of their own, and some of them are read as digits too: so symbols standing closer than
writers space words are chained into words (`words_of_letters`), and a chain with more letters than digits, or
with two letters or more and at most one "digit" beyond them (the look-alikes o, l, s, q, g of a word read as
0, 1, 5, 9, 9), is a word, its "digits" letters. A number with one badly written digit the model doubts
keeps its other digits.

The same neighbourhood tells a dash from a "1": writers keep one slant along a line, so a "1" lying nearly
flat beside another digit is a stroke (`not_ones`); a lone digit may be turned any way. And a "1" bowed like
an arc is a parenthesis, as in "(3)" or "1)", wherever it stands.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class ContextParams:
    """What makes ink beside a digit part of the same word."""

    gap: float = 0.2  # ink this close (fraction of the digit's height) to its left or right side is beside it
    height: float = 0.45  # and counts when it spans this much of the digit's height: a letter, not a comma
    min_ink: int = 3  # pixels of ink needed in that strip (a speck of noise is not a letter)
    # ...but a crop more than `joined` times the digit's height stands on no one line: letters of several lines
    # joined by their ascenders and descenders (or by a ruled line they touch). Its ink beside the digit counts
    joined: float = 2.5
    letter: float = 0.95  # a crop the model puts in "not a digit" this surely is a letter's ink, like uncropped ink
    # words: two symbols on one line (overlapping by `line_overlap` of the shorter's height), the shorter at least
    # `height` of the taller, are letters of one word when they stand closer than `gap` of the taller's height
    line_overlap: float = 0.5
    # a word printed by hand, letter by letter, spaces its letters up to this far apart (of the taller's
    # height): a digit with no digit this close, chained to letters so spaced (on one side or both), is a letter
    letter_gap: float = 0.4
    word_letters: int = 3  # ...in a word of this many letters or more (two signs or marks beside a digit are no word)
    letter_width: float = 0.25  # narrower crops and pieces are no letters: a dotted or ruled line cut into pieces
    letter_fill: float = 0.08  # uncropped ink filling less of its box is a long line or a loop, no word
    free_overlap: float = 0.25  # uncropped ink with more of its box inside crops runs through them, no word
    # a chain with this many letters or more is a word unless its digits outnumber its letters by more than
    # `digit_lead` ("Bo" stays a tie: a digit beside one mark, or a number with one doubted digit, keeps its
    # digits; "qlqfu", three look-alikes and two letters, is a word; a number of six with two doubted digits is not)
    tie_letters: int = 2
    digit_lead: int = 1
    # a "1" leaning more than `one_tilt` degrees from upright, with another digit beside it on its line (within
    # `one_gap` of the taller's height), is a dash or a stroke: writers keep one slant along a line
    one_tilt: float = 55.0
    one_gap: float = 1.0
    # a "1" whose middle bows out of the line through its ends by more than `one_bow` of its length is a
    # parenthesis: an arc of 70 degrees bows 0.16, of 120 degrees 0.29; of MNIST's 1,135 test 1s, 6 bow more
    # than 0.15 (written as a "(" themselves)
    one_bow: float = 0.15
    # a "1" with a dot apart above or below it, in line with it, is an "i" or a "!": a dot whose side (the root
    # of its area) is at least `dot_size` of the stroke's width and whose ink is at most `dot_share` of the
    # stroke's (a speck of noise is thinner than the pen; a broken-off part of a stroke is longer)
    dot_size: float = 0.6
    dot_share: float = 0.5
    # a crop the model doubts, standing in a row between two read digits of like height (within `row_gap` of
    # the taller's height on each side, heights within `row_height` times of each other), is read as its best
    # digit when that digit has at least `row_digit` of the probability: in a row of digits a badly written
    # one is still a digit (0: off)
    row_digit: float = 0.3
    row_gap: float = 1.0
    row_height: float = 1.6


DEFAULT = ContextParams()
FAR = 1 << 40  # a space wider than any frame: no neighbours


def in_words(digit_boxes: list[Box], other_boxes: list[Box], binary: np.ndarray,
             params: ContextParams = DEFAULT) -> list[bool]:
    """Per digit box: does letter-sized ink that is not a digit sit right beside it on its line?

    `digit_boxes` are the boxes read as digits, `other_boxes` those of the frame's other crops: their ink is
    not counted either, unless a crop is more than `joined` times the digit's height (letters of several lines
    joined by their ascenders and descenders, no symbol of this line). `binary` is the 0/1 ink the boxes were
    found in."""
    if not digit_boxes:
        return []
    boxes = np.asarray(list(digit_boxes) + list(other_boxes), np.int64).reshape(-1, 4)
    bx, by, bw, bh = boxes.T
    digit = np.arange(len(boxes)) < len(digit_boxes)
    out = []
    fw = binary.shape[1]
    for x, y, w, h in digit_boxes:
        reach = max(1, int(round(params.gap * h)))
        word = False
        for x0, x1 in ((max(0, x - reach), x), (x + w, min(fw, x + w + reach))):
            if x1 <= x0:
                continue
            strip = binary[y : y + h, x0:x1].astype(np.uint8)  # a copy, the crops' ink blanked out of it
            if strip.sum() < params.min_ink:
                continue
            cover = (bx < x1) & (bx + bw > x0) & (by < y + h) & (by + bh > y) & (digit | (bh <= params.joined * h))
            for cx, cy, cw, ch in boxes[cover]:
                strip[max(0, cy - y) : max(0, cy + ch - y), max(0, cx - x0) : max(0, cx + cw - x0)] = 0
            if strip.sum() >= params.min_ink:
                _, _, stats, _ = cv2.connectedComponentsWithStats(strip, connectivity=8)
                word |= bool((stats[1:, cv2.CC_STAT_HEIGHT] >= params.height * h).any())
        out.append(word)
    return out


def _shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Area each box of `a` (rows of x, y, w, h, ...) shares with each box of `b`: a len(a) × len(b) matrix."""
    ax, ay, aw, ah = (c[:, None] for c in a[:, :4].T)
    bx, by, bw, bh = b[:, :4].T
    return (np.clip(np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx), 0, None)
            * np.clip(np.minimum(ay + ah, by + bh) - np.maximum(ay, by), 0, None))


def _free_ink(pieces: np.ndarray, inside: np.ndarray, min_height: float, params: ContextParams) -> list[Box]:
    """The pieces (x, y, w, h, pixels) that lie beside the crops, not across them (`inside`: each piece's area
    inside crops), at least `min_height` high and filling at least `letter_fill` of their box. A piece reaching
    into crops is a crop's own ink (a group cut into several) or a line through them (the rest of a ruled line
    under pencil), no word beside them."""
    x, y, w, h, pixels = pieces.T
    keep = (h >= min_height) & (pixels >= params.letter_fill * w * h) & (inside <= params.free_overlap * w * h)
    return [tuple(int(v) for v in row[:4]) for row in pieces[keep]]


def _same_line(a: Box, b: Box, params: ContextParams) -> bool:
    """Do two boxes stand on one line: overlapping by `line_overlap` of the shorter's height?"""
    return min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) >= params.line_overlap * min(a[3], b[3])


def _gap(a: Box, b: Box) -> int:
    """Horizontal space between two boxes (negative where they overlap)."""
    return max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])


def _spacing(boxes: np.ndarray, params: ContextParams) -> tuple[np.ndarray, np.ndarray]:
    """For every two boxes: the space between them where they could be letters of one word (on one line, the
    shorter at least `height` of the taller; elsewhere, and from a box to itself, larger than any box), and
    the taller one's height. Two boxes are neighbours at gap g when the space is at most g times that height."""
    x, y, w, h = (c[:, None] for c in boxes.T)
    short, tall = np.minimum(h, h.T), np.maximum(h, h.T)
    space = np.maximum(x, x.T) - np.minimum(x + w, (x + w).T)
    word = (np.minimum(y + h, (y + h).T) - np.maximum(y, y.T) >= params.line_overlap * short) & (short >= params.height * tall)
    np.fill_diagonal(word, False)
    return np.where(word, space, FAR), tall


def _runs(near: np.ndarray) -> np.ndarray:
    """Label of each node's connected run in the symmetric boolean matrix `near`: the smallest index in its run."""
    run = np.arange(len(near))
    while True:  # each round takes the smallest label beside; runs are short, so few rounds
        new = np.minimum(run, np.where(near, run, len(near)).min(axis=1, initial=len(near)))
        if (new == run).all():
            return run
        run = new


def words_of_letters(digit_boxes: list[Box], other_boxes: list[Box], pieces: np.ndarray,
                     params: ContextParams = DEFAULT) -> list[bool]:
    """Per digit box: is it in a word (a chain of close symbols on one line) with more letters than digits,
    or with at least `tie_letters` letters and no more than `digit_lead` digits beyond them?

    Letters are the crops not read as digits (`other_boxes`; an uncut group and its parts count once) and the
    ink no crop covers, from the segmentation's joined `pieces` (x, y, w, h, pixels); a piece wider than tall
    counts as that many letters (a joined "ars")."""
    if not digit_boxes:
        return []
    pieces = np.asarray(pieces, np.int64).reshape(-1, 5)
    crops = np.asarray(list(digit_boxes) + list(other_boxes), np.int64).reshape(-1, 4)
    n = len(digit_boxes)
    in_pieces = _shared(crops, pieces)  # crops down, pieces across
    # a crop cut from the same piece of ink as a lone digit is that digit's own stroke (a long turned 5 cut in
    # three); a piece holding two digits or more is a number or a joined word, and its other crops count
    group = in_pieces.argmax(axis=1) if len(pieces) else np.full(len(crops), -1)
    ids, counts = np.unique(group[:n], return_counts=True)
    own = set(ids[counts == 1].tolist()) - {-1}  # -1: no pieces given
    # crops sharing half of the smaller one's area are one symbol (a cut part and its uncut group)
    area = crops[:, 2] * crops[:, 3]
    same = 2 * _shared(crops, crops) >= np.minimum.outer(area, area)
    taken = list(range(n))
    for i in range(n, len(crops)):
        if group[i] not in own and not same[i, taken].any():
            taken.append(i)
    letters: list[Box] = [tuple(int(v) for v in crops[i]) for i in taken[n:]]
    if len(pieces):
        letters += _free_ink(pieces, in_pieces.sum(axis=0), params.height * min(h for *_, h in digit_boxes), params)
    symbols = np.asarray(list(digit_boxes) + letters, np.int64).reshape(-1, 4)
    space, tall = _spacing(symbols, params)
    spaced = _spaced_letter(space <= params.letter_gap * tall, n, params)
    # the chains: neighbours closer than `gap`, narrow letters left out
    kept = np.flatnonzero((np.arange(len(symbols)) < n) | (symbols[:, 2] >= params.letter_width * symbols[:, 3]))
    chain = _runs((space <= params.gap * tall)[np.ix_(kept, kept)])
    w, h = symbols[kept, 2], symbols[kept, 3]
    is_digit = kept < n
    in_digits = np.bincount(chain, weights=is_digit, minlength=len(kept))
    in_letters = np.bincount(chain, weights=np.where(is_digit, 0, np.maximum(1, np.round(w / np.maximum(h, 1)))),
                             minlength=len(kept))
    letters, digits = in_letters[chain[:n]], in_digits[chain[:n]]
    chained = (letters > digits) | ((letters >= params.tie_letters) & (digits <= letters + params.digit_lead))
    return (chained | spaced).tolist()


def _spaced_letter(near: np.ndarray, n: int, params: ContextParams) -> np.ndarray:
    """Per digit (the first `n` symbols of `near`, the neighbours within `letter_gap`; letters after): a
    look-alike inside a word printed letter by letter. No other digit stands within `letter_gap` of it on its
    line (the digits of a number stand close), and the letters spaced so from it and from each other, on
    both sides of it together, are at least `word_letters`: the "o" of "most" as well as the "s" of "sky".
    Narrow letters count here (an "l" or an "i" of the word): a ruled or dotted line's pieces are too short
    for letters."""
    run = _runs(near[n:, n:])  # the runs of letters; a digit chains the runs beside it into one word
    size = np.bincount(run, minlength=len(run))
    alone = ~near[:n, :n].any(axis=1)  # no digit beside it
    return np.array([alone[d] and size[np.unique(run[near[d, n:]])].sum() >= params.word_letters
                     for d in range(n)], bool)


def lean(ink: np.ndarray) -> float:
    """Degrees the main axis of the ink's second moments leans from upright: 0 upright, 90 lying flat."""
    m = cv2.moments(ink)
    if m["mu11"] == 0 and m["mu20"] == m["mu02"]:
        return 0.0  # round: no axis
    return 90.0 - abs(float(np.degrees(0.5 * np.arctan2(2 * m["mu11"], m["mu20"] - m["mu02"]))))


def _pieces(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of the ink above half its peak (its soft edges would join a speck beside it to the stroke):
    the label image (0: no ink) and each piece's x, y, w, h, area, the largest first."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats((ink > ink.max() // 2).view(np.uint8), connectivity=8)
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA], kind="stable")
    return labels, np.column_stack([stats[1:][order], 1 + order])


def bow(ink: np.ndarray) -> float:
    """How far a stroke's middle bows out of the straight line through its ends, as a share of its length:
    a parabola fitted to the ink of its largest piece across its main axis, its sagitta over the ink's extent
    along it (2nd to 98th percentile, so a stray pixel does not stretch it). 0 for a straight stroke."""
    labels, pieces = _pieces(ink)
    if not len(pieces):
        return 0.0
    ys, xs = np.nonzero(labels == pieces[0, 5])  # the stroke, not a speck beside it
    if len(xs) < 3:
        return 0.0
    weight = ink[ys, xs].astype(np.float64)
    x, y = xs - np.average(xs, weights=weight), ys - np.average(ys, weights=weight)
    _, axes = np.linalg.eigh(np.cov(np.stack([x, y]), aweights=weight))
    along, across = x * axes[0, 1] + y * axes[1, 1], x * axes[0, 0] + y * axes[1, 0]
    low, high = np.percentile(along, [2, 98])
    length = max(float(high - low), 1.0)
    root = np.sqrt(weight)[:, None]
    curve = np.linalg.lstsq(np.stack([along * along, along, np.ones_like(along)], 1) * root,
                            across * root[:, 0], rcond=None)[0][0]
    return abs(float(curve)) * length / 4


def dotted(ink: np.ndarray, params: ContextParams = DEFAULT) -> bool:
    """Does a round dot stand apart above or below the stroke (its largest piece), within the stroke's columns
    give or take its width: the dot of an "i" or of a "!"? Apart means that no ink of a third of the peak joins
    the two either: the fading end of a stroke falls below half the peak, not to paper."""
    labels, pieces = _pieces(ink)
    if len(pieces) < 2:
        return False
    x, y, w, h, area, stroke = pieces[0]
    pen = area / max(h, 1)  # the stroke's width, a little more when it leans
    faint = cv2.connectedComponents((ink > ink.max() // 3).view(np.uint8), connectivity=8)[1]
    joined = np.unique(faint[labels == stroke])
    for dx, dy, dw, dh, dot, label in pieces[1:]:
        in_line = x - pen <= dx + dw / 2 <= x + w + pen and (dy + dh <= y or dy >= y + h)
        sized = (params.dot_size * pen) ** 2 <= dot <= params.dot_share * area and max(dw, dh) <= 2 * min(dw, dh)
        if in_line and sized and not np.isin(faint[labels == label], joined).any():  # apart at a third, too
            return True
    return False


def not_ones(digit_boxes: list[Box], labels: list[int], inks: list[np.ndarray],
             params: ContextParams = DEFAULT) -> list[bool]:
    """Per digit: a "1" that is another stroke. Bowed more than `one_bow`, it is a parenthesis; dotted, an "i"
    or a "!"; leaning more than `one_tilt` from upright beside another digit on its line, a dash, a minus or a
    crossing-out (a lone digit may be turned any way: a card held askew)."""
    out = []
    for i, box in enumerate(digit_boxes):
        one = labels[i] == 1
        flat = one and lean(inks[i]) > params.one_tilt
        out.append(one and (bow(inks[i]) > params.one_bow or dotted(inks[i], params))
                   or flat and any(_same_line(box, other, params)
                                   and _gap(box, other) <= params.one_gap * max(box[3], other[3])
                                   for j, other in enumerate(digit_boxes) if j != i))
    return out


def between_digits(box: Box, digit_boxes: list[Box], other_boxes: list[Box] = (),
                   params: ContextParams = DEFAULT) -> bool:
    """Does `box` stand in a row between two of `digit_boxes`, of like height and close, each the nearest of
    its side? A crop of `other_boxes` nearer on a side (the "q" of "2 bq 2") makes it a letter of a word."""
    x, h = box[0], box[3]

    def nearest(boxes: list[Box], side: int) -> float:
        """The gap to the nearest of `boxes` on that side of `box` and on its line (inf: none)."""
        gaps = [_gap(box, other) for other in boxes
                if _same_line(box, other, params) and max(h, other[3]) <= params.row_height * min(h, other[3])
                and (other[0] > x if side > 0 else other[0] < x)]
        return min(gaps, default=float("inf"))

    for side in (1, -1):
        gap = nearest(digit_boxes, side)
        if not -params.gap * h <= gap <= params.row_gap * h or nearest(other_boxes, side) < gap:
            return False
    return True
