"""Generated non-digit marks: normalized like digits, varied, seeded."""
import numpy as np

from train.nondigits import KINDS, NonDigitParams, nondigit_batch


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
