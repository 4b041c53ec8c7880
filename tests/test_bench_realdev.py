"""The real-image scorer on a small labelled folder made here (never ../shared): loading, matching, figures per
subset, source and capture, pictures, the skip note and the command line (`realdev_folder`: conftest)."""
import json
from pathlib import Path

import cv2
import pytest

from bench import realdev
from bench.run import real_images
from edge.group import Digit
from edge.reader import Reading

MODEL = Path(__file__).resolve().parent.parent / "edge" / "models" / "digits_int8.tflite"


class Echo:
    """A reader that answers the truth of each image, with one misread and one false read on image b."""

    def __init__(self, images, orientation=0):
        self.images = images
        self.by_pixels = {realdev.read_pixels(img).tobytes(): img for img in images}
        self.orientation = orientation

    def with_orientation(self, orientation):
        return Echo(self.images, orientation)

    def read(self, frame):
        image = self.by_pixels[frame.tobytes()]
        digits = [Digit(label, 0.9, box) for label, box in image.digits]
        if image.file == "b.jpg":
            digits[0] = Digit((digits[0].label + 1) % 10, 0.9, digits[0].box)
            digits.append(Digit(1, 0.9, (1, 1, 5, 5)))
        return Reading(digits, [], 0, frame.shape[:2])


def test_load_reads_every_labelled_image(realdev_folder):
    images = realdev.load(realdev_folder)
    assert [i.file for i in images] == ["a.png", "b.jpg", "c.png"]
    assert [i.rotation for i in images] == [0, 0, 90] and images[0].source == "x/one"
    assert all(len(i.digits) >= 1 and len(i.digits[0][1]) == 4 for i in images)


def test_figures_per_subset_source_and_capture(realdev_folder):
    images = realdev.load(realdev_folder)
    runs = realdev.run(images, {"echo": Echo(images)}, ("auto",))
    section = realdev.summary(runs, realdev_folder, images)
    f = section["readers"]["echo"]["auto"]
    n_a, n_b, n_c = (len(i.digits) for i in images)
    assert f["all"]["truth"] == n_a + n_b + n_c and f["upright"]["truth"] == n_a + n_b
    assert f["all"]["correct"] == n_a + n_b - 1 + n_c and f["all"]["predicted"] == n_a + n_b + 1 + n_c
    assert f["all"]["recall"] == 1.0 and f["all"]["precision"] == pytest.approx(1 - 1 / f["all"]["predicted"])
    assert f["by_source"]["x/one"]["accuracy"] == 1.0 and f["by_source"]["y/two"]["truth"] == n_b + n_c
    assert set(f["by_capture"]) == {"scan", "phone_photo"}
    text = realdev.markdown(json.loads(json.dumps(section)))
    assert "| echo | auto |" in text and "x/one" in text and "phone_photo" in text


def test_matching_is_the_sets_rule():
    truth = [(3, (0, 0, 20, 40))]
    loose = [(3, (8, 0, 20, 40))]  # IoU 0.43: a match at 0.3 (the set's rule), not at the suites' 0.5
    assert realdev.score_frame(truth, loose, params=realdev.MATCH).correct == 1


def test_pictures_are_written_for_images_with_errors(realdev_folder, tmp_path):
    images = realdev.load(realdev_folder)
    results = realdev.run(images, {"echo": Echo(images)}, (0,))["echo"]["0"]
    paths = realdev.pictures(results, tmp_path / "pics")
    assert [p.name for p in paths] == ["b.jpg"] and cv2.imread(str(paths[0])) is not None


def test_a_missing_folder_is_skipped_with_a_note(tmp_path):
    notes = []
    assert real_images(tmp_path / "absent", {}, "int8", tmp_path, notes) == {}
    assert real_images(None, {}, "int8", tmp_path, notes) == {}
    assert len(notes) == 2 and "not found" in notes[0] and "skipped" in notes[1]


def test_a_broken_folder_is_one_line(tmp_path, capsys):
    assert realdev.main([str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("realdev:") and "labels.json" in err and len(err.splitlines()) == 1
    (tmp_path / "labels.json").write_text(json.dumps([{"file": "gone.png", "digits": []}]))
    with pytest.raises(realdev.RealdevError, match="missing"):
        realdev.load(tmp_path)


def test_the_command_reads_with_the_model(realdev_folder, capsys):
    assert realdev.main([str(realdev_folder), "--model", str(MODEL), "--orientation", "auto,0", "--verbose"]) == 0
    out, err = capsys.readouterr()
    assert "| int8 | auto |" in out and "| int8 | 0 |" in out and "c.png" in err
    assert len([line for line in err.splitlines() if "right" in line]) == 6  # one line per image and orientation
