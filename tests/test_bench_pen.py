"""Pens: MNIST's strokes kept, or the skeleton redrawn at a chosen width, connected and the right width."""
import cv2
import numpy as np
import pytest

from bench.pen import digit_shape, pen_shape, skeleton


def test_skeleton_of_a_thick_bar_is_a_one_pixel_line():
    mask = np.zeros((40, 120), bool)
    mask[12:28, 10:110] = True
    line = skeleton(mask)
    assert line[:, 20:100].sum(axis=0).max() == 1 and line[:, 20:100].any(axis=0).all()


def test_skeleton_keeps_a_ring_closed():
    ring = np.zeros((80, 80), np.uint8)
    cv2.circle(ring, (40, 40), 25, 1, 9)
    line = skeleton(ring.astype(bool)).astype(np.uint8)
    count, _ = cv2.connectedComponents(line, connectivity=8)
    holes, _ = cv2.connectedComponents(1 - line, connectivity=4)
    assert count == 2 and holes == 3, "one line, the inside and the outside"


@pytest.mark.parametrize("height, width", [(60, 1.2), (150, 2.0), (300, 6.0), (200, 20.0)])
def test_pen_width_is_what_was_asked(mnist_sample, height, width):
    measured = []
    for image in mnist_sample[2][:6]:
        mask = pen_shape(image, height, 0.0, width) > 0.5
        measured.append(mask.sum() / max(1, skeleton(mask).sum()))
    assert np.median(measured) == pytest.approx(width, rel=0.35, abs=0.8)


def test_a_thin_pen_keeps_a_connected_digit_in_one_piece(mnist_sample):
    x, y = mnist_sample[2], mnist_sample[3]
    for image in x[y == 0][:5]:  # zeros: one closed stroke in MNIST
        mask = (pen_shape(image, 200, 0.0, 2.5) > 0.2).astype(np.uint8)
        assert cv2.connectedComponents(mask, connectivity=8)[0] == 2


def test_heights_and_turns(mnist_sample):
    image = mnist_sample[2][0]
    assert 0.8 * 120 <= pen_shape(image, 120, 0.0, 3.0).shape[0] <= 120 + 3  # the skeleton stops short of the ends
    assert digit_shape(image, 120, 0.0).shape[0] == 120
    upright, turned = digit_shape(image, 100, 0.0), digit_shape(image, 100, 40.0)
    assert turned.shape[1] > upright.shape[1]
