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
