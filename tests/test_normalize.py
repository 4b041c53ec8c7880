"""edge.normalize.to_mnist reproduces MNIST's framing (20 px box, centre of mass at 14, 14)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.normalize import NormalizeParams, ink_box, stroke_ratio, to_mnist, to_mnist_batch

SAMPLE = np.load(Path(__file__).parent / "data" / "mnist_sample.npz")


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    m = cv2.moments(img.astype(np.float32))
    return m["m10"] / m["m00"], m["m01"] / m["m00"]


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0, 9.0])
def test_any_size_lands_in_mnist_framing(scale):
    for img in SAMPLE["x_test"][:20]:
        big = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        out = to_mnist(np.pad(big, 17))  # off-centre margins must not matter
        assert out.shape == (28, 28) and out.dtype == np.uint8 and out.max() == 255
        cx, cy = centre_of_mass(out)
        assert abs(cx - 14) <= 1 and abs(cy - 14) <= 1
        _, _, w, h = ink_box(out)
        assert 18 <= max(w, h) <= 22


def test_mnist_itself_is_nearly_unchanged():
    imgs = SAMPLE["x_test"][:50]
    out = to_mnist_batch(imgs)
    assert out.shape == (50, 28, 28) and out.dtype == np.uint8
    agree = [np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1] for a, b in zip(imgs, out)]
    assert np.median(agree) > 0.9


def test_empty_patch_gives_zeros():
    assert not to_mnist(np.zeros((40, 30), np.uint8)).any()
    assert not to_mnist(np.full((10, 10), 20, np.float32)).any()  # below the ink threshold
    assert to_mnist_batch([]).shape == (0, 28, 28)


def test_hairline_strokes_are_thickened():
    patch = np.zeros((300, 200), np.uint8)
    cv2.line(patch, (100, 20), (100, 280), 255, 1)  # a "1" drawn with a fine pen, seen large
    cv2.line(patch, (100, 20), (70, 60), 255, 1)
    assert stroke_ratio(patch) < NormalizeParams().min_stroke
    out = to_mnist(patch)
    assert stroke_ratio(out) >= 0.08  # MNIST-like stroke width, not a vanishing hairline
    assert (out > 128).sum() >= 30


def test_faint_ink_is_stretched_like_pen():
    img = (SAMPLE["x_test"][3].astype(np.float32) * 0.3)
    out = to_mnist(img)
    assert out.max() == 255
