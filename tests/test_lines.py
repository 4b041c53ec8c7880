"""Paper lines: long thin lines and faint broken rules leave the 0/1 ink, strokes crossing them stay."""
from __future__ import annotations

import numpy as np

from edge.lines import grid_dots, odd, opened_across, remove_lines, thin_ink
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
