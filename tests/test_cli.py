"""`python -m edge`: JSON contract, exit codes, one-line errors, and no TensorFlow anywhere."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge import classify

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "edge" / "samples" / "sample.jpg"


def model() -> str:
    path = classify.default_model_path()
    if not path.is_file():
        pytest.fail(f"{path} is missing: train and convert the model first (make train convert)")
    return str(path)


def edge(*args: str, check_clean: bool = True) -> subprocess.CompletedProcess:
    """Run the CLI; whatever happens, stderr must not hold a traceback."""
    done = subprocess.run([sys.executable, "-m", "edge", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if check_clean:
        assert "Traceback" not in done.stderr, done.stderr
    return done


def records(done: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


NO_TENSORFLOW = """
import runpy, sys
sys.argv = ["edge", *sys.argv[1:]]
try:
    runpy.run_module("edge", run_name="__main__")
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "train", "convert", "flask"))
print("HEAVY", heavy, file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["detect", "--model", "MODEL", "SAMPLE"]], ids=["help", "detect"])
def test_edge_never_loads_tensorflow(args):
    args = [model() if a == "MODEL" else str(SAMPLE) if a == "SAMPLE" else a for a in args]
    done = subprocess.run([sys.executable, "-c", NO_TENSORFLOW, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in done.stderr, done.stderr
    done = subprocess.run([sys.executable, "-c", "import edge, sys; print(sorted(m for m in sys.modules if 'tensorflow' in m or m == 'cv2'))"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == "[]"  # import edge is light: not even OpenCV


def test_detect_prints_the_contract(tmp_path):
    done = edge("detect", "--model", model(), str(SAMPLE), "--annotate", str(tmp_path))
    assert done.returncode == 0, done.stderr
    (record,) = records(done)
    assert list(record) == ["source", "digits", "numbers"] and record["source"] == str(SAMPLE)
    assert len(record["digits"]) >= 10 and len(record["numbers"]) >= 5
    height, width = cv2.imread(str(SAMPLE)).shape[:2]
    for item in record["digits"] + record["numbers"]:
        x, y, w, h = item["box"]
        assert all(isinstance(v, int) for v in item["box"]) and 0 <= x and 0 <= y and x + w <= width and y + h <= height
    assert (tmp_path / "sample_read.jpg").is_file()


def test_detect_reports_bad_inputs_and_still_reads_the_rest(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "black.png"), np.zeros((240, 320, 3), np.uint8))
    (folder / "readme.txt").write_text("hello")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    done = edge("detect", "--model", model(), str(folder), str(broken), str(tmp_path / "missing.png"), str(SAMPLE))
    assert done.returncode == 1
    got = {Path(r["source"]).name: r for r in records(done)}
    assert set(got) == {"black.png", "sample.jpg"}
    assert got["black.png"]["digits"] == [] and got["black.png"]["numbers"] == []
    assert "readme.txt: skipped" in done.stderr
    assert "broken.jpg: not a readable image" in done.stderr and "missing.png: no such file" in done.stderr


def test_folder_with_a_non_image_is_only_a_warning(tmp_path):
    cv2.imwrite(str(tmp_path / "black.png"), np.zeros((60, 80), np.uint8))
    (tmp_path / "notes.txt").write_text("x")
    done = edge("detect", "--model", model(), str(tmp_path))
    assert done.returncode == 0 and len(records(done)) == 1 and "notes.txt: skipped" in done.stderr


def test_a_bomb_is_refused_in_one_line_and_the_limit_can_be_raised(tmp_path, png_header):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(30_000, 30_000))
    done = edge("detect", "--model", model(), str(bomb), str(SAMPLE))
    assert done.returncode == 1 and [Path(r["source"]).name for r in records(done)] == ["sample.jpg"]
    errors = [line for line in done.stderr.splitlines() if "bomb.png" in line]
    assert errors == [f"ERROR: {bomb}: 30000x30000 pixels (900.0 megapixels) is over the limit of 40 megapixels"]
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.full((2000, 3000), 255, np.uint8))  # 6 MP
    assert "3000x2000 pixels" in edge("detect", "--model", model(), "--max-megapixels", "5", str(photo)).stderr
    done = edge("detect", "--model", model(), "--max-megapixels", "6.5", str(photo))
    assert done.returncode == 0 and records(done)[0]["digits"] == []
    assert edge("detect", "--max-megapixels", "0", str(photo)).returncode == 2


def test_bad_models_are_one_line_errors(tmp_path):
    corrupt = tmp_path / "corrupt.tflite"
    corrupt.write_bytes(b"nonsense" * 100)
    corrupt.with_suffix(".json").write_text(Path(model()).with_suffix(".json").read_text())
    for path, message in ((tmp_path / "none.tflite", "model not found"), (corrupt, "not a usable TFLite model")):
        done = edge("detect", "--model", str(path), str(SAMPLE))
        assert done.returncode == 1 and done.stdout == ""
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0]


