"""Generated non-digit marks: normalized like digits, varied, seeded."""
import copy

import numpy as np

from edge.normalize import ink_box
from train.nondigits import KINDS, NonDigitParams, draw_glyph, draw_piece, nondigit_batch


def test_marks_are_normalized_inputs(mnist_sample):
    marks = nondigit_batch(60, np.random.default_rng(1), mnist_sample[0])
    assert marks.shape == (60, 28, 28) and marks.dtype == np.uint8
    assert (marks.reshape(60, -1).max(1) == 255).all()  # every mark has ink, peak like MNIST's pen


def test_marks_are_seeded_and_varied(mnist_sample):
    a = nondigit_batch(40, np.random.default_rng(5), mnist_sample[0])
    b = nondigit_batch(40, np.random.default_rng(5), mnist_sample[0])
    np.testing.assert_array_equal(a, b)
    distinct = {m.tobytes() for m in a}
    assert len(distinct) == 40


def test_every_kind_is_drawn(mnist_sample):
    for kind in KINDS:
        weights = tuple(1.0 if k == kind else 0.0 for k in KINDS)
        marks = nondigit_batch(5, np.random.default_rng(2), mnist_sample[0], NonDigitParams(kind_weights=weights))
        assert (marks.reshape(5, -1).max(1) > 0).all(), kind


def test_bars_stay_flat(mnist_sample):
    """A steep bar would be a "1": bars are wider than tall."""
    weights = tuple(1.0 if k == "bar" else 0.0 for k in KINDS)
    for m in nondigit_batch(20, np.random.default_rng(3), mnist_sample[0], NonDigitParams(kind_weights=weights)):
        ys, xs = np.nonzero(m > 64)
        assert np.ptp(xs) > np.ptp(ys)


def test_pieces_are_one_side_of_a_cut_letter():
    """What the touching-digit cut leaves of an "m": part of the letter, never a bare upright stroke."""
    p = NonDigitParams()
    rng = np.random.default_rng(4)
    sides = 0
    for _ in range(20):
        letter = draw_glyph(copy.deepcopy(rng), p, p.piece_glyphs)  # the letter its first try cuts
        piece = draw_piece(rng, p)
        _, _, w, h = ink_box(piece)
        assert w >= p.piece_min_aspect * h
        if np.all((piece == 0) | (piece == letter)):
            sides += 1
            assert 0 < piece.sum() < letter.sum()
    assert sides >= 15  # the others are a second try's letter
