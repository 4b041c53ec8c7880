"""Capture: files in order, live sources newest-frame-only, reconnect with back-off, clear errors."""
from __future__ import annotations

import logging
import site
import struct
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge import capture
from edge.capture import (CaptureParams, ImageFiles, LiveSource, Recorder, SourceError, VideoFile, check_capture,
                          open_source, read_image)

FAST = CaptureParams(first_frame_s=1.0, read_timeout_s=0.5, failed_reads=3, backoff_start_s=0.01, backoff_max_s=0.04)


def write_video(path, count=12, size=(64, 48)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, size)
    for i in range(count):
        writer.write(np.full((size[1], size[0], 3), i * 20, np.uint8))
    writer.release()


def test_video_file_gives_every_frame_in_order(tmp_path):
    path = tmp_path / "clip.avi"
    write_video(path)
    with open_source(str(path)) as source:
        assert isinstance(source, VideoFile) and not source.live
        levels = [int(frame.mean()) for _, frame in source.frames()]
    assert len(levels) == 12 and levels == sorted(levels)


def test_image_folder_skips_non_images_and_reports_broken_ones(tmp_path, caplog):
    for name, level in (("b.png", 200), ("a.png", 100)):
        cv2.imwrite(str(tmp_path / name), np.full((20, 30, 3), level, np.uint8))
    (tmp_path / "notes.txt").write_text("not a picture")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    with caplog.at_level(logging.WARNING), open_source(str(tmp_path)) as source:
        read = [(name.rsplit("/", 1)[-1], int(frame.mean())) for name, frame in source.frames()]
    assert read == [("a.png", 100), ("b.png", 200)]
    assert [p.name for p in source.skipped] == ["notes.txt"]
    assert [p.name for p, _ in source.failed] == ["broken.jpg"]
    assert "notes.txt: skipped" in caplog.text and "broken.jpg: not a readable image" in caplog.text


def test_missing_image_is_a_failure_not_a_crash(tmp_path):
    images = ImageFiles([tmp_path / "gone.png"])
    assert list(images.frames()) == [] and "no such file" in images.failed[0][1]


def test_a_bomb_file_is_refused_from_its_header(tmp_path, png_header):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(30_000, 30_000))
    with pytest.raises(SourceError, match=rf"^{bomb}: 30000x30000 pixels \(900.0 megapixels\) is over the limit of 40 "):
        read_image(bomb)
    cv2.imwrite(str(tmp_path / "next.png"), np.zeros((20, 30), np.uint8))
    with ImageFiles([tmp_path]) as images:  # a folder too: reported, and the next picture is read
        assert [name for name, _ in images.frames()] == [str(tmp_path / "next.png")]
        assert "30000x30000" in images.failed[0][1]


def test_the_pixel_limit_can_be_raised_for_large_photos(tmp_path):
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.full((2000, 3000), 255, np.uint8))  # 6 MP
    with pytest.raises(SourceError, match="3000x2000 pixels"):
        read_image(photo, max_pixels=5_000_000)
    assert read_image(photo, max_pixels=7_000_000).shape == (2000, 3000, 3)
    with open_source(str(photo), CaptureParams(max_pixels=5_000_000)) as images:
        assert list(images.frames()) == [] and "3000x2000" in images.failed[0][1]


def test_a_picture_whose_size_cannot_be_read_is_not_decoded(tmp_path):
    raster = tmp_path / "page.ras"
    assert cv2.imwrite(str(raster), np.zeros((20, 30, 3), np.uint8))  # OpenCV reads Sun rasters; we cannot measure them
    with pytest.raises(SourceError, match="page.ras: not a readable image"):
        read_image(raster)


def test_a_video_or_stream_over_the_limit_is_refused_when_opened(tmp_path):
    path = tmp_path / "clip.avi"
    write_video(path, size=(64, 48))
    with pytest.raises(SourceError, match=r"clip.avi: 64x48 pixels"):
        open_source(str(path), CaptureParams(max_pixels=64 * 48 - 1))

    class Stream:  # what cv2.VideoCapture reports for a stream that announces 8000x6000
        released = False

        def get(self, prop: int) -> float:
            return {cv2.CAP_PROP_FRAME_WIDTH: 8000.0, cv2.CAP_PROP_FRAME_HEIGHT: 6000.0}[prop]

        def release(self) -> None:
            self.released = True

    stream = Stream()
    with pytest.raises(SourceError, match="rtsp://cam: 8000x6000 pixels"):
        check_capture("rtsp://cam", stream, CaptureParams().max_pixels)
    assert stream.released


