"""The real set under generated camera degradations: boxes follow the image, and the figures are the reader's."""
from pathlib import Path

import numpy as np
import pytest

from bench import degrade, realdev
from edge.classify import Classifier
from edge.reader import Reader

MODEL = Path(__file__).resolve().parent.parent / "edge" / "models" / "digits_int8.tflite"


@pytest.mark.parametrize("name", list(degrade.DEGRADATIONS))
def test_boxes_scale_with_the_image(name):
    """A dark block stays inside its scaled box, whatever the degradation did to the image's size."""
    image = np.full((600, 800, 3), 230, np.uint8)
    image[200:320, 300:380] = 20
    out, factor = degrade.DEGRADATIONS[name](image, degrade.DEFAULT)
    x, y, w, h = (round(v * factor) for v in (300, 200, 80, 120))
    inner = out[y + h // 4 : y + 3 * h // 4, x + w // 4 : x + 3 * w // 4]
    assert out.shape[:2] == (round(600 * factor), round(800 * factor))
    assert inner.mean() < 100 and out[: y // 2].mean() > 120


def test_degraded_reading_scores_every_capture(realdev_folder):
    images = realdev.load(realdev_folder)
    reader = Reader(Classifier(MODEL))
    scores = degrade.read_degraded(images, reader)
    assert list(scores) == list(degrade.DEGRADATIONS)
    stored = realdev.figures(realdev.read_all(images, reader))["upright"]
    assert scores["as stored"].to_dict()["correct"] == stored["correct"]
    assert all(s.truth == stored["truth"] for s in scores.values())
    assert scores["as stored"].accuracy >= 0.9  # clean generated frames: the reader's own ground


def test_the_command_prints_the_degraded_table(realdev_folder, capsys):
    assert realdev.main([str(realdev_folder), "--model", str(MODEL), "--orientation", "0", "--degrade"]) == 0
    out = capsys.readouterr().out
    assert "worse cameras" in out and "| 640 px, motion |" in out and "| enlarged x2 |" in out
