"""The speed child: the reader against OpenCV's sample pipeline on the same frames, and `edge detect`'s memory."""

import cv2
import pytest

from bench import report
from bench.baseline import HogSvm, HogSvmParams
from bench.frames import MnistTestSet, camera_frame
from bench.speed import SpeedParams, run_setting
from edge.classify import default_model_path


@pytest.fixture(scope="module")
def setup(mnist_sample, tmp_path_factory):
    folder = tmp_path_factory.mktemp("speed")
    digits = MnistTestSet(mnist_sample[2], mnist_sample[3])
    frames = []
    for i in (0, 7):
        frames.append(folder / f"camera_{i}.png")
        cv2.imwrite(str(frames[-1]), camera_frame(digits, i).image)
    weights = folder / "svm.npy"
    HogSvm(HogSvmParams(train_count=300, epochs=2)).fit(mnist_sample[0], mnist_sample[1]).save(weights)
    return frames, weights


def test_the_child_times_reader_and_sample_on_the_same_frames(setup):
    frames, weights = setup
    row = run_setting(default_model_path(), frames, 1, 1, SpeedParams(runs=2, warmup=1), weights)
    assert "error" not in row, row
    assert row["frames"] == 2 and row["runs"] == 2 and row["cores"] == 1 and not row["tensorflow_imported"]
    for figure in ("reader_ms", "sample_ms", "ratio", "cpu_ratio"):
        low, median, high = row[figure]
        assert 0 < low <= median <= high
    assert row["frame_size"] == [640, 480] and row["segmented_mp"] == pytest.approx(0.3072) and row["digits_per_frame"] == pytest.approx(3.5, abs=1)
    assert row["sample_found_per_frame"] > 0 and row["peak_rss_mb"] > 10


def test_the_detect_child_reports_the_commands_peak_memory(setup):
    frames, _ = setup
    row = run_setting(default_model_path(), frames, 1, 1, SpeedParams(), detect=True)
    assert row["command"] == "python -m edge detect" and row["exit_status"] == 0 and row["peak_rss_mb"] > 10
    assert 1 < row["private_mb"] < row["peak_rss_mb"]  # the process's own part of its resident memory


def test_a_failing_child_is_one_line(setup, tmp_path):
    frames, _ = setup
    row = run_setting(tmp_path / "missing.tflite", frames, 1, 1, SpeedParams())
    assert "error" in row and "\n" not in row["error"]


def test_speed_section_and_targets():
    camera = {"model": "digits_int8.tflite", "variant": "int8", "cores": 1, "threads": 1, "frames": 48, "runs": 5,
              "digits_per_frame": 7.5, "reader_ms": [9.0, 9.5, 11.0], "segment_ms": 4.0, "classify_ms": 5.0,
              "fps": 105.0, "sample_ms": [4.5, 4.75, 5.0], "sample_found_per_frame": 6.3, "ratio": [1.9, 2.0, 2.2],
              "cpu_ratio": [1.8, 1.95, 2.0],
              "peak_rss_mb": 90.0, "tensorflow_imported": False, "frame_mp": 0.3072, "segmented_mp": 0.3072}
    photo = {**camera, "frame_size": [4056, 3040], "frame_mp": 12.33, "segmented_mp": 1.92,
             "reader_ms": [40.0, 42.0, 45.0]}
    detect = [{"label": "48 camera frames, 640x480", "frames": 48, "peak_rss_mb": 88.0, "private_mb": 30.4},
              {"label": "photos, 4056x3040", "model": "m", "error": "timed out"}]
    results = {"default": "int8", "speed": {"camera": [camera], "photos": [photo], "detect": detect, "load": [1.2, 3.4]}}
    checks = {t.name: t.check(results) for t in report.TARGETS if "imports" in t.name or "frame" in t.name}
    assert [c["pass"] for c in checks.values()] == [False, True, True]
    assert [c["measured"] for c in checks.values()][:2] == [2.0, 88.0]
    text = "\n".join(report.speed_markdown(results["speed"]))
    assert "| int8 | 1 | 1 | 9.50 (9.00–11.00) |" in text and "| 2.00 (1.90–2.20) | 1.95 (1.80–2.00) |" in text
    assert "| 4056×3040 (12.3 MP) | 1.92 MP | 42.0 (40.0–45.0) |" in text and "| 21.88 |" in text  # 42 / 1.92
    assert "| photos, 4056x3040 |  | timed out |  |" in text and "1.2 → 3.4" in text
    assert "| 48 camera frames, 640x480 | 48 | 88 | 30 |" in text