def jpeg_with_exif_orientation(image: np.ndarray, orientation: int) -> bytes:
    """A JPEG carrying an EXIF Orientation tag, as phones write them (little-endian TIFF, one IFD entry)."""
    ok, jpeg = cv2.imencode(".jpg", image)
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack("<I", 0)
    exif = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    data = jpeg.tobytes()
    return data[:2] + app1 + data[2:]


def test_image_files_honour_exif_orientation(tmp_path):
    image = np.zeros((40, 100, 3), np.uint8)
    image[:, :10] = 255  # a white band on the left
    path = tmp_path / "phone.jpg"
    path.write_bytes(jpeg_with_exif_orientation(image, 6))  # 6: show turned 90 degrees clockwise
    shown = read_image(path)
    assert shown.shape[:2] == (100, 40)
    assert shown[:10].mean() > 200 and shown[-10:].mean() < 50  # the band is now on top


def test_unknown_source_and_missing_camera_are_clear_errors():
    with pytest.raises(SourceError, match="no such file, folder or camera"):
        open_source("no/such/thing.mp4")
    with pytest.raises(SourceError, match="camera 99: cannot open"):
        open_source("99")


class FakeCamera:
    """Frames numbered from `start` (the number is the pixel value); fails for good after `lives` reads."""

    def __init__(self, start: int = 0, lives: int | None = None, period: float = 0.0):
        self.value, self.lives, self.period = start, lives, period
        self.released = False

    def read(self):
        time.sleep(self.period)
        if self.lives is not None:
            if self.lives <= 0:
                return False, None
            self.lives -= 1
        self.value += 1
        return True, np.full((4, 4), self.value % 256, np.uint8)

    def release(self):
        self.released = True


def test_lost_camera_is_reopened_with_back_off(caplog):
    attempts = []
    cameras = [FakeCamera(0, lives=5)]

    def opener():
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            return cameras[0]
        if len(attempts) < 5:  # unplugged: three failed reopen tries
            raise OSError("device gone")
        cameras.append(FakeCamera(100))
        return cameras[-1]

    params = replace(FAST, backoff_start_s=0.1, backoff_max_s=0.4)
    with caplog.at_level(logging.WARNING), LiveSource("fake", opener, params) as source:
        deadline = time.monotonic() + 3
        frame = None
        while time.monotonic() < deadline and (frame is None or frame[0, 0] <= 100):
            frame = source.read()
        assert frame is not None and frame[0, 0] > 100, "never resumed after the camera came back"
        assert source.reconnects == 1 and cameras[0].released
    # exponential back-off: the waits double up to the cap, and each retry really waited that long
    assert "fake: stopped giving frames, reopening in 0.1 s" in caplog.messages
    assert [m for m in caplog.messages if "retrying in" in m] == [
        f"fake: unavailable, retrying in {d:.1f} s" for d in (0.2, 0.4, 0.4)]
    assert "stopped giving frames" in caplog.text and "reopened" in caplog.text
    gaps = np.diff(attempts[1:5])
    assert all(gap >= wait * 0.9 for gap, wait in zip(gaps, (0.2, 0.4, 0.4))), gaps


def test_camera_that_opens_but_gives_nothing_is_reopened_with_back_off():
    """No busy loop: each reopen of a silent camera waits longer than the one before."""
    opened = []

    def opener():
        opened.append(time.monotonic())
        return FakeCamera(0, lives=0)

    params = replace(FAST, backoff_start_s=0.05, backoff_max_s=0.2)
    with pytest.raises(SourceError):
        LiveSource("silent", opener, params)
    assert len(opened) <= 10, "reopened in a busy loop"
    gaps = np.diff(opened)
    assert len(gaps) >= 2 and all(b >= a * 1.5 for a, b in zip(gaps, gaps[1:3])), gaps


