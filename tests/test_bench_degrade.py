"""The real set under generated camera degradations: boxes follow the image, and the figures are the reader's."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench import degrade, realdev
from bench.frames import MnistTestSet, make_frame
from edge.classify import Classifier
from edge.reader import Reader

MODEL = Path(__file__).resolve().parent.parent / "edge" / "models" / "digits_int8.tflite"


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mnist_sample):
    """One upright 640x480 frame of digits and one 1000x750 enlargement of another, as a labelled folder."""
    root = tmp_path_factory.mktemp("realdev")
    (root / "images").mkdir()
    digits = MnistTestSet(mnist_sample[2], mnist_sample[3])
    entries = []
    for name, index, factor in (("a.png", 0, 1.0), ("b.png", 1, 1000 / 640)):
        frame = make_frame(digits, "even", index, seed=5)
        image = cv2.resize(frame.image, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(str(root / "images" / name), image)
        entries.append({"file": name, "repo": "x/y", "capture": "scan", "rotation_ccw_to_upright_deg": 0,
                        "digits": [{"label": t.label, "box": [round(v * factor) for v in t.box]}
                                   for t in frame.digits]})
    (root / "labels.json").write_text(json.dumps(entries))
    return root


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


def test_degraded_reading_scores_every_capture(folder):
    images = realdev.load(folder)
    reader = Reader(Classifier(MODEL))
    scores = degrade.read_degraded(images, reader)
    assert list(scores) == list(degrade.DEGRADATIONS)
    stored = realdev.figures(realdev.read_all(images, reader))["upright"]
    assert scores["as stored"].to_dict()["correct"] == stored["correct"]
    assert all(s.truth == stored["truth"] for s in scores.values())
    assert scores["as stored"].accuracy >= 0.9  # clean generated frames: the reader's own ground


def test_the_command_prints_the_degraded_table(folder, capsys):
    assert realdev.main([str(folder), "--model", str(MODEL), "--orientation", "0", "--degrade"]) == 0
    out = capsys.readouterr().out
    assert "worse cameras" in out and "| 640 px, motion |" in out and "| enlarged x2 |" in out
