"""The real set under generated camera degradations: boxes follow the image, and the figures are the reader's."""
from pathlib import Path

import numpy as np
import pytest

from bench import degrade, realdev
from edge.classify import Classifier
from edge.reader import Reader

MODEL = Path(__file__).resolve().parent.parent / "edge" / "models" / "digits_int8.tflite"


@pytest.mark.parametrize("name", list(degrade.DEGRADATIONS))
def test_boxes_follow_the_image(name):
    """A dark block stays inside its moved box, whatever the degradation did to the image's size or turn."""
    image = np.full((600, 800, 3), 230, np.uint8)
    image[200:320, 300:380] = 20
    out, matrix = degrade.DEGRADATIONS[name](image, degrade.DEFAULT)
    [(label, (x, y, w, h))] = degrade.move_boxes([(1, (300, 200, 80, 120))], matrix, out.shape[:2])
    inner = out[y + h // 4 : y + 3 * h // 4, x + w // 4 : x + 3 * w // 4]
    if matrix.shape[0] == 2:  # an affine capture may resize the image; a perspective one keeps its frame
        factor = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
        assert out.shape[:2] == (round(600 * factor), round(800 * factor))
    else:
        assert out.shape == image.shape
    assert label == 1 and inner.mean() < 100 and out[: y // 2].mean() > 120


def test_a_turned_page_keeps_its_frame_and_paper():
    """Askew: the frame keeps its size, the uncovered corners are paper, and a digit turned out of it is gone."""
    image = np.full((300, 400, 3), 200, np.uint8)
    out, matrix = degrade.askew(image, -6.0)
    assert out.shape == image.shape and abs(int(out[0, 0, 0]) - 200) <= 1 and abs(int(out[-1, -1, 0]) - 200) <= 1
    assert degrade.move_boxes([(3, (396, 296, 4, 4))], matrix, out.shape[:2]) == []


def test_a_keystoned_page_narrows_at_the_top_and_its_boxes_follow():
    """A camera tilted back: a digit near the top is narrower than the same digit near the bottom, and its box
    is moved and narrowed alike."""
    image = np.full((400, 600, 3), 220, np.uint8)
    image[20:80, 100:140] = 20
    image[320:380, 100:140] = 20
    out, matrix = degrade.keystone(image, 0.15)
    top, bottom = degrade.move_boxes([(1, (100, 20, 40, 60)), (1, (100, 320, 40, 60))], matrix, out.shape[:2])
    assert top[1][2] < bottom[1][2] and top[1][0] > bottom[1][0]
    for _, (x, y, w, h) in (top, bottom):
        assert out[y + h // 4 : y + 3 * h // 4, x + w // 4 : x + 3 * w // 4].mean() < 100
    assert abs(int(out[0, 0, 0]) - 220) <= 1  # the corner the page left is paper


def test_degraded_reading_scores_every_capture(realdev_folder):
    images = realdev.load(realdev_folder)
    reader = Reader(Classifier(MODEL))
    scores = degrade.read_degraded(images, reader)
    assert list(scores) == list(degrade.DEGRADATIONS)
    stored = realdev.figures(realdev.read_all(images, reader))["upright"]
    assert scores["as stored"].to_dict()["correct"] == stored["correct"]
    # a turned page loses no more than the digits near its corners
    assert all(s.truth == stored["truth"] for name, s in scores.items() if not name.startswith("askew"))
    assert all(0.9 * stored["truth"] <= s.truth <= stored["truth"] for s in scores.values())
    assert scores["as stored"].accuracy >= 0.9  # clean generated frames: the reader's own ground


def test_the_command_prints_the_degraded_table(realdev_folder, capsys):
    assert realdev.main([str(realdev_folder), "--model", str(MODEL), "--orientation", "0", "--degrade"]) == 0
    out = capsys.readouterr().out
    assert "worse cameras" in out and "| 640 px, motion |" in out and "| enlarged x2 |" in out and "| askew -6 deg |" in out
