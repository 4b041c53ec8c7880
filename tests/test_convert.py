"""convert/: every variant is written, loads in LiteRT with a batch of 16, agrees with float32, and the
sidecars say what the interpreter says. A tiny model of the real input contract keeps conversion to seconds."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convert.__main__ import main
from convert.evaluate import EvalParams
from convert.metadata import read_sidecar, tensor_details, tensor_info
from convert.pipeline import run
from convert.quantize import VARIANTS, QuantizeParams
from edge.classify import Classifier
from edge.normalize import DEFAULT, to_mnist_batch
from train import LABELS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "mnist_sample.npz"


def tiny_model(input_shape=(28, 28, 1), classes: int = 11):
    """The real model's contract (raw 0..255 pixels in, Rescaling inside, softmax out) in a few thousand weights."""
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input(input_shape)
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(8, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def sample():
    with np.load(SAMPLE) as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(scope="module")
def keras_path(tmp_path_factory, sample) -> Path:
    """A tiny model trained briefly (~2 s) on the shipped sample. One epoch leaves it near 30% accurate, with
    probabilities so flat that any rounding flips the answer; six give ~75%, margins like a real model's."""
    model = tiny_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(to_mnist_batch(sample["x_train"])[..., None].astype(np.float32), sample["y_train"],
              epochs=6, batch_size=16, verbose=0)
    path = tmp_path_factory.mktemp("keras") / "digits.keras"
    model.save(path)
    record = {"labels": LABELS, "reject_index": 10, "normalize": {**DEFAULT.as_dict(), "ink_threshold": 40}}
    path.with_suffix(".json").write_text(json.dumps(record))  # the training record: the sidecars repeat it
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory, keras_path) -> tuple[Path, list]:
    """Converted as make convert does it: the int8 pair into its own folder (edge/models there)."""
    out = tmp_path_factory.mktemp("models")
    results = run(keras_path, SAMPLE, out, quantize=QuantizeParams(representative=200),
                  evaluation=EvalParams(warmup=1, runs=3), progress=False, log=lambda message: None,
                  int8_out=out / "package")
    return out, results


def model_file(out: Path, variant: str) -> Path:
    """Where the `converted` run wrote a variant."""
    return out / "package" / "digits_int8.tflite" if variant == "int8" else out / f"digits_{variant}.tflite"


def test_the_int8_pair_goes_to_its_own_folder_and_the_rest_to_out(converted):
    out, _ = converted
    assert sorted(p.name for p in (out / "package").iterdir()) == ["digits_int8.json", "digits_int8.tflite"]
    assert not (out / "digits_int8.tflite").exists() and (out / "convert_report.md").is_file()
    assert sorted(p.name for p in out.glob("digits_*.tflite")) == sorted(f"digits_{v}.tflite" for v in VARIANTS if v != "int8")


def test_every_variant_runs_a_batch_of_16(converted, sample):
    out, results = converted
    assert [r.variant for r in results] == list(VARIANTS)
    batch = to_mnist_batch(sample["x_test"][:16])
    for variant in VARIANTS:
        classifier = Classifier(model_file(out, variant))
        probabilities = classifier.predict(batch)
        assert probabilities.shape == (16, 11)
        assert np.allclose(probabilities.sum(axis=1), 1.0, atol=0.05)
        assert int(tensor_details(classifier.model_path)[0]["shape_signature"][0]) == -1  # dynamic batch


def test_int8_takes_uint8_pixels_and_agrees_with_float32(converted, sample):
    out, _ = converted
    metadata = read_sidecar(model_file(out, "int8"))
    assert metadata["input"]["dtype"] == "uint8" and metadata["output"]["dtype"] == "uint8"
    assert metadata["input"]["range"] == [0, 255]
    images = to_mnist_batch(sample["x_test"])
    float32 = Classifier(model_file(out, "float32")).predict(images).argmax(axis=1)
    int8 = Classifier(model_file(out, "int8")).predict(images).argmax(axis=1)
    assert (float32 == int8).mean() >= 0.98
    assert (float32 == sample["y_test"]).mean() > 0.5  # the tiny model did learn something: agreement is not trivial


