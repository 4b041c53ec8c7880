"""Non-digit marks: every kind draws ink, hand-drawn ones at the pen width asked for, strokes never upright."""
from dataclasses import replace

import cv2
import numpy as np
import pytest

from bench.marks import DEFAULT, hand_mark, hand_word, mark_shape, tilted


@pytest.mark.parametrize("kind", sorted(set(DEFAULT.hand_kinds)))
def test_every_hand_mark_kind_draws_ink(kind):
    for seed in range(5):
        shape = hand_mark(np.random.default_rng(seed), kind, 60.0, 4.0)
        assert shape.dtype == np.float32 and shape.max() > 0.9 and shape.shape[0] <= 80 and shape.shape[1] <= 80


@pytest.mark.parametrize("kind", ["letter", "scribble", "dot", "line"])
def test_every_distractor_kind_draws_ink(kind):
    shape = mark_shape(np.random.default_rng(0), kind, 50.0)
    assert shape.max() > 0.9 and min(shape.shape) >= 3


def test_straight_strokes_lean_away_from_vertical():
    rng = np.random.default_rng(3)
    for _ in range(200):
        dx, dy = tilted(rng, 10.0, DEFAULT.min_tilt)
        assert np.degrees(np.arctan2(abs(dx), abs(dy))) >= DEFAULT.min_tilt - 1e-9


def test_minus_signs_are_flat_and_pen_wide():
    shape = hand_mark(np.random.default_rng(1), "minus", 80.0, 5.0)
    assert shape.shape[1] > 2.5 * shape.shape[0]


def test_handwritten_words_are_wider_than_tall_and_as_tall_as_asked():
    for seed in range(6):
        shape = hand_word(np.random.default_rng(seed), 50.0, 4.0)
        h, w = shape.shape
        assert shape.max() > 0.9 and w > h and 0.5 * 50 <= h <= 2.0 * 50  # descenders reach below the capitals


def test_words_printed_letter_by_letter_leave_a_gap_between_letters():
    printed = replace(DEFAULT, print_share=1.0, letter_gap=(0.3, 0.3), word_length=(4, 4), capital_share=0.0,
                      hand_fonts=(cv2.FONT_HERSHEY_SIMPLEX,))
    for seed in range(4):
        columns = hand_word(np.random.default_rng(seed), 50.0, 3.0, printed).max(axis=0) > 0.1
        starts = np.flatnonzero(columns[1:] & ~columns[:-1])  # ink resuming after empty columns
        assert len(starts) >= 3  # four letters, three gaps (an "i" or a "j" may add its own)


def test_english_words_are_drawn_from_the_vocabulary():
    def width(word: str) -> int:
        one = replace(DEFAULT, vocabulary=(word,), print_share=0.0, capital_share=0.0, hand_fonts=(cv2.FONT_HERSHEY_SIMPLEX,))
        return hand_word(np.random.default_rng(0), 50.0, 3.0, one, english=True).shape[1]
    assert width("mmmmmm") > 2.5 * width("mm")
