"""Scale: camera frames are read as they are; photos are measured and shrunk to the writing's scale."""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from edge import scale


def page_with_digits(width: int, height: int, digit: int, stroke: int) -> np.ndarray:
    """A white page with rows of black "8"-like rings `digit` px tall drawn with a `stroke` px pen."""
    page = np.full((height, width), 235, np.uint8)
    for y in range(digit, height - 2 * digit, 2 * digit):
        for x in range(digit, width - digit, digit):
            cv2.ellipse(page, (x, y + digit // 4), (digit // 4, digit // 4), 0, 0, 360, 30, stroke)
            cv2.ellipse(page, (x, y + 3 * digit // 4), (digit // 4, digit // 4), 0, 0, 360, 30, stroke)
    return page


def test_camera_frames_are_read_as_they_are():
    frame = page_with_digits(640, 480, 40, 3)
    image, plan = scale.working_image(frame)
    assert image is frame and plan == scale.Plan(1.0, None, None)


def test_a_photo_is_measured_and_shrunk_to_the_writing():
    photo = page_with_digits(3200, 2400, 200, 4)
    image, plan = scale.working_image(photo)
    assert 150 <= plan.height <= 230  # the writing's height, in the photo's pixels
    assert abs(plan.factor * plan.height - scale.DEFAULT.digit_height) < 0.3 * scale.DEFAULT.digit_height
    assert image.shape == (round(2400 * plan.factor), round(3200 * plan.factor))
    assert plan.unit <= min(image.shape)


def test_a_big_photo_of_small_writing_keeps_its_pixels_within_the_cap():
    photo = page_with_digits(4000, 3000, 40, 2)
    image, plan = scale.working_image(photo)
    assert image.size <= scale.DEFAULT.max_pixels * 1.01
    assert plan.factor < 1.0


def test_shrinking_keeps_a_hairline():
    page = np.full((400, 400), 230, np.uint8)
    page[200, :] = 20  # one pixel thick
    plain = cv2.resize(page, (100, 100), interpolation=cv2.INTER_AREA)
    kept = scale.shrink(page, 0.25)
    assert plain.min() > 170  # an area resize fades it to a quarter of its contrast...
    assert kept.min() < 130  # ...the ink-preserving shrink keeps half or more
    light = scale.shrink(255 - page, 0.25, light=True)
    assert light.max() > 125


def test_a_blank_photo_has_no_measure_and_is_capped():
    image, plan = scale.working_image(np.full((3000, 4000), 200, np.uint8))
    assert plan.height is None and plan.unit is None and max(image.shape) == scale.DEFAULT.unknown_side


def test_the_dashes_of_a_squared_page_are_not_measured_as_the_writing():
    """A grid printed in dashes holds far more pieces than the digits on it, but far less ink each."""
    photo = np.full((1200, 1600), 235, np.uint8)
    for at in range(50, 1600, 100):
        for y in range(0, 1200, 18):
            cv2.line(photo, (at, y), (at, y + 11), 150, 3)  # a column of dashes
    for at in range(50, 1200, 100):
        for x in range(0, 1600, 18):
            cv2.line(photo, (x, at), (x + 11, at), 150, 3)
    for x in range(300, 1400, 200):  # a row of six "8"s, 160 px tall
        cv2.ellipse(photo, (x, 540), (40, 40), 0, 0, 360, 30, 6)
        cv2.ellipse(photo, (x, 620), (40, 40), 0, 0, 360, 30, 6)
    plan = scale.plan(photo)
    assert 130 <= plan.height <= 190
    assert plan.unit >= 0.9 * 1200 * plan.factor  # sized as a camera frame of these digits would be


def test_one_big_piece_is_not_the_writing_the_rest_is_measured_against():
    """A page's edge on a desk (one long band holding more ink than all the digits) has no peers: the digits
    are still the writing, not pieces too small beside it."""
    photo = np.full((1200, 1600), 235, np.uint8)
    cv2.line(photo, (1250, 100), (1550, 1000), 60, 20)  # the edge: most of the frame tall, 20 px of "ink"
    for x in range(200, 1100, 160):  # six "8"s, 80 px tall
        cv2.ellipse(photo, (x, 560), (20, 20), 0, 0, 360, 30, 4)
        cv2.ellipse(photo, (x, 600), (20, 20), 0, 0, 360, 30, 4)
    assert 60 <= scale.plan(photo).height <= 100
    alone = scale.plan(photo, replace(scale.DEFAULT, probe_peers=0)).height  # the edge as the typical piece
    assert alone > 300
