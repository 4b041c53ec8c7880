"""Segmentation on generated camera-like frames whose digit boxes are known."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.ink import ink_map, light_ink, thresholds
from edge.normalize import to_mnist
from edge.segment import (DEFAULT, Candidate, SegmentParams, _join_pieces, elongation, find_candidates, main_stroke,
                          segment)

SAMPLE = np.load(Path(__file__).parent / "data" / "mnist_sample.npz")
H, W = 480, 640


def digit(index: int, height: int) -> np.ndarray:
    """MNIST test digit `index`, cropped to its ink and scaled to `height` pixels (white on black)."""
    img = SAMPLE["x_test"][index]
    ys, xs = np.nonzero(img)
    img = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    width = max(1, round(img.shape[1] * height / img.shape[0]))
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)


def index_of(label: int, skip: int = 0) -> int:
    return int(np.flatnonzero(SAMPLE["y_test"] == label)[skip])


class Sheet:
    """A sheet of paper in front of a camera: ink drawn in, then lit and photographed."""

    def __init__(self, height: int = H, width: int = W):
        self.ink = np.zeros((height, width), np.float32)
        self.boxes: list[tuple[int, int, int, int]] = []

    def draw(self, patch: np.ndarray, x: int, y: int, known: bool = True) -> None:
        region = self.ink[y : y + patch.shape[0], x : x + patch.shape[1]]
        np.maximum(region, patch[: region.shape[0], : region.shape[1]], out=region)
        if known:
            ys, xs = np.nonzero(patch > 64)
            self.boxes.append((x + xs.min(), y + ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))

    def photo(self, paper: float = 200, gradient: float = 0.0, darkness: float = 0.75, noise: float = 0.0,
              blur: float = 0.0, seed: int = 0, color: bool = True) -> np.ndarray:
        h, w = self.ink.shape
        light = paper * (1 - gradient * np.linspace(0, 1, w, dtype=np.float32))[None, :]
        frame = light * (1 - darkness * self.ink / 255)
        if blur:
            frame = cv2.GaussianBlur(frame, (0, 0), blur)
        frame += np.random.default_rng(seed).normal(0, noise, frame.shape).astype(np.float32) if noise else 0
        frame = np.clip(frame, 0, 255).astype(np.uint8)
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR) if color else frame


def row_of_digits(sheet: Sheet, labels: list[int], height: int, x: int, y: int, gap: int) -> None:
    for label in labels:
        patch = digit(index_of(label), height)
        sheet.draw(patch, x, y)
        x += patch.shape[1] + gap


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def firm(found: list[Candidate]) -> list[Candidate]:
    """The candidates with each tentative cut undone (its uncut group instead): what segmentation offers before
    the reader's classifier decides such a cut."""
    out, wholes = [], set()
    for c in found:
        if not c.tentative:
            out.append(c)
        elif id(c.whole) not in wholes:
            wholes.add(id(c.whole))
            out.append(c.whole)
    return out


def assert_matches(found: list[Candidate], boxes: list[tuple[int, int, int, int]], min_iou: float = 0.7) -> None:
    """Exactly one candidate per known digit (tentative cuts undone), each overlapping its digit well."""
    got = sorted(c.box for c in firm(found))
    assert len(got) == len(boxes), f"expected {len(boxes)} digits, found {got}"
    for box in boxes:
        best = max(iou(box, g) for g in got)
        assert best >= min_iou, f"digit at {box} badly boxed: {got}"


def test_ten_digits_uneven_light_and_noise():
    sheet = Sheet()
    for k in range(10):
        patch = digit(index_of(k), 36 + 5 * k)
        sheet.draw(patch, 25 + 61 * k, 90 + (k % 2) * 170)
    frame = sheet.photo(gradient=0.6, noise=6, blur=0.8)
    found = find_candidates(frame)
    assert_matches(found, sheet.boxes)
    for cand in found:
        _, _, w, h = cand.box
        assert cand.ink.shape == (h, w) and cand.ink.dtype == np.uint8 and cand.ink.max() == 255


