"""Paper lines: long thin lines and faint broken rules leave the 0/1 ink, strokes crossing them stay."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.lines import grid_dots, level, odd, opened_across, remove_lines, shrunk, slant, thin_ink, turn_box
from edge.segment import DEFAULT


def test_odd_kernel_sizes():
    assert [odd(n) for n in (0, 1, 2.9, 3, 4, 7.5)] == [1, 1, 3, 3, 5, 7]


def test_thin_ink_is_what_an_opening_across_the_line_removes():
    ink = np.zeros((40, 40), np.uint8)
    ink[10, 5:35] = 1  # a 1 px rule
    ink[20:26, 5:35] = 1  # a 6 px bar
    across_rows = (1, 0)  # a horizontal line: thickness counted down the rows
    assert thin_ink(ink, across_rows, 3)[10].sum() == 30 and thin_ink(ink, across_rows, 3)[20:26].sum() == 0
    assert opened_across(ink, across_rows, 3)[10].sum() == 0


def test_a_long_rule_and_a_broken_one_go_a_stroke_crossing_them_stays():
    h, w = 720, 1280  # a unit of 720: rules (2 px) are thinner than the broken-rule search's floor
    ink = np.zeros((h, w), np.uint8)
    ink[100:102, :] = 1  # an unbroken rule
    for x in range(0, w, 90):
        ink[300:302, x : x + 40] = 1  # a rule broken into 40 px dashes, 44 % of the width
    ink[250:350, 600:608] = 1  # an 8 px stroke crossing the broken rule
    kept, removed = remove_lines(ink, min(h, w), DEFAULT)
    assert kept[100:102].sum() == 0 and removed[100:102].sum() == 2 * w
    assert kept[300:302, :590].sum() == 0  # the dashes left of the stroke are gone
    assert kept[250:350, 600:608].all()  # the stroke, where it crosses the rule too


def test_a_close_up_digits_straight_stem_stays_a_grid_line_down_the_frame_goes():
    h, w = 480, 640
    ink = np.zeros((h, w), np.uint8)
    ink[48:432, 300:306] = 1  # the straight stem of a "1" 80 % of the frame tall (a close-up)
    ink[:, 500:502] = 1  # a squared page's vertical line, top to bottom
    kept, removed = remove_lines(ink, min(h, w), DEFAULT)
    assert kept[48:432, 300:306].all() and not removed[:, 280:320].any()
    assert kept[:, 500:502].sum() == 0


def test_grid_dots_are_dots_on_a_lattice_not_small_round_letters():
    grid = np.array([(x, y, x + 5, y + 5) for y in range(10, 300, 30) for x in range(10, 400, 30)])
    pixels = np.full(len(grid), 20)  # a disc of 5 px fills 20 of its 25 pixels
    assert grid_dots(grid, pixels, 17, DEFAULT).all()
    rng = np.random.default_rng(0)  # the same dots scattered, as the small letters of a page of notes
    shift_x, shift_y = rng.integers(-12, 12, (len(grid), 1)), rng.integers(-9, 9, (len(grid), 1))
    scattered = grid + shift_x * np.array([1, 0, 1, 0]) + shift_y * np.array([0, 1, 0, 1])
    assert not grid_dots(scattered, pixels, 17, DEFAULT).any()
    gappy = np.random.default_rng(1).random(len(grid)) < 0.7  # faint dots lost as specks here and there
    assert grid_dots(grid[gappy], pixels[gappy], 17, DEFAULT).sum() >= 0.8 * gappy.sum()
    assert not grid_dots(grid[:20], pixels[:20], 17, DEFAULT).any()  # too few: a dotted stroke, an "i"
    assert not grid_dots(grid, pixels, 5, DEFAULT).any()  # as big as a digit may be: no dot


def ruled_page(degrees: float, h: int = 480, w: int = 640, pitch: int = 40) -> np.ndarray:
    """0/1 ink of a page of 2 px rules turned `degrees` counter-clockwise about its centre."""
    page = np.zeros((h, w), np.uint8)
    for y in range(pitch // 2, h, pitch):
        page[y : y + 2] = 255
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return (cv2.warpAffine(page, turn, (w, h)) > 127).astype(np.uint8)


@pytest.mark.parametrize("degrees", [-7.0, -3.0, 2.0, 5.0])
def test_the_slant_of_a_turned_ruled_page_is_found(degrees):
    assert abs(slant(ruled_page(degrees), 480, DEFAULT) - degrees) <= 0.5


def test_a_level_page_and_a_page_of_digits_have_no_slant():
    assert slant(ruled_page(0.0), 480, DEFAULT) == 0.0
    assert slant(ruled_page(0.5), 480, DEFAULT) == 0.0  # within the line search's own slack
    strokes = np.zeros((480, 640), np.uint8)
    for x in range(40, 600, 60):  # a row of digit-like strokes: flat bars and upright stems, turned 6 degrees
        strokes[200:204, x : x + 16] = 1
        strokes[170:230, x + 40 : x + 44] = 1
    turn = cv2.getRotationMatrix2D((320, 240), 6.0, 1.0)
    assert slant(cv2.warpAffine(strokes, turn, (640, 480)), 480, DEFAULT) == 0.0


def test_levelling_turns_the_ink_back_and_boxes_map_to_the_frame():
    ink = np.zeros((480, 640), np.uint8)
    ink[100:160, 300:340] = 200  # a block on a page turned 5 degrees
    levelled, back = level(ink, 5.0)
    assert levelled.shape[0] > 480 and levelled.shape[1] > 640  # the canvas holds every corner
    ys, xs = np.nonzero(levelled > 100)
    box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    x, y, w, h = turn_box(box, back, ink.shape)
    assert abs(x - 300) <= 8 and abs(y - 100) <= 8 and abs(x + w - 340) <= 8 and abs(y + h - 160) <= 8
    assert turn_box((0, 0, levelled.shape[1], levelled.shape[0]), back, ink.shape) == (0, 0, 640, 480)


def test_a_levelled_pages_thin_rules_survive_the_shrunk_copy():
    ink = np.zeros((40, 40), np.uint8)
    ink[11, ::2] = 1  # a rule a pixel thin, faded every other pixel: a quarter of each shrunk pixel
    assert shrunk(ink, 0.5).sum() == 0  # rounded away
    assert shrunk(ink, 0.5, every=True)[5].all()
