"""Augmentation keeps each digit recognisable as itself, stays in range, is seeded, and ends normalized."""
import cv2
import numpy as np
import pytest

from edge.normalize import to_mnist
from train.augment import AugmentParams, add_flag, affine_matrix, augment_batch, bend, camera_blur, repen, warp


def centre_of_mass(img: np.ndarray) -> np.ndarray:
    ys, xs = np.mgrid[: img.shape[0], : img.shape[1]]
    m = img.astype(np.float64)
    return np.array([(m * xs).sum(), (m * ys).sum()]) / m.sum()


def test_batch_is_uint8_normalized_and_seeded(mnist_sample):
    x = mnist_sample[0][:64]
    a = augment_batch(x, np.random.default_rng(7))
    b = augment_batch(x, np.random.default_rng(7))
    c = augment_batch(x, np.random.default_rng(8))
    assert a.shape == x.shape and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    for img in a:  # the runner's framing: ink peaks at 255, centred near (14, 14)
        assert img.max() == 255
        assert np.abs(centre_of_mass(img) - 14.0).max() <= 1.0


def test_augmentation_changes_but_keeps_the_digit(mnist_sample):
    """Every augmented digit stays closest to a template of its own class among its class' neighbours."""
    x, y = mnist_sample[0], mnist_sample[1]
    aug = augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0))
    changed = np.mean([np.abs(a.astype(int) - to_mnist(o)).mean() > 2 for a, o in zip(aug, x)])
    assert changed > 0.9
    # ink stays: no digit is wiped out by erosion or pushed off the canvas
    assert (aug.reshape(len(aug), -1) > 128).sum(1).min() >= 15


def test_bend_moves_strokes_smoothly_and_keeps_the_ink(mnist_sample):
    """The elastic field moves the strokes without wiping out ink or moving the digit away; seeded; sized."""
    p = AugmentParams(elastic_probability=1.0, elastic_shift=1.0)
    canvas = warp(mnist_sample[0][0], affine_matrix(zoom=2, canvas=84), 84)
    a = bend(canvas, np.random.default_rng(3), p)
    assert a.shape == canvas.shape and a.dtype == np.uint8
    np.testing.assert_array_equal(a, bend(canvas, np.random.default_rng(3), p))
    assert (a != canvas).mean() > 0.02
    assert abs(int(a.sum()) - int(canvas.sum())) < 0.15 * canvas.sum()
    assert np.abs(centre_of_mass(a) - centre_of_mass(canvas)).max() < 4  # 2 MNIST pixels
    assert (bend(canvas, np.random.default_rng(3), AugmentParams(elastic_shift=3.0)) != a).any()


def test_camera_blur_smears_the_strokes_keeps_the_ink_and_is_seeded(mnist_sample):
    canvas = warp(mnist_sample[0][0], affine_matrix(zoom=2, canvas=84), 84)
    p = AugmentParams(camera_blur_probability=1.0)
    a = camera_blur(canvas, np.random.default_rng(5), p)
    np.testing.assert_array_equal(a, camera_blur(canvas, np.random.default_rng(5), p))
    assert a.shape == canvas.shape and a.dtype == np.uint8
    assert (a > 0).sum() > 1.2 * (canvas > 0).sum()  # smeared over more pixels...
    assert a.max() < canvas.max() and abs(int(a.sum()) - int(canvas.sum())) < 0.1 * canvas.sum()  # ...same ink
    assert np.abs(centre_of_mass(a) - centre_of_mass(canvas)).max() < 2


def test_camera_blur_off_keeps_the_committed_stream(mnist_sample):
    x = mnist_sample[0][:50]
    off = augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0))
    np.testing.assert_array_equal(off, augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0, camera_blur_probability=0.0)))
    assert (off != augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0, camera_blur_probability=1.0))).any()


def test_bent_digits_keep_their_ink_and_differ_from_unbent(mnist_sample):
    x = mnist_sample[0][:100]
    bent = augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0, elastic_probability=1.0))
    assert (bent.reshape(len(bent), -1) > 128).sum(1).min() >= 15
    assert (bent != augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0))).any()


def test_rotation_matrix_turns_counter_clockwise():
    img = np.zeros((28, 28), np.uint8)
    img[4:8, 12:16] = 255  # a blob above the centre
    turned = warp(img, affine_matrix(angle=90, canvas=28), 28)
    com = centre_of_mass(turned)
    assert com[0] < 10 and abs(com[1] - 14) < 2  # now left of the centre