def test_gray_frame_and_pencil():
    sheet = Sheet()
    row_of_digits(sheet, [3, 1, 4], 60, 100, 200, 40)
    found = find_candidates(sheet.photo(darkness=0.3, noise=3, color=False))
    assert_matches(found, sheet.boxes)


def test_digit_sizes_from_20px_to_half_the_frame():
    sheet = Sheet()
    sheet.draw(digit(index_of(2), 20), 40, 40)
    sheet.draw(digit(index_of(8), 240), 300, 150)
    assert_matches(find_candidates(sheet.photo(noise=3)), sheet.boxes)


def test_shadow_across_the_page():
    sheet = Sheet()
    row_of_digits(sheet, [5, 6, 7], 70, 150, 180, 60)
    frame = sheet.photo().astype(np.float32)
    frame[:, 260:] *= 0.45  # a hard shadow edge through the middle of the row
    found = find_candidates(cv2.GaussianBlur(frame, (0, 0), 3).astype(np.uint8))
    assert_matches(found, sheet.boxes)


def vignetted(frame: np.ndarray, depth: float) -> np.ndarray:
    """The light falling off as the square of the distance from the centre: `depth` at the edges' middles."""
    h, w = frame.shape[:2]
    y, x = np.ogrid[0:h, 0:w]
    gain = 1 - depth * (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2)
    return np.clip(frame * np.clip(gain, 0.2, 1)[..., None], 0, 255).astype(np.uint8)


def test_light_falling_off_towards_the_edges_is_paper_not_ink():
    """A lens's vignette: the paper estimate follows the fall-off to the frame's edges, where the closing alone
    sees only the brighter paper inside, and no band of "ink" along the edges joins a digit near them."""
    sheet = Sheet()
    row_of_digits(sheet, [1, 7], 160, 230, 60, 80)
    frame = vignetted(sheet.photo(paper=220), 0.6)
    ink = ink_map(frame, DEFAULT)
    assert np.percentile(ink[:8], 90) < DEFAULT.low_threshold  # the top edge, darkest in its corners
    assert np.percentile(ink[:, :8], 90) < DEFAULT.low_threshold
    assert_matches(find_candidates(frame), sheet.boxes)
    before = replace(DEFAULT, edge_fit=False)
    assert np.percentile(ink_map(frame, before)[:8], 90) > before.low_threshold  # the band it was


def test_a_table_beside_the_page_stays_out_of_the_paper():
    """A dark strip along the frame's edge (the table under the page) is no fall-off of the page's light: it
    is ink to the estimate, one piece along the edge, and the digits beside it stay digits."""
    sheet = Sheet()
    row_of_digits(sheet, [3, 8], 90, 380, 200, 30)
    frame = sheet.photo(paper=210)
    frame[:, -14:] = (120, 90, 60)  # wood
    assert np.median(ink_map(frame, DEFAULT)[:, -10:]) > DEFAULT.high_threshold
    assert_matches(find_candidates(frame), sheet.boxes)


def test_digits_beside_a_slanted_strip_of_table_are_not_its_fragments():
    """A page photographed at an angle: the table shows along one edge as a slanted dark strip the frame's
    height, and digits near it lie inside its box. No join may make a group taller than a digit can be."""
    sheet = Sheet()
    for k, (x, y) in enumerate(((480, 30), (450, 150))):
        sheet.draw(digit(index_of(0, k), 60), x, y)
    frame = sheet.photo(paper=215)
    cv2.fillPoly(frame, [np.array([[600, 0], [640, 0], [640, 480], [440, 480]], np.int32)], (60, 90, 130))
    found = [c.box for c in firm(find_candidates(frame))]
    for box in sheet.boxes:  # each digit a candidate of its own (a sliver of the strip's edge may be one too)
        assert max(iou(box, g) for g in found) >= 0.7, f"digit at {box} badly boxed: {found}"
    assert all(h < 0.5 * 480 for _, _, _, h in found)


