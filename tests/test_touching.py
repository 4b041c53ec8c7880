"""Touching digits: where a group is cut, on small hand-made ink masks."""
from __future__ import annotations

import numpy as np

from edge.segment import DEFAULT
from edge.touching import cuts, touch_cut, touch_spans


def ring(h: int, w: int) -> np.ndarray:
    """A 0-like outline: two strokes cross every inner column."""
    own = np.zeros((h, w), bool)
    own[[0, 1, -2, -1], :] = True
    own[:, [0, 1, -2, -1]] = True
    return own


def test_cuts_go_to_the_ink_minima_near_even_spacing():
    profile = np.array([5, 5, 5, 1, 5, 5, 5, 5, 0, 5, 5, 5], np.float32)
    assert cuts(profile, 3, DEFAULT) == [0, 3, 8, 12]


def test_a_one_touching_a_zero_is_cut_at_the_single_stroke_between_them():
    one, zero = np.ones((40, 4), bool), ring(40, 24)
    own = np.hstack([one, np.zeros((40, 3), bool), zero])
    own[20, 4:7] = True  # a one-pixel bridge
    profile = np.count_nonzero(own, axis=0)
    cut = touch_cut(own, profile, DEFAULT, DEFAULT.touch_height)
    assert 4 <= cut <= 7
    assert touch_spans(own, profile, 0, own.shape[1], DEFAULT) == [(0, cut), (cut, own.shape[1])]


def test_a_zero_alone_and_a_short_neighbour_under_the_firm_rule_are_not_cut():
    zero = ring(40, 30)
    assert touch_cut(zero, np.count_nonzero(zero, axis=0), DEFAULT, DEFAULT.touch_height) is None
    short = np.zeros((40, 4), bool)
    short[10:, :] = True  # a "1" spanning 75 % of the pair's height
    own = np.hstack([ring(40, 24), np.zeros((40, 3), bool), short])
    own[30, 22:28] = True  # bridged to the 0
    profile = np.count_nonzero(own, axis=0)
    assert touch_cut(own, profile, DEFAULT, DEFAULT.touch_height) is None
    assert 24 <= touch_cut(own, profile, DEFAULT, DEFAULT.loose_touch_height) <= 27  # the loose rule cuts it
