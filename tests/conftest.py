"""Shared fixtures: the small MNIST sample shipped in tests/data (never ../shared), and a bomb's PNG header."""
from __future__ import annotations

import os
import struct
import sys
import zlib
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "mnist_sample.npz"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def mnist_sample() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train 300, y_train, x_test 400, y_test): uint8 white-on-black 28×28 MNIST digits."""
    with np.load(SAMPLE) as d:
        return d["x_train"], d["y_train"].astype(np.int64), d["x_test"], d["y_test"].astype(np.int64)


@pytest.fixture(scope="session")
def png_header() -> Callable[[int, int], bytes]:
    """Makes the start of a PNG that declares width x height pixels with none behind it: all that a
    decompression bomb shows before it is decoded (tests check it is refused from this alone)."""

    def make(width: int, height: int) -> bytes:
        ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))

    return make


@pytest.fixture(scope="session")
def realdev_folder(tmp_path_factory, mnist_sample):
    """A labelled folder like ../shared/realdev, made here: three images, two upright frames from two sources
    and the second turned a quarter (as the set's page)."""
    import json

    import cv2

    from bench.frames import MnistTestSet, make_frame
    from edge.reader import unrotate_box

    root = tmp_path_factory.mktemp("realdev")
    (root / "images").mkdir()
    digits = MnistTestSet(mnist_sample[2], mnist_sample[3])
    entries = []
    for name, suite, index, repo, capture, turn in (("a.png", "even", 0, "x/one", "scan", 0),
                                                     ("b.jpg", "even", 1, "y/two", "phone_photo", 0),
                                                     ("c.png", "even", 1, "y/two", "phone_photo", 90)):
        frame = make_frame(digits, suite, index, seed=5)
        image, boxes = frame.image, [t.box for t in frame.digits]
        if turn:  # stored turned 90 degrees clockwise: turning it 90 counter-clockwise makes it upright
            boxes = [unrotate_box(b, 270, image.shape[1::-1]) for b in boxes]  # shape of the turned image
            image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
        cv2.imwrite(str(root / "images" / name), image)
        entries.append({"file": name, "width": image.shape[1], "height": image.shape[0], "repo": repo,
                        "capture": capture, "rotation_ccw_to_upright_deg": turn,
                        "digits": [{"label": t.label, "box": list(b)} for t, b in zip(frame.digits, boxes)]})
    (root / "labels.json").write_text(json.dumps(entries))
    return root