def test_the_dark_side_of_a_page_edge_is_no_ink():
    """A page on a darker desk: the paper is estimated on a copy shrunk to 160 px, so a sharp edge is smeared
    over one shrunk pixel and the desk beside it looked darker than that "paper". A step sharper than
    `paper_step` takes the darker side's estimate."""
    frame = np.full((480, 640, 3), 210, np.uint8)
    frame[:, 402:] = (60, 100, 140)  # a wooden desk from x = 402 on (inside a shrunk pixel)
    assert ink_map(frame, DEFAULT)[:, 396:416].max() < DEFAULT.low_threshold
    assert ink_map(frame, replace(DEFAULT, paper_step=0))[:, 396:416].max() > 2 * DEFAULT.low_threshold


def test_broken_five_and_dotted_four_are_one_candidate_each():
    sheet = Sheet()
    five = digit(index_of(5), 90).copy()
    top = int(np.argmax((five > 64).sum(axis=1) > 0.5 * five.shape[1]))  # first row of the top bar...
    rows = np.flatnonzero((five[top:] > 64).sum(axis=1) <= 0.2 * five.shape[1])
    five[top + rows[0] : top + rows[0] + 6] = 0  # ...cut below the bar: it floats
    sheet.draw(five, 120, 150)
    four = digit(index_of(4), 90).copy()
    dots = np.indices(four.shape).sum(axis=0) % 14 < 9  # diagonal dashes through every stroke
    sheet.draw(np.where(dots, four, 0).astype(np.uint8), 360, 150)
    found = find_candidates(sheet.photo(noise=2))
    assert_matches(find_candidates(sheet.photo(noise=2)), sheet.boxes, min_iou=0.8)
    assert len(found) == 2


