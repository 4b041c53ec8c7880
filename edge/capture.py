"""Frame sources for the runner: cameras, streams, the Pi camera, video files and still images.

Live sources (webcam index, GStreamer pipeline or stream URL, `picam`) are read by their own thread,
which keeps only the newest frame: a slow reader skips frames instead of falling behind. A live source
that stops delivering is reopened with exponential back-off; one that cannot be opened at all raises
`SourceError` at once. Files (video, images, folders) are read in order, every frame, no thread.
Every picture is measured from its header before it is decoded, and every video or stream from the size
it announces when opened: over `CaptureParams.max_pixels` it is refused (see `edge.imagesize`).
`Recorder` is the way back out: annotated frames to a video file or a folder of pictures.
"""
from __future__ import annotations

import logging
import site
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol, Union

import cv2
import numpy as np

from edge import imagesize

log = logging.getLogger("edge.capture")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"}
VIDEO_SUFFIXES = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "mp4v", ".mov": "mp4v"}  # Recorder: suffix -> fourcc


@dataclass(frozen=True)
class CaptureParams:
    """Timing of live sources; the defaults suit a USB webcam or the Pi camera."""

    first_frame_s: float = 5.0  # a live source that gives no frame this long after opening is an error
    read_timeout_s: float = 1.0  # `read()` waits at most this long for a frame newer than the last one
    failed_reads: int = 10  # this many failed reads in a row count as the camera gone
    backoff_start_s: float = 0.5  # first wait before reopening a lost camera...
    backoff_max_s: float = 10.0  # ...doubling each failed try up to this
    width: int = 1280  # size asked of cameras (they pick the nearest they support)
    height: int = 720
    record_fps: float = 10.0  # frame rate written by `Recorder` to video files
    max_pixels: int = imagesize.MAX_PIXELS  # larger pictures, videos and streams are refused before decoding


DEFAULT = CaptureParams()


class SourceError(RuntimeError):
    """A source cannot be opened or read (one-line message naming it)."""