def test_params_are_one_documented_place():
    p = AugmentParams()
    d = p.as_dict()
    assert d["rotation"] == 45.0 and 0 < d["nondigit_fraction"] < 0.5


def test_shares_outside_0_to_1_and_impossible_bends_are_refused():
    with pytest.raises(ValueError, match="clean fraction"):
        AugmentParams(clean_fraction=-0.1)
    with pytest.raises(ValueError, match="non-digit fraction"):
        AugmentParams(nondigit_fraction=1.0)
    with pytest.raises(ValueError, match="camera blur probability"):
        AugmentParams(camera_blur_probability=-0.1)
    with pytest.raises(ValueError, match="elastic probability"):
        AugmentParams(elastic_probability=1.5)
    with pytest.raises(ValueError, match="pen probability"):
        AugmentParams(pen_probability=1.2)
    with pytest.raises(ValueError, match="elastic shift"):
        AugmentParams(elastic_shift=-1.0)
    with pytest.raises(ValueError, match="smoothness above 0"):
        AugmentParams(elastic_smoothness=0.0)


def test_a_flagged_one_gains_a_stroke_down_to_the_left_of_its_top(mnist_sample):
    """The continental 1: new ink left of the stem's top and below it, none on the right; the stem kept."""
    x, y = mnist_sample[0], mnist_sample[1]
    one = x[y == 1][0]
    flagged = add_flag(one, np.random.default_rng(0), AugmentParams(flagged_ones=1.0))
    rows = np.flatnonzero((one > 100).any(axis=1))
    top_x = np.flatnonzero(one[rows[0]] > 100).mean()
    new = (flagged > 100) & (one <= 100)
    ys, xs = np.nonzero(new)
    assert len(ys) >= 6
    assert (xs < top_x).mean() > 0.85 and (ys >= rows[0] - 2).all()  # a round pen end pokes out by half a stroke
    assert ((flagged > 100) | (one <= 100)).mean() > 0.97  # the stem's ink is still there


def test_only_ones_get_flags_and_none_when_off(mnist_sample):
    x, y = mnist_sample[0][:60], mnist_sample[1][:60]
    p = AugmentParams(clean_fraction=1.0)
    plain = augment_batch(x, np.random.default_rng(0), p)
    np.testing.assert_array_equal(plain, augment_batch(x, np.random.default_rng(0), p, y))  # off: same stream
    flagged = augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=1.0, flagged_ones=1.0), y)
    changed = (flagged != plain).reshape(len(x), -1).any(axis=1)
    assert changed[y == 1].all() and not changed[y != 1].any()


def test_an_even_pen_draws_one_width_along_the_stroke_middle():
    """A stroke that swells from 3 to 15 pixels comes back as one even line along its middle, as long as before."""
    canvas = np.zeros((84, 84), np.uint8)
    for x in range(10, 75):
        half = 1 + 6 * (x - 10) // 64
        canvas[42 - half : 42 + half + 1, x] = 255
    drawn = repen(canvas, 2.0)
    widths = (drawn > 127).sum(axis=0)[15:65]  # (a square end of a wide stroke leaves a fork in it)
    assert drawn.dtype == np.uint8 and widths.max() - widths.min() <= 1 and 4 <= widths.mean() <= 6
    rows = np.flatnonzero((drawn > 127).any(axis=1))
    assert abs(rows.mean() - 42) <= 1  # along the middle
    cols = np.flatnonzero((drawn > 127).any(axis=0))
    assert cols[0] <= 14 and cols[-1] >= 70
    assert not repen(np.zeros((84, 84), np.uint8), 2.0).any()


def test_an_even_pen_never_breaks_a_stroke(mnist_sample):
    """Even the finest pen keeps every digit in as many pieces as it had (a ridge of the distance map did not:
    it broke nearly every digit where the stroke narrows)."""
    for image in mnist_sample[0][:40]:
        canvas = cv2.resize(image, (84, 84), interpolation=cv2.INTER_LINEAR)
        pieces = cv2.connectedComponents((canvas > 127).astype(np.uint8))[0]
        assert cv2.connectedComponents((repen(canvas, 0.5) > 60).astype(np.uint8))[0] <= pieces


def test_even_pen_off_keeps_the_committed_stream(mnist_sample):
    x = mnist_sample[0][:50]
    off = augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0))
    np.testing.assert_array_equal(off, augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0, pen_probability=0.0)))
    penned = augment_batch(x, np.random.default_rng(0), AugmentParams(clean_fraction=0.0, pen_probability=1.0))
    assert (penned != off).any() and (penned.reshape(len(x), -1) > 128).sum(1).min() >= 15
