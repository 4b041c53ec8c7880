"""The frame generator: deterministic, exact boxes, test digits only, digits apart."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from dataclasses import replace

from bench.frames import SUITES, MnistTestSet, camera_frame, make_frame, union
from bench.pen import skeleton

SAMPLE = Path(__file__).parent / "data" / "mnist_sample.npz"
# the sheet suite at a ninth of its pixels (its layout scales with the page): fast enough to test every check
SMALL_SHEET = replace(SUITES["sheet"], sizes=((1088, 816), (1333, 1000)))
FAST = [s if s != "sheet" else SMALL_SHEET for s in SUITES]
IDS = [s if isinstance(s, str) else s.name for s in FAST]


@pytest.fixture(scope="module")
def split():
    with np.load(SAMPLE) as d:
        return d["x_train"], d["y_train"], d["x_test"], d["y_test"]


@pytest.fixture(scope="module")
def digits(split):
    return MnistTestSet.from_split(split)


def sizes(suite) -> set:
    suite = SUITES[suite] if isinstance(suite, str) else suite
    return {(h, w, 3) for w, h in suite.sizes} or {(480, 640, 3)}


@pytest.mark.parametrize("suite", FAST, ids=IDS)
def test_same_seed_same_frame_and_truth(digits, suite):
    a, b = make_frame(digits, suite, 3, seed=7), make_frame(digits, suite, 3, seed=7)
    assert a.image.shape in sizes(suite) and a.image.dtype == np.uint8
    assert np.array_equal(a.image, b.image)
    assert a.digits == b.digits and a.numbers == b.numbers and a.marks == b.marks
    assert a.digits, "every frame holds at least one digit"
    assert not np.array_equal(a.image, make_frame(digits, suite, 3, seed=8).image)


@pytest.mark.parametrize("suite", FAST, ids=IDS)
def test_boxes_are_the_tight_box_of_each_digits_ink(digits, suite):
    for index in range(3):
        frame = make_frame(digits, suite, index, seed=1, keep_masks=True)
        height, width = frame.image.shape[:2]
        painted = np.zeros(frame.image.shape[:2], np.int32)
        for truth, (mask, x, y) in zip(frame.digits, frame.masks):
            ys, xs = np.nonzero(mask)
            ys, xs = ys + y, xs + x
            inside = (xs >= 0) & (ys >= 0) & (xs < width) & (ys < height)
            bx, by, bw, bh = truth.box
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (bx, by, bx + bw, by + bh)
            assert 0 <= bx and 0 <= by and bx + bw <= width and by + bh <= height, "a digit outside the frame"
            np.add.at(painted, (ys[inside], xs[inside]), 1)
        assert painted.max() <= 1, "two digits share ink pixels"


@pytest.mark.parametrize("suite", ["even", "rotated", "numbers", "sweep", "singles45"])
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
    for suite in ("even", "rotated", "numbers", "distractors", "closeup", SMALL_SHEET, "blur", "pencil", "marks"):
        for index in range(3):
            boxes = [t.box for t in make_frame(digits, suite, index, seed=3).digits]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1 :]:
                    assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


def test_only_test_digits_are_drawn(split, digits):
    x_train, y_train, x_test, y_test = split
    assert digits.images is not x_train and np.array_equal(digits.images, x_test)
    for suite in FAST:
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


def test_digit_counts_follow_the_suite(digits):
    for suite in [s for s in FAST if s not in ("numbers", "words", "text")]:  # as many as their numbers hold
        lo, hi = (SUITES[suite] if isinstance(suite, str) else suite).digits
        for index in range(3):
            count = len(make_frame(digits, suite, index, seed=9).digits)
            assert 1 <= count <= hi, (suite, index, count)
    assert all(30 <= len(make_frame(digits, SMALL_SHEET, i, seed=9).digits) <= 70 for i in range(3))


def stroke_share(mask: np.ndarray, box) -> float:
    """A digit's mean stroke width (ink area over skeleton length) as a share of its height."""
    return mask.sum() / max(1, skeleton(mask).sum()) / box[3]


def test_sheet_is_a_high_resolution_photo_of_thin_pen_digits(digits):
    frame = make_frame(digits, "sheet", 0, seed=3, keep_masks=True)
    assert frame.image.shape in sizes("sheet") and frame.image.shape[0] * frame.image.shape[1] >= 7.9e6
    assert 30 <= len(frame.digits) <= 70
    shares = [stroke_share(mask, t.box) for t, (mask, _, _) in zip(frame.digits, frame.masks)]
    assert np.median(shares) < 0.045 and max(shares) < 0.08, "sheet digits should be drawn with a thin pen"
    mnist = make_frame(digits, "even", 0, seed=3, keep_masks=True)
    assert np.median([stroke_share(m, t.box) for t, (m, _, _) in zip(mnist.digits, mnist.masks)]) > 0.08
    gaps = sorted(b.box[0] - (a.box[0] + a.box[2]) for a, b in zip(frame.digits, frame.digits[1:])
                  if abs(a.box[1] - b.box[1]) < a.box[3] / 2 and b.box[0] > a.box[0])
    assert gaps and gaps[0] < 0.1 * np.median([t.box[3] for t in frame.digits]), "some digits close together"