def test_no_camera_and_bad_arguments():
    done = edge("run", "--model", model(), "--source", "99", "--headless")
    assert done.returncode == 1 and "error: camera 99: cannot open" in done.stderr
    assert edge("detect", "--orientation", "45", str(SAMPLE)).returncode == 2


def test_run_on_a_video_writes_jsonl_and_annotated_video(tmp_path):
    clip = tmp_path / "clip.avi"
    frame = cv2.imread(str(SAMPLE))
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 5, frame.shape[1::-1])
    for _ in range(4):
        writer.write(frame)
    writer.release()
    done = edge("run", "--model", model(), "--source", str(clip), "--headless", "--jsonl", "-",
                "--save", str(tmp_path / "out.avi"), "--frames", "3")
    assert done.returncode == 0, done.stderr
    lines = records(done)
    assert [r["frame"] for r in lines] == [0, 1, 2] and all(len(r["numbers"]) >= 5 for r in lines)
    assert (tmp_path / "out.avi").stat().st_size > 0 and "3 frames" in done.stderr


def test_jsonl_file_is_appended_so_a_restarted_service_keeps_its_readings(tmp_path):
    log = tmp_path / "readings.jsonl"
    for _ in range(2):
        done = edge("run", "--model", model(), "--source", str(SAMPLE), "--headless", "--jsonl", str(log))
        assert done.returncode == 0, done.stderr
    assert [json.loads(line)["frame"] for line in log.read_text().splitlines()] == [0, 0]


def test_usage_names_the_command_as_it_was_typed():
    """`python -m edge` here; the installed `edge-digits` command is checked in test_package.py."""
    assert edge("--help").stdout.startswith("usage: python -m edge ")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full (always disk full) is Linux's")
def test_a_failed_jsonl_write_is_a_one_line_error():
    done = edge("run", "--model", model(), "--source", str(SAMPLE), "--headless", "--jsonl", "/dev/full")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: /dev/full: cannot write (No space left on device)"], done.stderr


@pytest.mark.parametrize("args", [("run", "--source", str(SAMPLE), "--headless", "--jsonl", "-"),
                                  ("detect", str(SAMPLE))])
def test_stdout_closed_by_its_reader_ends_quietly(args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already quit: the first record meets a broken pipe
    try:
        done = subprocess.run([sys.executable, "-m", "edge", args[0], "--model", model(), *args[1:]], cwd=ROOT,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "error" not in done.stderr.lower(), done.stderr


def test_demo_writes_the_annotated_sample(tmp_path):
    done = edge("demo", "--model", model(), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert f"annotated picture: {tmp_path / 'demo_read.jpg'}" in done.stdout
    assert cv2.imread(str(tmp_path / "demo_read.jpg")).shape == cv2.imread(str(SAMPLE)).shape


def test_serve_is_wired_lazily():
    done = edge("serve", "--help")
    assert done.returncode == 0 and "--port" in done.stdout


def test_the_word_check_can_be_turned_off_and_a_confidence_must_be_a_probability():
    from edge.__main__ import build_parser, make_reader

    on = make_reader(build_parser().parse_args(["detect", "--model", model(), str(SAMPLE)]))
    off = make_reader(build_parser().parse_args(["detect", "--model", model(), "--no-word-check", str(SAMPLE)]))
    assert on.params.context is not None and off.params.context is None
    done = edge("detect", "--min-confidence", "5", str(SAMPLE))
    assert done.returncode == 2 and "a probability from 0 to 1" in done.stderr
