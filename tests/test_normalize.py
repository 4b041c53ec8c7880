"""edge.normalize.to_mnist reproduces MNIST's framing (20 px box, centre of mass at 14, 14)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.normalize import NormalizeParams, ink_box, stroke_ratio, to_mnist, to_mnist_batch

SAMPLE = np.load(Path(__file__).parent / "data" / "mnist_sample.npz")


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    m = cv2.moments(img)  # uint8 28x28: always read as an image
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


def reference_to_mnist(ink: np.ndarray, p: NormalizeParams = NormalizeParams()) -> np.ndarray:
    """The straightforward implementation the model was trained on: whole patch as float32, warpAffine placement.

    `to_mnist` is optimized (uint8 crop-first, slicing instead of warpAffine) but must give the same bytes,
    since training ran every sample through it.
    """
    ink = np.asarray(ink, np.float32)
    out = np.zeros((p.size, p.size), np.uint8)
    found = ink_box(ink, p.ink_threshold)
    if found is None:
        return out
    x, y, w, h = found
    crop = np.ascontiguousarray(ink[y : y + h, x : x + w])
    ratio = stroke_ratio(crop, p.ink_threshold)
    if 0.0 < ratio < p.min_stroke:
        radius = int(np.ceil((p.target_stroke - ratio) * max(crop.shape) / 2))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        crop = cv2.dilate(np.pad(crop, radius), kernel)
    h, w = crop.shape
    scale = p.box / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    small *= 255.0 / max(float(small.max()), 1e-6)
    if small.sum() <= 0:
        return out
    ys, xs = np.indices(small.shape)  # not cv2.moments: it takes an N x 2 float image for N points
    mass = small.astype(np.float64)  # exact sums: a centre at exactly .5 rounds the same way every time
    cx, cy = (xs * mass).sum() / mass.sum(), (ys * mass).sum() / mass.sum()
    shift = np.float32([[1, 0, round(p.center - cx)], [0, 1, round(p.center - cy)]])
    placed = cv2.warpAffine(small, shift, (p.size, p.size), flags=cv2.INTER_NEAREST, borderValue=0)
    return np.clip(placed + 0.5, 0, 255).astype(np.uint8)


def varied_patches(rng: np.random.Generator) -> list[np.ndarray]:
    """Digits at many sizes, thin and thick, rotated, faint, warped like training's augmentation, hairlines,
    ink massed at one end (its placement runs off the canvas), noise, and the odd shapes and dtypes."""
    patches = []
    for k, img in enumerate(SAMPLE["x_train"][:120]):
        f = rng.uniform(0.6, 4.0)
        big = cv2.resize(img, None, fx=f, fy=f if k % 3 else rng.uniform(0.6, 4.0),
                         interpolation=(cv2.INTER_LINEAR, cv2.INTER_AREA, cv2.INTER_NEAREST)[k % 3])
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * (k % 3) + 3,) * 2)
        turn = cv2.getRotationMatrix2D((big.shape[1] / 2, big.shape[0] / 2), rng.uniform(-180, 180), 1.0)
        warp = cv2.getRotationMatrix2D((14, 14), rng.uniform(-30, 30), rng.uniform(1.5, 3.0)) + [[0, 0, 16], [0, 0, 16]]
        canvas = cv2.warpAffine(img, warp, (60, 60), flags=cv2.INTER_LINEAR)
        patches += [big, cv2.erode(big, kernel) if k % 2 else cv2.dilate(big, kernel),
                    cv2.warpAffine(big, turn, (big.shape[1] + 8, big.shape[0] + 8)),
                    cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.5, 1.5)) if k % 2 else canvas,
                    big.astype(np.float32) * rng.uniform(0.1, 1.0)]
    for k in range(60):
        hairline = np.zeros((int(rng.integers(20, 300)), int(rng.integers(20, 300))), np.uint8)
        ends = rng.integers(0, hairline.shape[::-1], (2, 2))
        cv2.line(hairline, tuple(map(int, ends[0])), tuple(map(int, ends[1])), int(rng.integers(40, 256)), 1 + k % 2,
                 (cv2.LINE_8, cv2.LINE_AA)[k % 2])
        lopsided = np.zeros((int(rng.integers(5, 100)), int(rng.integers(5, 100))), np.uint8)
        lopsided[lopsided.shape[0] // 2] = 40  # a long faint tail...
        lopsided[:, : max(1, lopsided.shape[1] // 8)] = 255  # ...and the mass at one end
        noise = rng.random((int(rng.integers(1, 60)), int(rng.integers(1, 60)))) * rng.uniform(0, 300)
        patches += [hairline, np.rot90(lopsided, k % 4), noise.clip(0, 255).astype(np.uint8)]
    patches += [np.full((1, 1), 255, np.uint8), np.full((1, 37), 200, np.uint8), np.full((50, 1), 90, np.uint8),
                np.full((30, 30), 255, np.uint8), np.full((10, 10), 20, np.float32), rng.random((30, 40)) * 255,
                (rng.random((30, 40)) * 70000).astype(np.uint16), rng.random((20, 20)) > 0.5]
    return patches


def test_outputs_are_byte_identical_to_the_reference_implementation():
    patches = varied_patches(np.random.default_rng(0))
    expected = np.stack([reference_to_mnist(p) for p in patches])
    for patch, want in zip(patches, expected):
        np.testing.assert_array_equal(to_mnist(patch), want)
    np.testing.assert_array_equal(to_mnist_batch(patches), expected)


@pytest.mark.parametrize("width", [14, 22, 30])
def test_an_upright_bar_that_shrinks_to_two_pixels_wide_is_kept(width):
    """A drawn "1" about 9x taller than wide becomes 20x2 after the resize; it must stay a centred bar."""
    ink = np.zeros((280, 280), np.uint8)
    cv2.line(ink, (140, 50), (140, 230), 255, width, cv2.LINE_AA)
    out = to_mnist(ink)
    assert out.max() == 255
    cx, cy = centre_of_mass(out)
    assert abs(cx - 14) <= 1 and abs(cy - 14) <= 1
    _, _, w, h = ink_box(out)
    assert h == 20 and w <= 4


def test_other_looks_shift_and_scale_each_input_look_by_look():
    from edge.normalize import LOOKS, other_looks

    batch = np.zeros((2, 28, 28), np.uint8)
    batch[0, 10:18, 12:16] = 255
    batch[1, 4:24, 13:15] = 255
    looks = other_looks(batch)
    assert looks.shape == (len(LOOKS) * 2, 28, 28) and looks.dtype == np.uint8
    right = looks[0]  # the first look of the first input: one pixel to the right
    assert right[10:18, 13:17].min() == 255 and right[:, 12].max() == 0
    smaller, larger = looks[2 * 2 + 1], looks[3 * 2 + 1]  # the second input, 10 % smaller and larger
    assert (smaller > 127).sum() < (batch[1] > 127).sum() < (larger > 127).sum()


def test_cut_halo_keeps_a_blurred_strokes_core_and_drops_its_soft_edge():
    from edge.normalize import cut_halo

    sharp = np.zeros((28, 28), np.uint8)
    sharp[4:24, 13:15] = 255
    blurred = cv2.GaussianBlur(sharp, (0, 0), 2.0)
    blurred = (blurred * (255.0 / blurred.max())).astype(np.uint8)  # as `to_mnist` gives it: peak 255
    cut = cut_halo(np.stack([blurred, sharp]), floor=0.4)
    assert cut.dtype == np.uint8 and cut.max() == 255
    assert (cut[0] > 0).sum() < 0.6 * (blurred > 0).sum()  # the halo goes...
    assert (cut[0] > 0).sum() >= (sharp > 0).sum() // 2 and cut[0, 14, 13:15].min() > 200  # ...the core stays
    assert np.array_equal(cut[1], sharp)  # a crisp stroke has no halo to lose
    assert (cut[0][blurred < 0.4 * 255] == 0).all()