def test_sidecar_matches_the_interpreter(converted, keras_path):
    out, _ = converted
    sha = hashlib.sha256(keras_path.read_bytes()).hexdigest()
    for variant in VARIANTS:
        path = model_file(out, variant)
        written = json.loads(path.with_suffix(".json").read_text())
        inp, outp = tensor_details(path)
        assert written["variant"] == variant
        assert written["labels"] == [str(d) for d in range(10)] + ["not a digit"]
        assert written["reject_index"] == 10
        assert written["input"]["shape"] == [int(n) for n in inp["shape_signature"][1:]] == [28, 28, 1]
        assert {k: written["input"][k] for k in ("dtype", "scale", "zero_point")} == tensor_info(inp)
        assert written["output"] == tensor_info(outp)
        assert written["input"]["polarity"] == "white_on_black"
        assert written["normalize"] == {**DEFAULT.as_dict(), "ink_threshold": 40}  # from digits.json
        assert written["source"] == {"model": "digits.keras", "sha256": sha}
        expected_input = "uint8" if variant == "int8" else "float32"
        assert written["input"]["dtype"] == expected_input


def test_report_has_every_variant_on_the_whole_test_set(converted):
    out, results = converted
    data = json.loads((out / "convert_report.json").read_text())
    assert [r["variant"] for r in data["results"]] == list(VARIANTS)
    for row in data["results"]:
        assert row["images"] == 400 and 0.0 <= row["accuracy"] <= 1.0
        assert row["size_bytes"] == model_file(out, row["variant"]).stat().st_size
        assert row["latency_ms"] > 0 and row["batch_per_image_ms"] > 0
    assert len(data["targets"]) == 2
    text = (out / "convert_report.md").read_text()
    assert all(f"| {variant} |" in text for variant in VARIANTS)
    int8, float32 = results[3], results[0]
    assert int8.size_bytes < float32.size_bytes / 2


def one_error_line(argv: list[str], capfd) -> str:
    assert main(argv) != 0
    err = capfd.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_every_sidecar_names_the_second_opinion_by_its_path_from_there(converted, keras_path, tmp_path):
    """make convert converts the blur fine-tune first and names it in the main model's sidecars; the runner
    then loads both."""
    out, _ = converted
    other = out / "package" / "digits_int8.tflite"
    run(keras_path, SAMPLE, tmp_path, variants=("float32", "int8"), quantize=QuantizeParams(representative=50),
        evaluation=EvalParams(warmup=1, runs=1), progress=False, log=lambda message: None,
        int8_out=out / "package" / "again", second_opinion=other)
    named = read_sidecar(tmp_path / "digits_float32.tflite")["second_opinion"]
    assert not Path(named).is_absolute() and (tmp_path / named).resolve() == other.resolve()
    again = out / "package" / "again" / "digits_int8.tflite"
    assert read_sidecar(again)["second_opinion"] == str(Path("..") / "digits_int8.tflite")
    assert Classifier(again).second_opinion.model_path.resolve() == other.resolve()


def test_a_missing_second_opinion_is_refused_before_converting(tmp_path, keras_path, capfd):
    error = one_error_line(["--model", str(keras_path), "--out", str(tmp_path), "--second-opinion",
                            str(tmp_path / "blur.tflite")], capfd)
    assert "blur.tflite: no converted model with its .json sidecar" in error
    assert not list(tmp_path.glob("*.tflite"))


def test_missing_model(tmp_path, capfd):
    assert "no such Keras model" in one_error_line(["--model", str(tmp_path / "nope.keras"), "--out", str(tmp_path)], capfd)


def test_unreadable_model(tmp_path, capfd):
    bad = tmp_path / "digits.keras"
    bad.write_bytes(b"not a zip file")
    assert "not a readable Keras model" in one_error_line(["--model", str(bad), "--out", str(tmp_path)], capfd)


def test_unexpected_input_shape(tmp_path, capfd):
    path = tmp_path / "big.keras"
    tiny_model(input_shape=(32, 32, 1)).save(path)
    assert "input shape" in one_error_line(["--model", str(path), "--data", str(SAMPLE), "--out", str(tmp_path)], capfd)


def test_outputs_must_match_labels(tmp_path, capfd):
    path = tmp_path / "ten.keras"
    tiny_model(classes=10).save(path)
    assert "10 outputs but 11 labels" in one_error_line(["--model", str(path), "--out", str(tmp_path)], capfd)


def test_bad_data_path(tmp_path, keras_path, capfd):
    missing = tmp_path / "mnist.npz"
    assert "no such MNIST" in one_error_line(["--model", str(keras_path), "--data", str(missing), "--out", str(tmp_path)], capfd)
    missing.write_bytes(b"garbage")
    assert "not a readable .npz" in one_error_line(["--model", str(keras_path), "--data", str(missing), "--out", str(tmp_path)], capfd)


def test_cli_error_is_one_line_without_traceback(tmp_path):
    """The real command line, in its own process: exit status 1 and one line on stderr."""
    done = subprocess.run([sys.executable, "-m", "convert", "--model", str(tmp_path / "nope.keras")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"convert: error: {tmp_path / 'nope.keras'}: no such Keras model file"]
