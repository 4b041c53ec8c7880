"""Draw a `Reading` over its frame: digit boxes with label and confidence, number boxes, FPS.

Sizes follow the frame (a 4000-pixel photo and a 320-pixel preview both stay legible); the input
frame is never modified.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import cv2
import numpy as np

from edge.reader import Reading


@dataclass(frozen=True)
class DrawParams:
    """Colours (BGR) and sizes of the overlay, relative to a 720-pixel-high frame."""

    digit_bgr: tuple[int, int, int] = (40, 200, 40)  # green digit boxes
    number_bgr: tuple[int, int, int] = (0, 140, 255)  # orange number boxes
    text_bgr: tuple[int, int, int] = (255, 255, 255)  # FPS
    tag_text_bgr: tuple[int, int, int] = (0, 0, 0)  # digit labels, on a tag filled with the box colour
    shadow_bgr: tuple[int, int, int] = (0, 0, 0)  # text outline, readable on any background
    font: int = cv2.FONT_HERSHEY_SIMPLEX
    reference_height: int = 720  # font_scale and thickness are for a frame this high
    font_scale: float = 0.6
    min_font_scale: float = 0.35  # smallest font scale, so a thumbnail's labels stay readable
    number_text: float = 1.3  # number labels (under their box) are this much larger than digit tags
    fps_text: float = 1.2  # the FPS line is this much larger than digit tags...
    fps_margin: int = 8  # ...drawn this many pixels from the frame's left and top edges...
    fps_height: int = 30  # ...plus this much (scaled with the frame) down to its baseline
    thickness: int = 2
    number_margin: int = 6  # number boxes sit this far outside their digits' boxes
    show_confidence: bool = True


DEFAULT = DrawParams()


def outlined_text(image: np.ndarray, text: str, origin: tuple[int, int], scale: float, thick: int, color,
                  params: DrawParams = DEFAULT) -> None:
    """Text with a dark outline under the coloured glyphs, readable on any background (drawn in place)."""
    cv2.putText(image, text, origin, params.font, scale, params.shadow_bgr, thick + 2, cv2.LINE_AA)
    cv2.putText(image, text, origin, params.font, scale, color, thick, cv2.LINE_AA)


def _tag(image: np.ndarray, text: str, corner: tuple[int, int], scale: float, thick: int, params: DrawParams):
    """A label on a filled tag sitting on top of the box corner `corner` (moved inside when off the top)."""
    (w, h), base = cv2.getTextSize(text, params.font, scale, thick)
    pad = max(2, h // 4)
    x, y = corner
    top = y - h - base - 2 * pad
    if top < 0:
        top = y
    cv2.rectangle(image, (x, top), (x + w + 2 * pad, top + h + base + 2 * pad), params.digit_bgr, cv2.FILLED)
    cv2.putText(image, text, (x + pad, top + pad + h), params.font, scale, params.tag_text_bgr, thick, cv2.LINE_AA)


def annotate(frame: np.ndarray, reading: Reading, fps: float | None = None, params: DrawParams = DEFAULT) -> np.ndarray:
    """A BGR copy of `frame` with the reading drawn on it (and the frame rate when given)."""
    image = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR) if frame.ndim == 2 else frame[:, :, :3].copy()
    size = max(image.shape[0], 1) / params.reference_height
    scale = max(params.min_font_scale, params.font_scale * size)
    thick = max(1, round(params.thickness * size))
    margin = max(2, round(params.number_margin * size))
    for number in reading.numbers:
        x, y, w, h = number.box
        cv2.rectangle(image, (x - margin, y - margin), (x + w + margin, y + h + margin), params.number_bgr, thick)
        (_, text_h), _ = cv2.getTextSize(number.text, params.font, scale * params.number_text, thick)
        below = y + h + margin + text_h + 4 * thick
        outlined_text(image, number.text, (x - margin, below), scale * params.number_text, thick, params.number_bgr,
                      params)
    for digit in reading.digits:
        x, y, w, h = digit.box
        cv2.rectangle(image, (x, y), (x + w, y + h), params.digit_bgr, max(1, thick - 1))
        label = f"{digit.label} {digit.confidence:.0%}" if params.show_confidence else str(digit.label)
        _tag(image, label, (x, y), scale, max(1, thick - 1), params)
    if fps is not None:
        origin = (params.fps_margin, round(params.fps_height * size) + params.fps_margin)
        outlined_text(image, f"{fps:.1f} FPS", origin, scale * params.fps_text, thick, params.text_bgr, params)
    return image


class FpsMeter:
    """Frames per second, smoothed so the number on screen is readable."""

    def __init__(self, smoothing: float = 0.9):
        self.smoothing = smoothing  # weight of the previous estimate, 0..1
        self.fps: float | None = None
        self._last: float | None = None

    def tick(self) -> float | None:
        now = time.perf_counter()
        if self._last is not None and now > self._last:
            current = 1.0 / (now - self._last)
            self.fps = current if self.fps is None else self.smoothing * self.fps + (1 - self.smoothing) * current
        self._last = now
        return self.fps


class Window:
    """An OpenCV window when there is a display and a GUI build of OpenCV; `available` says which."""

    def __init__(self, title: str = "edge digits"):
        self.title = title
        self.available = self._open()

    def _open(self) -> bool:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return False
        try:  # opencv-python-headless has no GUI: namedWindow raises "not implemented"
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL)
        except cv2.error:
            return False
        return True

    def show(self, image: np.ndarray) -> bool:
        """Show `image`; False once the user pressed q or Esc or closed the window."""
        cv2.imshow(self.title, image)
        key = cv2.waitKey(1) & 0xFF
        closed = cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        return key not in (ord("q"), 27) and not closed

    def close(self) -> None:
        if self.available:
            cv2.destroyWindow(self.title)
