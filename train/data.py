"""Load MNIST from a keras-style .npz, a folder of the four IDX files, or Keras' own download.

Every failure is a `DataError` whose message names the file and what is wrong, so the CLI can print one line.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
IDX_MAGIC = {3: 0x00000803, 1: 0x00000801}  # unsigned-byte images (3 dims) and labels (1 dim)

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class DataError(Exception):
    """MNIST could not be read; the message is one line naming the file."""


def check_split(name: str, x: np.ndarray, y: np.ndarray, where: str) -> None:
    """Refuse anything that is not N×28×28 uint8 images with N labels in 0..9."""
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"{where}: x_{name} has shape {x.shape}, expected (N, 28, 28)")
    if x.dtype != np.uint8:
        raise DataError(f"{where}: x_{name} has dtype {x.dtype}, expected uint8")
    if y.ndim != 1 or len(y) != len(x):
        raise DataError(f"{where}: y_{name} has shape {y.shape}, expected ({len(x)},)")
    if not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{where}: y_{name} has dtype {y.dtype}, expected integers")
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise DataError(f"{where}: y_{name} has labels outside 0-9 ({int(y.min())}..{int(y.max())})")


def load_npz(path: Path) -> Split:
    try:
        with np.load(path, allow_pickle=False) as d:
            missing = [k for k in IDX_FILES if k not in d.files]
            if missing:
                raise DataError(f"{path}: missing arrays {', '.join(missing)} (expected the keras MNIST layout)")
            arrays = {k: d[k] for k in IDX_FILES}
    except DataError:
        raise
    except Exception as e:  # zipfile, truncated members, pickles: all "not a readable npz"
        raise DataError(f"{path}: not a readable .npz file ({type(e).__name__}: {e})") from None
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (gzipped or not) as a uint8 array, checking its magic number and declared size."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    if len(raw) < 8:
        raise DataError(f"{path}: truncated IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    ndim = raw[3]
    if ndim not in IDX_MAGIC or magic != IDX_MAGIC[ndim]:
        raise DataError(f"{path}: bad IDX magic number 0x{magic:08x}")
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataError(f"{path}: truncated or oversized: {len(raw) - header} data bytes for shape {shape}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).exists():
            return folder / name
    raise DataError(f"{folder}: no {stem}[.gz] in this folder")


def load_idx_folder(folder: Path) -> Split:
    arrays = {k: read_idx(find_idx(folder, stem)) for k, stem in IDX_FILES.items()}
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]


def load_mnist(path: str | Path | None = None) -> Split:
    """(x_train, y_train, x_test, y_test) as uint8; white ink on black, 28×28, labels 0..9."""
    if path is None:
        from keras.datasets import mnist  # the only place that may download

        (x_train, y_train), (x_test, y_test) = mnist.load_data()
        where = "keras.datasets.mnist"
    else:
        p = Path(path)
        if not p.exists():
            raise DataError(f"{p}: no such file or folder")
        x_train, y_train, x_test, y_test = load_idx_folder(p) if p.is_dir() else load_npz(p)
        where = str(p)
    check_split("train", x_train, y_train, where)
    check_split("test", x_test, y_test, where)
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64)


def split_validation(x: np.ndarray, y: np.ndarray, count: int, seed: int) -> Split:
    """Hold out `count` training images (a seeded random pick) for validation; the test set stays untouched."""
    if count >= len(x):
        raise ValueError(f"holding out {count} of {len(x)} training images for validation leaves nothing to train on")
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:count], order[count:]
    return x[train], y[train], x[val], y[val]