class Camera(Protocol):
    """What a live source reads from: cv2.VideoCapture's two methods."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...


class Source(Protocol):
    """What the runner and the web page read frames from."""

    name: str
    live: bool

    def read(self) -> np.ndarray | None: ...

    def frames(self) -> Iterator[tuple[str, np.ndarray]]: ...

    def close(self) -> None: ...


class _Closing:
    """Context-manager plumbing shared by the sources."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LiveSource(_Closing):
    """A camera read by a background thread; `read()` returns the newest frame not yet returned.

    `opener` makes a fresh `Camera` or raises; it is called again, with back-off, whenever the camera
    stops giving frames, so a webcam that is unplugged and plugged back in resumes by itself.
    """

    live = True

    def __init__(self, name: str, opener: Callable[[], Camera], params: CaptureParams = DEFAULT):
        self.name = name
        self.params = params
        self._opener = opener
        self._camera: Camera | None = self._open(first=True)
        self._frame: np.ndarray | None = None
        self._count = 0  # frames captured so far
        self._returned = 0  # the count at the last frame handed out
        self.reconnects = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture {name}", daemon=True)
        self._thread.start()
        with self._changed:
            if not self._changed.wait_for(lambda: self._count > 0, timeout=params.first_frame_s):
                self.close()
                raise SourceError(f"{name}: opened but gave no frame within {params.first_frame_s:g} s")

    def _open(self, first: bool = False) -> Camera | None:
        try:
            return self._opener()
        except Exception as error:  # cv2, picamera2 and drivers raise all sorts
            if first:
                raise SourceError(f"{self.name}: cannot open ({error})") from None
            return None

    def _run(self) -> None:
        delay, failures = self.params.backoff_start_s, 0
        while not self._stop.is_set():
            if self._camera is None:
                self._camera = self._open()
                if self._camera is None:
                    log.warning("%s: unavailable, retrying in %.1f s", self.name, delay)
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.params.backoff_max_s)
                    continue
                self.reconnects += 1
                log.warning("%s: reopened", self.name)
            try:
                ok, frame = self._camera.read()
            except Exception:  # a driver error is a failed read like any other
                ok, frame = False, None
            if ok and frame is not None and frame.size:
                delay, failures = self.params.backoff_start_s, 0
                with self._changed:
                    self._frame, self._count = frame, self._count + 1
                    self._changed.notify_all()
                continue
            failures += 1
            if failures >= self.params.failed_reads:
                # the same back-off as a failed open: a camera that opens but gives nothing is no busy loop
                log.warning("%s: stopped giving frames, reopening in %.1f s", self.name, delay)
                self._release()
                failures = 0
                self._stop.wait(delay)
                delay = min(delay * 2, self.params.backoff_max_s)

    def _release(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.release()
            except Exception as error:  # a camera that is already gone may fail to close
                log.debug("%s: release failed: %s", self.name, error)

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        """The newest frame, waiting up to `timeout` seconds for one newer than the last returned; else None."""
        wait = self.params.read_timeout_s if timeout is None else timeout
        with self._changed:
            if not self._changed.wait_for(lambda: self._count > self._returned or self._stop.is_set(), timeout=wait):
                return None
            if self._stop.is_set():
                return None
            self._returned = self._count
            return self._frame

    def frames(self) -> Iterator[tuple[str, np.ndarray]]:
        """Newest frames until closed; a lost camera just pauses the flow while it is reopened."""
        while not self._stop.is_set():
            frame = self.read()
            if frame is not None:
                yield self.name, frame

    def close(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
        self._release()


class VideoFile(_Closing):
    """Every frame of a video file, in order (no thread: a file never runs ahead of its reader)."""

    live = False

    def __init__(self, path: str | Path, max_pixels: int = DEFAULT.max_pixels):
        self.name = str(path)
        self._capture = cv2.VideoCapture(self.name)
        if not self._capture.isOpened():
            raise SourceError(f"{path}: cannot open as a video")
        check_capture(self.name, self._capture, max_pixels)
        self.fps = self._capture.get(cv2.CAP_PROP_FPS) or 0.0

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        return frame if ok else None

    def frames(self) -> Iterator[tuple[str, np.ndarray]]:
        while (frame := self.read()) is not None:
            yield self.name, frame

    def close(self) -> None:
        self._capture.release()


def check_capture(name: str, capture: cv2.VideoCapture, max_pixels: int) -> None:
    """Refuse a video or stream whose announced frame size is over `max_pixels`, before a frame is decoded."""
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    try:
        imagesize.check(name, width, height, max_pixels)
    except imagesize.ImageTooLarge as error:
        capture.release()
        raise SourceError(str(error)) from None


def read_image(path: str | Path, max_pixels: int = DEFAULT.max_pixels) -> np.ndarray:
    """A BGR image with its EXIF orientation applied (cv2.imread does that with IMREAD_COLOR).

    Its size is read from the header first: one over `max_pixels`, or one whose size cannot be read, is not decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    try:
        size = imagesize.file_size(path)
    except OSError as error:
        raise SourceError(f"{path}: cannot read ({error.strerror or error})") from None
    if size is None:
        raise SourceError(f"{path}: not a readable image ({imagesize.FORMATS})")
    try:
        imagesize.check(str(path), *size, max_pixels)
    except imagesize.ImageTooLarge as error:
        raise SourceError(str(error)) from None
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SourceError(f"{path}: not a readable image")
    return image


def list_images(inputs: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """(files to read, folder entries skipped as not images) for files and folders given by a user.

    A folder contributes its image files (by suffix, sorted, not recursive); anything else in it is
    skipped with a warning. A file named explicitly is always read, whatever its suffix.
    """
    files, skipped = [], []
    for item in map(Path, inputs):
        if not item.is_dir():
            files.append(item)
            continue
        for entry in sorted(item.iterdir()):
            if entry.name.startswith(".") or entry.is_dir():
                continue
            if entry.suffix.lower() in IMAGE_SUFFIXES:
                files.append(entry)
            else:
                log.warning("%s: skipped, not an image file", entry)
                skipped.append(entry)
    return files, skipped


class ImageFiles(_Closing):
    """Still images from files and folders, in order; one that cannot be read is reported and passed over.

    `failed` collects (path, message) for every image that could not be read, so a caller can exit
    non-zero after processing all the others.
    """

    live = False

    def __init__(self, inputs: Iterable[str | Path], max_pixels: int = DEFAULT.max_pixels):
        self.paths, self.skipped = list_images(inputs)
        self.max_pixels = max_pixels
        self.name = str(self.paths[0]) if len(self.paths) == 1 else "images"
        self.failed: list[tuple[Path, str]] = []
        self._next = 0

    def frames(self) -> Iterator[tuple[str, np.ndarray]]:
        while self._next < len(self.paths):
            path = self.paths[self._next]
            self._next += 1
            try:
                yield str(path), read_image(path, self.max_pixels)
            except SourceError as error:
                log.error("%s", error)
                self.failed.append((path, str(error)))

    def read(self) -> np.ndarray | None:
        return next((frame for _, frame in self.frames()), None)

    def close(self) -> None:
        self._next = len(self.paths)


def sees_system_packages() -> bool:
    """Whether this interpreter sees the system's site-packages, where apt puts picamera2: always outside a
    venv, inside one only when it was made with --system-site-packages (site.py then keeps the base prefix)."""
    return sys.base_prefix in site.PREFIXES


def _picamera2_class():
    """picamera2's camera class, or a `SourceError` that says which of the three usual setup slips it is."""
    try:
        from picamera2 import Picamera2
    except ModuleNotFoundError as error:
        if error.name != "picamera2":
            raise SourceError(f"picamera2 does not load: {error}") from None
        if not sees_system_packages():
            raise SourceError(f"picamera2 is not visible in the venv {sys.prefix}: apt installs it for the "
                              "system Python; make the venv with python3 -m venv --system-site-packages") from None
        raise SourceError("picamera2 is not installed: sudo apt install python3-picamera2") from None
    except Exception as error:  # e.g. apt's build against NumPy 1 imported beside NumPy 2
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        hint = "; apt's picamera2 needs NumPy 1 in the venv: pip install 'numpy<2'" if "numpy" in text.lower() else ""
        raise SourceError(f"picamera2 does not load: {text}{hint}") from None
    return Picamera2


class _Picamera:
    """The Raspberry Pi camera through picamera2 (from apt), as a `Camera`."""

    def __init__(self, params: CaptureParams):
        self._camera = _picamera2_class()()
        # "RGB888" is stored B, G, R in memory: what OpenCV calls BGR
        config = self._camera.create_video_configuration(main={"size": (params.width, params.height), "format": "RGB888"})
        self._camera.configure(config)
        self._camera.start()

    def read(self) -> tuple[bool, np.ndarray]:
        return True, self._camera.capture_array("main")

    def release(self) -> None:
        self._camera.stop()
        self._camera.close()


def _cv2_camera(target: int | str, api: int, params: CaptureParams) -> Camera:
    capture = cv2.VideoCapture(target, api)
    if not capture.isOpened():
        capture.release()
        raise SourceError("no such camera or stream" if isinstance(target, int) else "cannot open the stream")
    if isinstance(target, int):
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, params.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, params.height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # where supported: fewer stale frames queued in the driver
    check_capture(str(target), capture, params.max_pixels)
    return capture


SourceSpec = Union[str, int, Path]


def open_source(spec: SourceSpec | list[SourceSpec], params: CaptureParams = DEFAULT) -> Source:
    """The source `spec` names: a camera index ("0"), "picam", a GStreamer pipeline (has "!"), a stream
    URL (has "://"), a video file, an image file, a folder of images, or a list of image files/folders.
    """
    if isinstance(spec, (list, tuple)):
        return ImageFiles(spec, params.max_pixels)
    text = str(spec).strip()
    if text.isdigit():
        index = int(text)
        return LiveSource(f"camera {index}", lambda: _cv2_camera(index, cv2.CAP_ANY, params), params)
    if text.lower() in ("picam", "picamera", "picamera2"):
        return LiveSource("picam", lambda: _Picamera(params), params)
    if "!" in text:
        return LiveSource(text, lambda: _cv2_camera(text, cv2.CAP_GSTREAMER, params), params)
    path = Path(text)
    if path.is_dir() or (path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES):
        return ImageFiles([path], params.max_pixels)
    if path.is_file():
        return VideoFile(path, params.max_pixels)
    if "://" in text:
        return LiveSource(text, lambda: _cv2_camera(text, cv2.CAP_ANY, params), params)
    raise SourceError(f"{text}: no such file, folder or camera")


def make_folder(path: Path) -> None:
    """`path` and its parents as folders; `SourceError` (one line) where that is impossible."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SourceError(f"{path}: cannot create the folder ({error.strerror or error})") from None


def write_image(path: Path, image: np.ndarray) -> None:
    """Write a picture, making its folder first; `SourceError` when it cannot be written."""
    make_folder(path.parent)
    if not cv2.imwrite(str(path), image):
        raise SourceError(f"{path}: cannot write")


class Recorder(_Closing):
    """Writes frames to a video file (.mp4 .avi .mkv .mov) or, for any other path, a folder of JPEGs."""

    def __init__(self, path: str | Path, fps: float | None = None):
        self.path = Path(path)
        self.fps = fps or DEFAULT.record_fps
        self._writer: cv2.VideoWriter | None = None
        self.count = 0
        if self.path.suffix.lower() not in VIDEO_SUFFIXES:
            make_folder(self.path)

    def write(self, frame: np.ndarray) -> None:
        suffix = self.path.suffix.lower()
        if suffix not in VIDEO_SUFFIXES:
            name = self.path / f"frame_{self.count:06d}.jpg"
            if not cv2.imwrite(str(name), frame):
                raise SourceError(f"{name}: cannot write")
        else:
            if self._writer is None:
                make_folder(self.path.parent)
                height, width = frame.shape[:2]
                fourcc = cv2.VideoWriter_fourcc(*VIDEO_SUFFIXES[suffix])
                self._writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, (width, height))
                if not self._writer.isOpened():
                    raise SourceError(f"{self.path}: cannot write video (no encoder for {suffix}?)")
            self._writer.write(frame)
        self.count += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
