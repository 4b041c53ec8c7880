"""The camera's stages: kernels, noise drawn in chunks, and stages that are off drawing nothing."""
import cv2
import numpy as np
import pytest

from bench.camera import LOOKS, Look, add_noise, camera, disc_kernel, motion_kernel


@pytest.mark.parametrize("length, angle", [(5.0, 0.0), (11.0, 0.7), (7.5, np.pi / 2)])
def test_motion_kernel_is_a_streak_of_its_length(length, angle):
    kernel = motion_kernel(length, angle)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-5)
    ys, xs = np.nonzero(kernel > kernel.max() * 0.2)
    extent = np.hypot(xs.max() - xs.min(), ys.max() - ys.min()) + 1
    assert extent == pytest.approx(length, abs=2.0)


def test_disc_kernel_is_round_and_of_its_radius():
    kernel = disc_kernel(3.0)
    assert kernel.shape == (7, 7) and kernel.sum() == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(kernel, kernel.T, atol=1e-3) and kernel[3, 3] > kernel[0, 0]


def test_noise_in_chunks_is_the_noise_of_one_draw():
    image = np.zeros((600, 900, 3), np.float32)
    add_noise(image, np.random.default_rng(4), 3.0)
    expected = np.random.default_rng(4).normal(0, 3.0, image.shape).astype(np.float32)
    assert np.array_equal(image, expected)


def test_a_clean_look_only_adds_fixed_noise():
    page = np.full((60, 80, 3), 200.0)
    frame, h_matrix = camera(page.copy(), np.random.default_rng(1), LOOKS["clean"])
    assert h_matrix is None and frame.dtype == np.uint8
    assert abs(frame.astype(float).mean() - 200) < 0.5 and 0.5 < frame.std() < 3


def test_the_heavy_look_blurs_an_edge_by_several_pixels():
    page = np.full((120, 160, 3), 230.0)
    page[:, 80:] = 30.0
    edges = []
    for seed in range(6):
        frame, _ = camera(page.copy(), np.random.default_rng(seed), LOOKS["heavy"])
        row = frame[60, :, 1].astype(float)
        edges.append(((row > 60) & (row < 180)).sum())
    assert np.median(edges) >= 3


def test_a_stage_that_is_off_draws_nothing():
    plain, graded = Look(), Look(gradient=None, shadow=None, vignette=None, jpeg=None)
    a = camera(np.full((30, 40, 3), 128.0), np.random.default_rng(2), plain)[0]
    b = camera(np.full((30, 40, 3), 128.0), np.random.default_rng(2), graded)[0]
    assert np.array_equal(a, b)


def test_a_tilted_look_turns_the_page_and_still_fills_the_frame():
    """A page of level rules comes out slanted by the drawn angle, with no unpainted corner."""
    page = np.full((240, 320, 3), 230.0)
    page[30::60] = 60.0  # level rules
    frame, h_matrix = camera(page.copy(), np.random.default_rng(0), Look(tilt=(5.0, 5.0), noise=(0.0, 0.0)))
    angle = np.degrees(np.arctan2(-h_matrix[1, 0], h_matrix[0, 0]))
    assert abs(abs(angle) - 5.0) < 1e-6
    assert frame[[0, 0, -1, -1], [0, -1, 0, -1]].min() > 40  # the turned page covers every corner
    dark = frame[:, :, 0] < 150
    start = 100 + int(np.flatnonzero(dark[100:160, 40])[0])  # a rule at column 40...
    near = np.flatnonzero(dark[start - 30 : start + 30, 280]) + start - 30  # ...and at column 280
    rise = np.abs(near - start).min()
    assert abs(rise - 240 * np.tan(np.radians(5.0))) <= 3


def test_a_desk_look_lays_the_page_on_a_desk_narrower_at_its_far_edge():
    """The whole page lands inside the frame, its top edge shorter than its bottom one, the desk around it;
    the homography returned carries the page's corners there (and so the truth boxes)."""
    page = np.full((240, 320, 3), 230.0)
    look = Look(desk=(0.6, 0.6), keystone=(0.1, 0.1), noise=(0.0, 0.0))
    frame, h_matrix = camera(page.copy(), np.random.default_rng(3), look)
    corners = cv2.perspectiveTransform(np.float32([[[0, 0]], [[320, 0]], [[320, 240]], [[0, 240]]]), h_matrix)
    (tl, tr, br, bl) = corners.reshape(4, 2)
    assert np.isclose(tr[0] - tl[0], 0.8 * (br[0] - bl[0]), rtol=0.01)  # the far edge 10 % narrower each side
    assert np.isclose(br[0] - bl[0], 0.6 * 320, rtol=0.01) and np.isclose(bl[1] - tl[1], 0.6 * 240, rtol=0.01)
    assert corners.min() >= 0 and (corners[..., 0] <= 320).all() and (corners[..., 1] <= 240).all()
    inside = frame[int(tl[1]) + 5 : int(bl[1]) - 5, int(tl[0]) + 5 : int(tr[0]) - 5]
    assert abs(inside.mean() - 230) < 3  # the page
    outside = np.ones(frame.shape[:2], np.uint8)
    cv2.fillConvexPoly(outside, corners.reshape(4, 2).astype(np.int32), 0)
    outside = cv2.erode(outside, np.ones((5, 5), np.uint8)).astype(bool)
    assert outside.any() and abs(frame[outside].mean() - 230) > 10  # the desk, another colour
