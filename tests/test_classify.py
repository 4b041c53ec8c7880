"""Classifier: batching, quantization, sidecar metadata and the errors a bad model gives."""
from __future__ import annotations

import json
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from edge import classify
from edge.classify import Classifier, ModelError

DATA = Path(__file__).parent / "data" / "mnist_sample.npz"
MODELS = Path(__file__).resolve().parent.parent / "models"


def default_model() -> Path:
    """The model the runner uses by default; the trained one must be committed for these tests."""
    path = classify.default_model_path()
    if not path.is_file():
        pytest.fail(f"{path} is missing: train and convert the model first (make train convert)")
    return path


def copy_model(tmp_path: Path, sidecar: dict | None = None) -> Path:
    """The default model copied to tmp_path, optionally with an edited sidecar."""
    source = default_model()
    target = tmp_path / source.name
    shutil.copy(source, target)
    metadata = json.loads(source.with_suffix(".json").read_text())
    target.with_suffix(".json").write_text(json.dumps({**metadata, **(sidecar or {})}))
    return target


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    with np.load(DATA) as data:
        return data["x_test"], data["y_test"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(default_model())


def variants() -> list[Path]:
    """The default (the int8 model the package ships) and every other converted variant in models/."""
    return [classify.DEFAULT_MODEL, *sorted(MODELS.glob("digits_*.tflite"))]


@pytest.mark.parametrize("model", variants(), ids=lambda p: p.stem)
def test_batched_and_single_predictions_agree(model, digits):
    images, labels = digits
    classifier = Classifier(model if model.is_file() else default_model())
    batch = classifier.predict(images[:32])
    single = np.concatenate([classifier.predict(image[None]) for image in images[:32]])
    assert batch.shape == (32, len(classifier.labels)) and batch.dtype == np.float32
    np.testing.assert_allclose(batch, single, atol=1e-5)
    np.testing.assert_allclose(batch.sum(axis=1), 1.0, atol=0.02)  # probabilities, dequantized
    assert (batch.argmax(axis=1) == labels[:32]).mean() >= 0.9


def test_reads_mnist_test_digits(classifier, digits):
    images, labels = digits
    accuracy = (classifier.predict(images).argmax(axis=1) == labels).mean()
    assert accuracy >= 0.95, accuracy


def test_changing_batch_sizes_reuse_one_interpreter(classifier, digits):
    images, _ = digits
    first = classifier.predict(images[:3])
    classifier.predict(images[:7])
    np.testing.assert_array_equal(classifier.predict(images[:3]), first)
    assert classifier.predict(images[:0]).shape == (0, len(classifier.labels))
    with pytest.raises(ValueError):
        classifier.predict(np.zeros((2, 20, 20), np.uint8))


def test_metadata_comes_from_the_sidecar(classifier):
    assert classifier.labels[:10] == [str(d) for d in range(10)]
    assert classifier.reject_index is not None and classifier.labels[classifier.reject_index] == "not a digit"
    assert classifier.normalize_params.size == 28


def test_environment_overrides_default_model(tmp_path, monkeypatch):
    copy = copy_model(tmp_path)
    monkeypatch.setenv(classify.MODEL_ENV, str(copy))
    assert Classifier().model_path == copy


def test_black_on_white_polarity_inverts_crops(tmp_path, classifier, digits):
    images, _ = digits
    metadata = json.loads(classifier.model_path.with_suffix(".json").read_text())
    inverted = Classifier(copy_model(tmp_path, {"input": {**metadata["input"], "polarity": "black_on_white"}}))
    np.testing.assert_array_equal(inverted.predict(255 - images[:8]), classifier.predict(images[:8]))


def test_missing_model(tmp_path):
    with pytest.raises(ModelError, match="model not found"):
        Classifier(tmp_path / "nothing.tflite")


def test_corrupt_model(tmp_path):
    model = copy_model(tmp_path)
    model.write_bytes(b"this is not a flatbuffer" * 10)
    with pytest.raises(ModelError, match="not a usable TFLite model"):
        Classifier(model)


@pytest.mark.parametrize(
    "sidecar, message",
    [
        (None, "metadata not found"),
        ("{not json", "unreadable model metadata"),
        ({"labels": ["0", "1"], "reject_index": None}, "outputs but 2 labels"),
        ({"reject_index": 42}, "reject_index"),
        ({"labels": "0123456789x"}, "no 'labels' list"),
    ],
)
def test_bad_sidecar(tmp_path, sidecar, message):
    model = copy_model(tmp_path)
    if sidecar is None:
        model.with_suffix(".json").unlink()
    elif isinstance(sidecar, str):
        model.with_suffix(".json").write_text(sidecar)
    else:
        model = copy_model(tmp_path, sidecar)
    with pytest.raises(ModelError, match=message) as error:
        Classifier(model)
    assert "\n" not in str(error.value)


def test_tflite_runtime_is_the_fallback(monkeypatch):
    """Without LiteRT the runner takes tflite_runtime's Interpreter (faked here; `make test-legacy` runs the
    whole runner suite on the real tflite-runtime with NumPy 1)."""
    real = classify._interpreter_class()
    fallback = types.ModuleType("tflite_runtime.interpreter")
    fallback.Interpreter = type("FallbackInterpreter", (real,), {})
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "tflite_runtime", types.ModuleType("tflite_runtime"))
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", fallback)
    assert type(classify.load_interpreter(default_model())).__name__ == "FallbackInterpreter"


def test_the_installed_interpreter_is_used():
    """LiteRT where it is installed, else the real tflite_runtime (the legacy venv of `make test`)."""
    try:
        import ai_edge_litert  # noqa: F401
        expected = "ai_edge_litert"
    except ImportError:
        expected = "tflite_runtime"
    assert classify._interpreter_class().__module__.startswith(expected)


def test_no_interpreter_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", None)
    with pytest.raises(ModelError, match="no TFLite interpreter installed"):
        classify.load_interpreter(default_model())
