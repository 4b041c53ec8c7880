"""Classifier: batching, quantization, sidecar metadata and the errors a bad model gives."""
from __future__ import annotations

import json
import shutil
import sys
import threading
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
    """The default model copied to tmp_path (with the second opinion its sidecar names), optionally with an
    edited sidecar."""
    source = default_model()
    target = tmp_path / source.name
    shutil.copy(source, target)
    metadata = json.loads(source.with_suffix(".json").read_text())
    if metadata.get("second_opinion"):
        other = source.parent / metadata["second_opinion"]
        for path in (other, other.with_suffix(".json")):
            shutil.copy(path, tmp_path / path.name)
        metadata["second_opinion"] = other.name
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


def test_changing_batch_sizes_never_resize_an_interpreter(digits):
    images, _ = digits
    classifier = Classifier(default_model())
    for interpreter in classifier._interpreters.values():  # a resize after start-up would fail loudly
        interpreter.resize_tensor_input = interpreter.allocate_tensors = None
    first = classifier.predict(images[:3])
    for n in (7, 16, 40, 1, 0, 13):
        assert classifier.predict(images[:n]).shape == (n, len(classifier.labels))
    np.testing.assert_array_equal(classifier.predict(images[:3]), first)
    with pytest.raises(ValueError):
        classifier.predict(np.zeros((2, 20, 20), np.uint8))


@pytest.mark.parametrize("n, sizes, expected", [
    (0, (1, 2, 4, 8, 16), []),
    (13, (1, 2, 4, 8, 16), [8, 4, 1]),
    (40, (1, 2, 4, 8, 16), [16, 16, 8]),
    (6, (1, 4, 16), [4, 1, 1]),
    (13, (8,), [8, 8]),  # no size 1: the rest runs padded
    (3, (4, 16), [4]),
])
def test_a_batch_runs_as_the_largest_sizes_that_fit(n, sizes, expected):
    assert classify.chunks(n, sizes) == expected


@pytest.mark.parametrize("sizes", [(1,), (8,), (1, 4, 16), (3, 5)])
def test_every_choice_of_batch_sizes_gives_the_same_probabilities(classifier, digits, sizes):
    images, _ = digits
    other = Classifier(default_model(), batch_sizes=sizes)
    for n in (1, 6, 13, 37):
        np.testing.assert_allclose(other.predict(images[:n]), classifier.predict(images[:n]), atol=1e-6)


def test_batch_sizes_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        Classifier(default_model(), batch_sizes=(0, 4))


def test_threads_sharing_one_classifier_get_their_own_answers(classifier, digits):
    images, _ = digits
    sizes = [3, 11, 1, 16, 7, 25, 2, 9]
    expected = [classifier.predict(images[i : i + n]) for i, n in enumerate(sizes)]
    got: dict[int, list[np.ndarray]] = {}

    def work(worker: int) -> None:
        got[worker] = [classifier.predict(images[i : i + n]) for _ in range(5) for i, n in enumerate(sizes)]

    workers = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for answers in got.values():
        for i, answer in enumerate(answers):
            np.testing.assert_array_equal(answer, expected[i % len(sizes)])


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


def test_the_shipped_model_brings_its_blur_trained_second_opinion(classifier, digits):
    """The sidecar names a second model (fine-tuned on camera blur) that the reader asks about crops it would
    drop; it reads the same labels, and MNIST nearly as well."""
    other = classifier.second_opinion
    assert other is not None and other.model_path != classifier.model_path and other.second_opinion is None
    assert other.labels == classifier.labels and other.reject_index == classifier.reject_index
    images, labels = digits
    assert (other.predict(images[:200]).argmax(axis=1) == labels[:200]).mean() > 0.97
    assert Classifier(classifier.model_path, second_opinion=False).second_opinion is None


def test_a_sidecar_without_a_second_opinion_loads_one_model(tmp_path):
    model = copy_model(tmp_path)
    metadata = json.loads(model.with_suffix(".json").read_text())
    model.with_suffix(".json").write_text(json.dumps({k: v for k, v in metadata.items() if k != "second_opinion"}))
    assert Classifier(model).second_opinion is None


def test_a_missing_or_mismatched_second_opinion_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="model not found"):
        Classifier(copy_model(tmp_path, {"second_opinion": "gone.tflite"}))
    model = copy_model(tmp_path)
    other = tmp_path / json.loads(model.with_suffix(".json").read_text())["second_opinion"]
    metadata = json.loads(other.with_suffix(".json").read_text())
    turned = {"labels": metadata["labels"][-1:] + metadata["labels"][:-1], "reject_index": 0}  # valid, but not the same
    other.with_suffix(".json").write_text(json.dumps({**metadata, **turned}))
    with pytest.raises(ModelError, match="labels differ") as error:
        Classifier(model)
    assert "\n" not in str(error.value)


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