def test_digits_stacked_in_a_column_stay_apart():
    sheet = Sheet()
    y = 20
    for label, height in [(0, 70), (6, 60), (1, 40), (2, 80), (9, 45)]:  # one above another, 8 px of paper
        patch = digit(index_of(label), height)
        sheet.draw(patch, 120 + (70 - patch.shape[1]) // 2, y)
        y += height + 8
    y = 40
    for label, height in [(3, 150), (7, 24), (4, 110)]:  # a small digit between two big ones
        patch = digit(index_of(label), height)
        sheet.draw(patch, 380 + (90 - patch.shape[1]) // 2, y)
        y += height + 10
    found = find_candidates(sheet.photo(noise=2))
    assert_matches(found, sheet.boxes)


def test_digits_crossed_by_a_ruled_line_stay_whole():
    sheet = Sheet()
    row_of_digits(sheet, [7, 1, 4], 90, 150, 150, 50)
    ruled = np.zeros((H, W), np.float32)
    cv2.line(ruled, (0, 195), (W - 1, 195), 150, 2)  # a rule through the middle of every digit
    sheet.draw(ruled, 0, 0, known=False)
    photo = sheet.photo(noise=2)
    assert_matches(find_candidates(photo), sheet.boxes, min_iou=0.8)


def dot_grid(pitch: int, radius: int, x0: int = 7, y0: int = 11) -> np.ndarray:
    """Dot-grid paper's dots as ink: one every `pitch` pixels along rows and columns."""
    dots = np.zeros((H, W), np.float32)
    for y in range(y0, H, pitch):
        for x in range(x0, W, pitch):
            cv2.circle(dots, (x, y), radius, 140, -1, cv2.LINE_AA)
    return dots


def test_digits_on_dot_grid_paper_stay_apart_and_whole():
    sheet = Sheet()
    row_of_digits(sheet, [3, 8, 1, 5], 60, 120, 100, 12)
    row_of_digits(sheet, [2, 0, 7], 40, 200, 300, 10)
    sheet.draw(dot_grid(30, 3), 0, 0, known=False)  # dots beside every digit used to join it as a dotted stroke's
    # and chain digits together; a dot under a stroke is the stroke's own ink and still widens its box a little
    assert_matches(find_candidates(sheet.photo(noise=2)), sheet.boxes, min_iou=0.6)


def test_halves_of_a_stroke_cut_by_line_removal_join_only_across_the_line():
    boxes = np.array([[100, 100, 130, 145], [102, 148, 128, 190]], np.int32)  # two digit-like halves, 3 px apart
    lines = np.zeros((H, W), np.uint8)
    params = SegmentParams()
    assert len(set(_join_pieces(boxes, lines, 17, H, params))) == 2  # plain paper: two digits one above another
    lines[146:148, :] = 1  # a ruled line was removed between them: one digit cut in two
    assert len(set(_join_pieces(boxes, lines, 17, H, params))) == 1


def test_tightly_spaced_number_stays_apart_and_touching_digits_split():
    sheet = Sheet()
    row_of_digits(sheet, [2, 0, 2, 6], 60, 60, 80, 4)  # a 4-digit number, 4 px between digits
    touching = [digit(index_of(3), 70), digit(index_of(8), 70)]
    x = 300
    for patch in touching:
        sheet.draw(patch, x, 300)
        x += patch.shape[1] - 4  # overlapping by 4 px: one connected component
    found = find_candidates(sheet.photo(noise=2))
    assert_matches(found, sheet.boxes, min_iou=0.6)


def touching_row(sheet: Sheet, patches: list[np.ndarray], x: int, y: int, overlap: int) -> None:
    """Digits drawn side by side, each overlapping the previous by `overlap` px: one connected component."""
    for patch in patches:
        sheet.draw(patch, x, y)
        x += patch.shape[1] - overlap


@pytest.mark.parametrize("labels", [(1, 7), (1, 3)])
def test_narrow_one_touching_its_neighbour_is_split(labels):
    sheet = Sheet()
    touching_row(sheet, [digit(index_of(label), 60) for label in labels], 200, 150, 2)
    found = find_candidates(sheet.photo(noise=2))
    assert_matches(found, sheet.boxes, min_iou=0.6)
    off = SegmentParams(touch_aspect=99.0)  # width alone (the old rule) keeps such a pair in one box
    assert len(find_candidates(sheet.photo(noise=2), off)) == 1


@pytest.mark.parametrize("label", [0, 2, 4, 7])
def test_wide_single_digit_is_not_split(label):
    sheet = Sheet()
    patch = digit(index_of(label), 60)
    sheet.draw(cv2.resize(patch, (round(1.15 * 60), 60), interpolation=cv2.INTER_LINEAR), 200, 150)
    found = find_candidates(sheet.photo(noise=2))
    assert_matches(found, sheet.boxes)


def test_non_digit_marks_are_rejected():
    sheet = Sheet()
    row_of_digits(sheet, [4, 7], 60, 250, 200, 30)
    marks = np.zeros((H, W), np.float32)
    for x, y in [(60, 60), (500, 400), (320, 420), (600, 90)]:
        cv2.circle(marks, (x, y), 3, 255, -1)  # dots and specks
    cv2.line(marks, (40, 330), (420, 345), 255, 3)  # a long pen line
    cv2.line(marks, (560, 150), (563, 470), 255, 3)  # a long vertical line
    cv2.rectangle(marks, (0, 0), (W - 1, H - 1), 255, 4)  # the paper's edge along the frame
    sheet.draw(marks, 0, 0, known=False)
    assert_matches(find_candidates(sheet.photo(noise=3)), sheet.boxes)


def test_a_long_slanted_line_among_digits_is_dropped_but_a_tall_one_stays():
    """A thin straight stroke far longer than the other candidates is a drawn line (it would read as a "1");
    a digit "1" in the same frame, as tall as its neighbours, is kept."""
    sheet = Sheet()
    row_of_digits(sheet, [3, 1, 5, 9], 60, 300, 60, 30)
    marks = np.zeros((H, W), np.float32)
    cv2.line(marks, (60, 420), (220, 180), 255, 3)  # 290 px at about 34 degrees from vertical
    sheet.draw(marks, 0, 0, known=False)
    assert_matches(find_candidates(sheet.photo(noise=2)), sheet.boxes)


def test_a_hairline_somewhat_longer_than_the_digits_and_a_line_with_a_dot_are_dropped():
    """A very thin stroke 1.5x the digits' size is a line; so is a long line that a dot joined (its moments
    alone are no longer line-like, its biggest piece is)."""
    sheet = Sheet()
    row_of_digits(sheet, [3, 4, 5, 9], 60, 300, 60, 30)
    marks = np.zeros((H, W), np.float32)
    cv2.line(marks, (60, 320), (100, 225), 255, 2)  # 103 px, 1.6x the digits, about 30x longer than wide
    cv2.line(marks, (300, 440), (560, 300), 255, 3)  # a 295 px line...
    cv2.circle(marks, (572, 292), 6, 255, -1)  # ...and a dot next to its end
    sheet.draw(marks, 0, 0, known=False)
    assert_matches(find_candidates(sheet.photo(noise=2)), sheet.boxes)


def test_a_flat_line_is_not_cut_into_digit_sized_pieces():
    """A line wider than tall looks like a row of touching digits by its box; cut up, its pieces would be
    short strokes (read as "1"s). A straight stroke is never split: it is dropped whole."""
    sheet = Sheet()
    row_of_digits(sheet, [3, 4, 5, 9], 60, 300, 60, 30)
    marks = np.zeros((H, W), np.float32)
    cv2.line(marks, (60, 440), (230, 340), 255, 3)  # 170 x 100 px: its box says "two touching digits"
    cv2.line(marks, (300, 300), (560, 250), 255, 4)  # 260 x 50 px: "five touching digits"
    sheet.draw(marks, 0, 0, known=False)
    assert_matches(find_candidates(sheet.photo(noise=2)), sheet.boxes)


def test_a_fine_pen_one_as_tall_as_its_neighbours_stays():
    sheet = Sheet()
    row_of_digits(sheet, [3, 4, 5], 80, 300, 60, 30)
    one = np.zeros((84, 8), np.float32)
    cv2.line(one, (4, 2), (4, 81), 255, 2)  # 80 px tall, 2 px wide: elongation about 40
    sheet.draw(one, 200, 60)
    assert elongation(one.astype(np.uint8)) > 20
    assert_matches(find_candidates(sheet.photo(noise=2)), sheet.boxes, min_iou=0.5)  # 2 px: a pixel is 1/3


def test_elongation_and_main_stroke():
    bar = np.zeros((60, 60), np.uint8)
    bar[28:32, 5:55] = 255
    assert elongation(bar) == pytest.approx(50 / 4, rel=0.05)
    assert elongation(np.full((9, 9), 255, np.uint8)) == pytest.approx(1.0)
    assert elongation(np.zeros((9, 9), np.uint8)) == 1.0
    dotted = bar.copy()
    cv2.circle(dotted, (30, 50), 3, 255, -1)  # a small dot: the bar is the main stroke
    assert elongation(dotted) < 5 and np.array_equal(main_stroke(dotted), bar)
    seven = bar.copy()
    seven[8:12, 5:55] = 255  # a second piece as big: no main stroke, all the ink counts
    assert np.array_equal(main_stroke(seven), seven)


def test_a_group_cut_in_two_remembers_the_uncut_group():
    """The two parts of a touching pair carry the same uncut `whole`, for the reader to fall back on."""
    sheet = Sheet()
    touching_row(sheet, [digit(index_of(label), 60) for label in (1, 7)], 200, 150, 2)
    found = find_candidates(sheet.photo(noise=2))
    assert len(found) == 2 and found[0].whole is not None and found[0].whole is found[1].whole
    x0 = min(c.box[0] for c in found)
    x1 = max(c.box[0] + c.box[2] for c in found)
    assert found[0].whole.box[0] == x0 and found[0].whole.box[0] + found[0].whole.box[2] == x1
    single = find_candidates(Sheet().photo())  # and a plain digit has none
    sheet = Sheet()
    row_of_digits(sheet, [4], 60, 200, 150, 0)
    assert all(c.whole is None for c in find_candidates(sheet.photo(noise=2))) and not single


def test_ruled_and_squared_paper_lines_are_removed():
    sheet = Sheet()
    row_of_digits(sheet, [1, 9, 3], 64, 170, 156, 30)
    grid = np.zeros((H, W), np.float32)
    for y in range(40, H, 70):
        cv2.line(grid, (0, y), (W - 1, y + 8), 150, 2)  # ruled lines, tilted by ~1 degree
    for x in range(30, W, 120):
        cv2.line(grid, (x, 0), (x, H - 1), 110, 1)
    sheet.draw(grid, 0, 0, known=False)
    found = find_candidates(sheet.photo(noise=3))
    assert_matches(found, sheet.boxes, min_iou=0.75)


def broken_rules(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Faint ruled lines every 60 px, broken up by the paper's grain: dashes of 10-60 px, gaps of 15-120 px
    (a third of each line is left, no run of it a fifth of the frame long)."""
    rng = np.random.default_rng(seed)
    rules = np.zeros((height, width), np.float32)
    for y in range(60, height, 60):
        x = 0
        while x < width:
            dash = int(rng.integers(10, 60))
            cv2.line(rules, (x, y), (min(width - 1, x + dash), y), 160, 2)
            x += dash + int(rng.integers(15, 120))
    return rules


def test_a_faint_rule_broken_into_dashes_is_removed_across_digits():
    sheet = Sheet(720, 1280)  # a 720p camera: a rule (2 px) is thinner than a stroke there, as it is not at 480
    row_of_digits(sheet, [1, 7, 2], 50, 300, 150, 60)  # the rule at y = 180 crosses their lower halves
    sheet.draw(broken_rules(720, 1280), 0, 0, known=False)
    photo = sheet.photo(darkness=0.35, noise=2)  # pencil: a third darker than the paper
    assert_matches(find_candidates(photo), sheet.boxes, min_iou=0.75)
    # without the search for broken lines the rule's dashes stay on the digits and widen their boxes
    with pytest.raises(AssertionError, match="badly boxed|expected"):
        assert_matches(find_candidates(photo, replace(DEFAULT, line_cover=1.0)), sheet.boxes, min_iou=0.75)


def test_white_on_black_and_clean_images():
    sheet = Sheet(200, 300)
    row_of_digits(sheet, [7, 2], 80, 60, 60, 40)
    white_on_black = np.clip(sheet.ink, 0, 255).astype(np.uint8)
    assert_matches(find_candidates(white_on_black), sheet.boxes)
    assert_matches(find_candidates(255 - white_on_black), sheet.boxes)
    mnist = SAMPLE["x_test"][0]  # a 28x28 MNIST digit itself: white on black, filling most of the frame
    ys, xs = np.nonzero(mnist > 64)
    assert_matches(find_candidates(mnist), [(xs.min(), ys.min(), np.ptp(xs) + 1, np.ptp(ys) + 1)], min_iou=0.6)


def test_each_candidate_holds_only_its_own_ink():
    sheet = Sheet()
    row_of_digits(sheet, [1, 7], 80, 200, 200, 3)
    for cand in find_candidates(sheet.photo()):
        assert cand.ink[:, 0].any() and cand.ink[:, -1].any()  # tight around its own ink
        out = to_mnist(cand.ink)
        assert out.shape == (28, 28) and out.max() == 255


@pytest.mark.parametrize(
    "frame",
    [np.zeros((0, 0), np.uint8), np.zeros((1, 1), np.uint8), np.zeros((H, W, 3), np.uint8),
     np.full((H, W, 3), 255, np.uint8), np.full((H, W), 128, np.uint8), np.zeros((5, 7), np.uint8),
     np.zeros((H, W), np.float32), np.zeros((10,), np.uint8)],
    ids=["empty", "one-pixel", "black", "white", "grey", "tiny", "float", "1-d"],
)
def test_blank_and_degenerate_frames_give_nothing(frame):
    assert find_candidates(frame) == []


def test_noise_alone_gives_nothing():
    frame = np.random.default_rng(1).normal(180, 8, (H, W)).clip(0, 255).astype(np.uint8)
    assert find_candidates(frame) == []


def test_ink_map_flattens_the_paper():
    sheet = Sheet()
    frame = sheet.photo(gradient=0.7, color=False)
    assert ink_map(frame, DEFAULT).max() < SegmentParams().low_threshold
    sheet.draw(digit(0, 100), 300, 200)
    ink = ink_map(sheet.photo(gradient=0.7), DEFAULT)
    assert ink.dtype == np.uint8 and ink.shape == (H, W) and ink.max() > 150


def test_params_are_frozen_and_documented():
    params = SegmentParams(low_threshold=20)
    with pytest.raises(Exception):
        params.low_threshold = 30  # type: ignore[misc]
    assert find_candidates(np.full((H, W), 200, np.uint8), params) == []


def test_faint_pencil_lowers_the_thresholds_and_is_found():
    """Pencil 18 % darker than the paper peaks below the high threshold: a pen-set threshold finds nothing."""
    sheet = Sheet()
    row_of_digits(sheet, [3, 5, 8], 50, 100, 200, 40)
    photo = sheet.photo(paper=120, darkness=0.18, noise=1.5)
    faint = thresholds(ink_map(photo, DEFAULT), DEFAULT)
    assert faint.high_threshold < DEFAULT.high_threshold and faint.low_threshold < DEFAULT.low_threshold
    assert faint.low_threshold >= DEFAULT.faint_floor
    assert np.percentile(ink_map(photo, DEFAULT), 99.9) < DEFAULT.high_threshold  # hysteresis at 56 would keep none
    assert_matches(find_candidates(photo), sheet.boxes, min_iou=0.6)


def test_pen_on_paper_keeps_the_set_thresholds_and_blank_paper_finds_nothing():
    sheet = Sheet()
    row_of_digits(sheet, [3, 5, 8], 50, 100, 200, 40)
    assert thresholds(ink_map(sheet.photo(noise=3), DEFAULT), DEFAULT) == DEFAULT
    assert find_candidates(Sheet().photo(paper=120, noise=3)) == []


def touching_pair(sheet: Sheet) -> None:
    """A tall 4 and a shorter 7 touching it, bottoms level."""
    four, seven = digit(index_of(4, 1), 64), digit(index_of(7, 1), 48)
    sheet.draw(four, 200, 150, known=False)
    sheet.draw(seven, 200 + four.shape[1] - 2, 150 + 64 - 48, known=False)


def test_touching_digits_of_different_heights_get_a_tentative_cut():
    """The 7 spans too little of the pair's height for a firm cut, so the cut is tentative (the reader keeps
    it only when the uncut pair is no sure digit); with the loose rule off the pair stays one candidate."""
    sheet = Sheet()
    touching_pair(sheet)
    found = find_candidates(sheet.photo(noise=2))
    assert len(found) == 2 and all(c.tentative for c in found) and found[0].whole is found[1].whole
    assert sorted(c.box[3] for c in found)[1] > sorted(c.box[3] for c in found)[0] + 10
    off = SegmentParams(loose_touch_height=DEFAULT.touch_height)
    assert len(find_candidates(sheet.photo(noise=2), off)) == 1


def test_a_blank_page_is_dark_ink_and_holds_no_candidates():
    """Paper grain has no skew to speak of: read inverted, the grain itself would be "ink" everywhere."""
    page = Sheet().photo(noise=3, gradient=0.2)
    assert not light_ink(page, DEFAULT)
    assert thresholds(ink_map(page, DEFAULT), DEFAULT) == DEFAULT  # no ink stands out: the set thresholds stay
    assert find_candidates(page) == []


def test_a_page_mostly_in_shadow_is_still_dark_ink():
    """A shadow's soft edge tips the skew a little to the bright side, and the shadow makes the median pixel
    dark: the ground is judged on the frame's brighter quarter, which a shadow leaves lit (a board has none)."""
    sheet = Sheet()
    row_of_digits(sheet, [3, 5, 8], 40, 60, 60, 30)
    page = sheet.photo(paper=210, darkness=0.15, noise=3, color=False).astype(np.float32)
    h, w = page.shape
    y, x = np.mgrid[:h, :w]
    page = np.clip(page * (1 - 0.6 / (1 + np.exp(-(x + 0.5 * y - 0.45 * w) / 4))), 0, 255).astype(np.uint8)
    assert np.median(page) < DEFAULT.dark_ground < np.percentile(page, DEFAULT.ground_percentile)
    assert not light_ink(page, DEFAULT)
    assert light_ink(page, SegmentParams(ground_percentile=50))  # judged on the median pixel, as it once was
    found = [c.box for c in find_candidates(page)]
    assert all(max(iou(box, g) for g in found) >= 0.7 for box in sheet.boxes)


def test_a_dark_band_along_the_frame_edge_is_no_digit_but_a_digit_standing_on_it_is():
    """A shadow or the desk at the frame's edge leaves ink along the edge (read as a confident "1"); a whole
    digit touches the edge only with a stroke's end, as a "1" standing on it or a "7" hanging from it."""
    sheet = Sheet()
    row_of_digits(sheet, [3, 5], 60, 200, 200, 40)
    one, seven = digit(index_of(1), 70), digit(index_of(7), 70)
    sheet.draw(one, 450, H - one.shape[0])
    sheet.draw(seven, 540, 0)
    page = sheet.photo(color=False).astype(np.float32)
    band = np.zeros_like(page)
    band[150:290, :16] = 1
    page = np.clip(page * (1 - 0.5 * cv2.GaussianBlur(band, (0, 0), 2)), 0, 255).astype(np.uint8)
    assert len(find_candidates(page, SegmentParams(border_contact=1.01))) == len(sheet.boxes) + 1  # the band
    assert_matches(find_candidates(page), sheet.boxes)


def test_a_ruled_page_turned_a_few_degrees_is_segmented_level_and_boxed_in_the_frame():
    """Digits written across dark rules, the page photographed 6 degrees askew: the rules go, each digit is one
    candidate, and its box is in the frame's own pixels, around the turned digit."""
    page = np.full((480, 640), 235, np.uint8)
    for y in range(40, 480, 40):
        page[y : y + 2] = 120  # rules as dark as a pen line
    blocks = [(120 + 110 * i, 195) for i in range(4)]  # four "digits" standing on the rule at y = 240
    for x, y in blocks:
        cv2.putText(page, "8", (x, y + 45), cv2.FONT_HERSHEY_SIMPLEX, 1.8, 30, 5)
    turn = cv2.getRotationMatrix2D((320, 240), 6.0, 1.0)
    photo = cv2.warpAffine(page, turn, (640, 480), borderValue=235)
    seg = segment(photo)
    assert seg.back is not None  # turned level
    boxes = [c.box for c in find_candidates(photo)]
    assert len(boxes) == 4
    for x, y in blocks:
        cx, cy = turn @ np.array([x + 22, y + 25, 1.0])  # the digit's centre in the photo
        assert any(bx <= cx <= bx + bw and by <= cy <= by + bh and bh < 90 for bx, by, bw, bh in boxes), (cx, cy, boxes)
    assert len(find_candidates(photo, replace(DEFAULT, tilt_cover=99.0))) < 4  # unturned, the rules join them
