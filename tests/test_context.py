"""Context: a digit with letter-sized ink right beside it is a letter inside a word."""
from __future__ import annotations

import numpy as np

from edge.context import in_words


def page() -> np.ndarray:
    return np.zeros((100, 300), np.uint8)


def test_tall_ink_right_beside_a_digit_makes_it_part_of_a_word():
    binary = page()
    binary[20:60, 100:104] = 1  # the "digit"
    binary[30:60, 108:112] = 1  # a letter 4 px away, three quarters of its height
    assert in_words([(100, 20, 4, 40)], [], binary) == [True]


def test_a_comma_far_ink_or_another_crop_beside_a_digit_do_not():
    binary = page()
    binary[20:60, 100:104] = 1
    binary[55:62, 106:108] = 1  # a comma: too short
    binary[20:60, 140:150] = 1  # a letter, but 36 px away (gap 0.2 * 40 = 8 px)
    assert in_words([(100, 20, 4, 40)], [], binary) == [False]
    binary[20:60, 108:112] = 1  # tall ink beside it that is another crop (a digit the model turned down)
    assert in_words([(100, 20, 4, 40)], [(108, 20, 4, 40)], binary) == [False]


def test_dots_of_dotted_paper_in_a_column_do_not_count():
    binary = page()
    binary[20:60, 100:104] = 1
    binary[20:60:8, 107] = 1  # a column of dots spanning the digit's height, none of them tall
    assert in_words([(100, 20, 4, 40)], [], binary) == [False]
