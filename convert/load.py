"""Read and check what a conversion starts from: the Keras model, its training record and MNIST.

Every failure is a `ConvertError` with a one-line message naming the file, so the CLI never shows a traceback.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.normalize import DEFAULT as DEFAULT_NORMALIZE
from edge.normalize import NormalizeParams
from train import LABELS, REJECT_INDEX

INPUT_SHAPE = (28, 28, 1)  # the model contract in docs/DESIGN.md: raw 0..255 pixels, white ink on black


class ConvertError(Exception):
    """The conversion cannot start or finish; the message is one line for the user."""


@dataclass(frozen=True)
class Source:
    """The Keras model being converted and what the sidecars repeat from its training record."""

    path: Path
    sha256: str
    labels: list[str]
    reject_index: int
    normalize: NormalizeParams  # the framing the model was trained on: the test digits get the same


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def check_paths(model: Path, data: Path | None) -> None:
    """Fail fast, before TensorFlow is even imported, on paths that do not exist."""
    if not model.is_file():
        raise ConvertError(f"{model}: no such Keras model file")
    if data is not None and not data.exists():
        raise ConvertError(f"{data}: no such MNIST file or folder")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_keras_model(path: Path):
    """The Keras model at `path`, checked against the input contract (N, 28, 28, 1) -> (N, n_labels)."""
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # zip, h5, deserialization: all mean "not a model we can read"
        raise ConvertError(f"{path}: not a readable Keras model ({first_line(error)})") from None
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ConvertError(f"{path}: expected one input and one output, got {len(model.inputs)} and {len(model.outputs)}")
    shape = tuple(model.inputs[0].shape)
    if shape[1:] != INPUT_SHAPE:
        raise ConvertError(f"{path}: input shape {shape}, expected (None, 28, 28, 1) raw 0..255 pixels")
    return model


def read_source(path: Path, model) -> Source:
    """Labels and normalization from the training record next to the model (digits.json), else the defaults."""
    record_path = path.with_suffix(".json")
    record = {}
    if record_path.is_file():
        try:
            record = json.loads(record_path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ConvertError(f"{record_path}: unreadable training record ({first_line(error)})") from None
    labels = [str(label) for label in record.get("labels", LABELS)]
    reject_index = int(record.get("reject_index", REJECT_INDEX))
    outputs = int(model.outputs[0].shape[-1])
    if outputs != len(labels):
        raise ConvertError(f"{path}: {outputs} outputs but {len(labels)} labels in {record_path.name}")
    try:
        normalize = NormalizeParams(**record["normalize"]) if "normalize" in record else DEFAULT_NORMALIZE
    except TypeError as error:
        raise ConvertError(f"{record_path}: 'normalize' does not match NormalizeParams ({first_line(error)})") from None
    return Source(path, sha256(path), labels, reject_index, normalize)


def load_data(path: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST through train.data (an .npz, an IDX folder, or Keras' download when `path` is None)."""
    from train.data import DataError, load_mnist

    try:
        return load_mnist(path)
    except DataError as error:
        raise ConvertError(first_line(error)) from None
    except Exception as error:  # Keras' download: no network, a broken cache
        raise ConvertError(f"cannot load MNIST ({first_line(error)}); pass --data path/to/mnist.npz") from None
