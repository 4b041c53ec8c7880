"""Overlay: draws boxes, labels, numbers and FPS on a copy; gray frames come back in colour."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from edge.draw import DEFAULT, FpsMeter, Window, annotate, outlined_text
from edge.group import Digit, Number
from edge.reader import Reading


def reading() -> Reading:
    digits = [Digit(label=4, confidence=0.97, box=(100, 120, 40, 60)), Digit(label=2, confidence=0.9, box=(150, 120, 40, 60))]
    return Reading(digits=digits, numbers=[Number(text="42", box=(100, 120, 90, 60), digits=digits)], orientation=0,
                   shape=(360, 480))


def test_annotate_draws_on_a_copy():
    frame = np.full((360, 480, 3), 200, np.uint8)
    shown = annotate(frame, reading())
    assert (frame == 200).all()  # the input is untouched
    changed = np.any(shown != frame, axis=2)
    assert changed[120:180, 100].any() and changed[120:180, 190].any()  # box edges
    assert changed[:120, 100:190].any()  # digit labels above the boxes
    assert not changed[300:, 300:].any()  # nothing far away


def test_gray_frame_and_fps():
    frame = np.full((360, 480), 90, np.uint8)
    plain = annotate(frame, Reading([], [], 0, frame.shape))
    assert plain.shape == (360, 480, 3) and (plain == 90).all()
    with_fps = annotate(frame, Reading([], [], 0, frame.shape), fps=12.5)
    assert np.any(with_fps[:40, :120] != 90)


def test_outlined_text_is_the_colour_inside_a_dark_outline():
    image = np.full((60, 240, 3), 128, np.uint8)
    outlined_text(image, "7 read 1", (10, 40), 0.8, 1, (0, 150, 255))
    pixels = image.reshape(-1, 3).astype(int)

    def drawn(colour) -> bool:  # anti-aliasing leaves a 1 px stroke a few levels short on some OpenCV builds
        return bool((np.abs(pixels - np.array(colour)).max(axis=1) <= 24).any())

    assert drawn((0, 150, 255)) and drawn(DEFAULT.shadow_bgr)  # glyphs and their outline
    assert (image[:, 200:] == 128).all()  # in place, where the text goes only


def test_fps_meter_smooths():
    meter = FpsMeter()
    assert meter.tick() is None
    for _ in range(3):
        fps = meter.tick()
    assert fps is not None and fps > 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY decides only on Linux")
def test_window_falls_back_without_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert Window().available is False
