"""The frame generator: deterministic, exact boxes, test digits only, digits apart."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.frames import SUITES, MnistTestSet, camera_frame, make_frame, union

SAMPLE = Path(__file__).parent / "data" / "mnist_sample.npz"


@pytest.fixture(scope="module")
def split():
    with np.load(SAMPLE) as d:
        return d["x_train"], d["y_train"], d["x_test"], d["y_test"]


@pytest.fixture(scope="module")
def digits(split):
    return MnistTestSet.from_split(split)


@pytest.mark.parametrize("suite", list(SUITES))
def test_same_seed_same_frame_and_truth(digits, suite):
    a, b = make_frame(digits, suite, 3, seed=7), make_frame(digits, suite, 3, seed=7)
    assert a.image.shape == (480, 640, 3) and a.image.dtype == np.uint8
    assert np.array_equal(a.image, b.image)
    assert a.digits == b.digits and a.numbers == b.numbers and a.marks == b.marks
    assert a.digits, "every frame holds at least one digit"
    assert not np.array_equal(a.image, make_frame(digits, suite, 3, seed=8).image)


@pytest.mark.parametrize("suite", list(SUITES))
def test_boxes_are_the_tight_box_of_each_digits_ink(digits, suite):
    for index in range(3):
        frame = make_frame(digits, suite, index, seed=1, keep_masks=True)
        painted = np.zeros(frame.image.shape[:2], np.int32)
        for truth, (mask, x, y) in zip(frame.digits, frame.masks):
            ys, xs = np.nonzero(mask)
            ys, xs = ys + y, xs + x
            inside = (xs >= 0) & (ys >= 0) & (xs < 640) & (ys < 480)
            bx, by, bw, bh = truth.box
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (bx, by, bx + bw, by + bh)
            np.add.at(painted, (ys[inside], xs[inside]), 1)
        assert painted.max() <= 1, "two digits share ink pixels"


@pytest.mark.parametrize("suite", ["even", "rotated", "numbers", "sweep"])
def test_every_dark_pixel_is_inside_a_box_and_boxes_hug_the_ink(digits, suite):
    for index in range(3):
        frame = make_frame(digits, suite, index, seed=2)
        gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY).astype(int)
        darkness = np.median(gray) - gray
        covered = np.zeros(gray.shape, bool)
        for truth in frame.digits:
            x, y, w, h = truth.box
            covered[max(0, y - 1) : y + h + 1, max(0, x - 1) : x + w + 1] = True
            inner = darkness[y : y + h, x : x + w]
            for strip in (inner[:2], inner[-2:], inner[:, :2], inner[:, -2:]):  # ink within 2 px of every edge
                assert strip.max() > 12, (suite, index, truth)
        assert not ((darkness > 40) & ~covered).any(), "dark ink outside every ground-truth box"


def test_digits_do_not_overlap(digits):
    for suite in ("even", "rotated", "numbers", "distractors"):
        for index in range(3):
            boxes = [t.box for t in make_frame(digits, suite, index, seed=3).digits]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1 :]:
                    assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


def test_only_test_digits_are_drawn(split, digits):
    x_train, y_train, x_test, y_test = split
    assert digits.images is not x_train and np.array_equal(digits.images, x_test)
    for suite in SUITES:
        for truth in make_frame(digits, suite, 0, seed=4).digits:
            assert 0 <= truth.index < len(x_test) and truth.label == y_test[truth.index]


def test_training_digits_are_refused(split):
    x_train, y_train, x_test, y_test = split
    leaky = np.concatenate([x_test[:50], x_train[:1]])
    with pytest.raises(ValueError, match="training digits"):
        MnistTestSet.from_split((x_train, y_train, leaky, np.concatenate([y_test[:50], y_train[:1]])))


def test_numbers_truth_is_its_digits(digits):
    frame = make_frame(digits, "numbers", 0, seed=5)
    assert len(frame.numbers) >= 2
    for number in frame.numbers:
        x, y, w, h = number.box
        members = [t for t in frame.digits if x <= t.box[0] and t.box[0] + t.box[2] <= x + w and y <= t.box[1]
                   and t.box[1] + t.box[3] <= y + h]
        members.sort(key=lambda t: t.box[0])
        assert "".join(str(t.label) for t in members) == number.text and 2 <= len(number.text) <= 5
        assert union([t.box for t in members]) == number.box


def test_sweep_cycles_through_its_angles(digits):
    angles = SUITES["sweep"].angles
    got = [make_frame(digits, "sweep", i).digits[0].angle for i in range(len(angles))]
    assert got == list(angles) and len(make_frame(digits, "sweep", 0).digits) == 1


def test_distractor_marks_are_on_the_page_and_apart_from_digits(digits):
    frame = make_frame(digits, "distractors", 0, seed=6)
    assert frame.marks
    for m in frame.marks:
        for t in frame.digits:
            a, b = m, t.box
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


def test_camera_frames_cycle_through_0_to_15_digits_at_any_size(digits):
    counts = [len(camera_frame(digits, i, seed=3).digits) for i in range(16)]
    assert counts[0] == 0 and counts[:12] == list(range(12)) and max(counts) >= 13  # a full page may hold fewer
    assert camera_frame(digits, 5, seed=3).image.shape == (480, 640, 3)
    big = camera_frame(digits, 5, seed=3, size=(1280, 960))
    assert big.image.shape == (960, 1280, 3) and len(big.digits) == 5
    assert min(t.box[3] for t in big.digits) >= 2 * 14  # heights scale with the frame (20 px at 480 lines)