def test_closeups_are_a_few_big_digits_with_a_realistic_pen(digits):
    shares, pens = [], []
    for index in range(8):
        frame = make_frame(digits, "closeup", index, seed=2, keep_masks=True)
        assert 1 <= len(frame.digits) <= 3 and frame.image.shape in sizes("closeup")
        shares += [t.box[3] / frame.image.shape[0] for t in frame.digits]
        pens += [t.pen / t.box[3] for t in frame.digits]
    assert max(shares) > 0.4 and min(shares) > 0.25, shares
    assert min(pens) < 0.025 and max(pens) > 0.07, "a thin ballpoint and a marker both appear"


def test_singles45_turns_one_digit_30_to_45_degrees(digits):
    angles = [make_frame(digits, "singles45", i, seed=1).digits[0].angle for i in range(12)]
    assert all(30 <= abs(a) <= 45 for a in angles) and min(angles) < 0 < max(angles)


def test_pencil_is_faint_pencil_on_rules(digits):
    frame = make_frame(digits, "pencil", 0, seed=1)
    assert {t.ink for t in frame.digits} == {"faint pencil"}
    gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    middle = gray[:, gray.shape[1] // 3 : 2 * gray.shape[1] // 3]  # rules are a little slanted by the camera
    rows = np.median(middle, axis=1).astype(np.float32)
    light = cv2.blur(rows.reshape(-1, 1), (1, 15)).ravel()  # the shadow and the light fall-off, row by row
    dips = rows < light - 3
    assert dips.sum() >= 5, "ruled lines show across the page"


def test_marks_stand_beside_digits_and_apart_from_them(digits):
    counts = []
    for index in range(4):
        frame = make_frame(digits, "marks", index, seed=6)
        counts.append(len(frame.marks))
        for m in frame.marks:
            for t in frame.digits:
                a, b = m, t.box
                assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
    assert min(counts) >= 1


def test_camera_frames_cycle_through_0_to_15_digits_at_any_size(digits):
    counts = [len(camera_frame(digits, i, seed=3).digits) for i in range(16)]
    assert counts[0] == 0 and counts[:12] == list(range(12)) and max(counts) >= 13  # a full page may hold fewer
    assert camera_frame(digits, 5, seed=3).image.shape == (480, 640, 3)
    big = camera_frame(digits, 5, seed=3, size=(1280, 960))
    assert big.image.shape == (960, 1280, 3) and len(big.digits) == 5
    assert min(t.box[3] for t in big.digits) >= 2 * 14  # heights scale with the frame (20 px at 480 lines)


def test_words_rows_hold_numbers_beside_words(digits):
    frame = make_frame(digits, "words", 0, seed=6)
    assert len(frame.digits) >= 2 and frame.marks
    rows = {}
    for t in frame.digits:
        rows.setdefault(t.box[1] // 20, []).append(t.box)
    assert max(len(r) for r in rows.values()) >= 2, "numbers of several digits"
    for m in frame.marks:
        for t in frame.digits:
            a, b = m, t.box
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


def test_a_page_of_notes_holds_more_rows_of_words_when_they_are_close(digits):
    spread = replace(SUITES["text"], line_pitch=(3.0, 3.0))
    close = sum(len(make_frame(digits, "text", i, seed=9).marks) for i in range(3))
    assert close > sum(len(make_frame(digits, spread, i, seed=9).marks) for i in range(3))


def test_dot_grid_paper_is_a_lattice_of_grey_dots_under_the_digits(digits):
    frame = make_frame(digits, "dotgrid", 0, seed=9)
    gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
    dark = (np.median(gray) - gray.astype(int) > 25).astype(np.uint8)
    for t in frame.digits:
        x, y, w, h = t.box
        dark[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    sides = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    assert count > 100 and np.median(sides) <= 8 * frame.image.shape[0] / 480  # many small dots besides the digits


def test_thinblur_is_the_blur_suites_camera_over_a_thin_pen(digits):
    frame = make_frame(digits, "thinblur", 0, seed=9)
    assert SUITES["thinblur"].camera == SUITES["blur"].camera == "heavy"
    assert frame.digits and all(0.03 <= t.pen / t.box[3] <= 0.08 for t in frame.digits)  # the pen, not MNIST's strokes


def test_askew_is_a_page_of_dark_rules_turned_in_the_frame(digits):
    frame = make_frame(digits, "askew", 0, seed=1)
    gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    light = cv2.blur(gray.astype(np.float32), (1, 31))
    dark = gray < light - 15  # rules printed as dark as a pen line
    assert dark[:, w // 2].sum() >= 5
    left, right = dark[:, w // 4], dark[:, 3 * w // 4]
    shift = min(range(-h // 4, h // 4), key=lambda s: -np.sum(left & np.roll(right, s)))
    assert abs(shift) >= 0.5 * np.tan(np.radians(2.0)) * w  # the rules slant: 2-8 degrees across half the width