def test_live_source_hands_over_the_newest_frame_only():
    with LiveSource("fake", lambda: FakeCamera(period=0.002), FAST) as source:
        first = int(source.read()[0, 0])
        time.sleep(0.1)  # a slow consumer: the camera keeps going meanwhile
        second = int(source.read()[0, 0])
    assert second - first > 5  # skipped the frames it was too slow for, no backlog


def test_camera_that_never_opens_or_never_delivers():
    def broken():
        raise OSError("no device")

    with pytest.raises(SourceError, match="fake: cannot open"):
        LiveSource("fake", broken, FAST)
    with pytest.raises(SourceError, match="gave no frame within"):
        LiveSource("fake", lambda: FakeCamera(lives=0), CaptureParams(first_frame_s=0.2, backoff_start_s=0.01))


@pytest.mark.parametrize("target", ["out.avi", "frames"])
def test_recorder_writes_video_or_folder(tmp_path, target):
    with Recorder(tmp_path / target, fps=5) as recorder:
        for i in range(3):
            recorder.write(np.full((48, 64, 3), i * 50, np.uint8))
    if target == "frames":
        assert len(list((tmp_path / target).glob("frame_*.jpg"))) == 3
    else:
        assert sum(1 for _ in VideoFile(tmp_path / target).frames()) == 3


FAKE_PICAMERA2 = """
import numpy as np

class Picamera2:
    \"\"\"picamera2's calls the runner makes, giving gray frames of the size asked for.\"\"\"
    def create_video_configuration(self, main):
        self.size = main["size"]
        return {"main": main}
    def configure(self, config):
        assert config["main"]["format"] == "RGB888"
    def start(self):
        pass
    def capture_array(self, name):
        width, height = self.size
        return np.full((height, width, 3), 128, np.uint8)
    def stop(self):
        pass
    def close(self):
        pass
"""


@pytest.fixture()
def no_picamera2(monkeypatch):
    """Whatever a test imports as picamera2 is forgotten afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    sys.modules.pop("picamera2", None)


def test_picam_reads_picamera2_from_a_site_folder_as_apt_installs_it(tmp_path, no_picamera2):
    """apt puts picamera2 in the system's dist-packages; a venv made with --system-site-packages adds that
    folder through site.addsitedir, as this test does with a stand-in picamera2."""
    dist_packages = tmp_path / "dist-packages"
    (dist_packages / "picamera2").mkdir(parents=True)
    (dist_packages / "picamera2" / "__init__.py").write_text(FAKE_PICAMERA2)
    site.addsitedir(str(dist_packages))
    with open_source("picam", CaptureParams(width=64, height=48)) as source:
        name, frame = next(source.frames())
    assert name == "picam" and frame.shape == (48, 64, 3)
    assert Path(sys.modules["picamera2"].__file__).parent.parent == dist_packages


@pytest.mark.parametrize("sees, message", [
    (False, "picamera2 is not visible in the venv"),
    (True, "picamera2 is not installed: sudo apt install python3-picamera2"),
])
def test_missing_picamera2_names_the_setup_step_that_is_missing(monkeypatch, no_picamera2, sees, message):
    monkeypatch.setitem(sys.modules, "picamera2", None)  # import picamera2 fails as when it is not installed
    monkeypatch.setattr(capture, "sees_system_packages", lambda: sees)
    with pytest.raises(SourceError, match=f"picam: cannot open \\({message}"):
        open_source("picam")


def test_picamera2_that_does_not_load_says_why(tmp_path, no_picamera2):
    (tmp_path / "picamera2").mkdir()
    (tmp_path / "picamera2" / "__init__.py").write_text("raise ValueError('numpy.dtype size changed, may indicate binary incompatibility')")
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(SourceError, match=r"picamera2 does not load: numpy.dtype size changed.*pip install 'numpy<2'"):
        open_source("picam")


def test_system_packages_are_seen_exactly_when_pyvenv_cfg_says_so():
    """Checked against the venv's own record (none outside a venv): what --system-site-packages wrote."""
    config = Path(sys.prefix) / "pyvenv.cfg"
    if sys.prefix == sys.base_prefix or not config.is_file():
        expected = True
    else:
        lines = (line.split("=", 1) for line in config.read_text().splitlines() if "=" in line)
        settings = {key.strip(): value.strip().lower() for key, value in lines}
        expected = settings.get("include-system-site-packages") == "true"
    assert capture.sees_system_packages() is expected
