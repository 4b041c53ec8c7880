"""End to end on a few hundred shipped digits: the CLI trains, checkpoints and writes a loadable model."""
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from train.__main__ import config, main, parse_args
from train.config import TrainConfig
from train.fit import batch_maker, distilled, train_dataset
from train.model import build_model

ROOT = Path(__file__).resolve().parent.parent


def test_batches_are_reproducible_and_mix_in_nondigits(mnist_sample):
    x, y = mnist_sample[0], mnist_sample[1]
    cfg = TrainConfig(batch_size=100)
    make = batch_maker(x, y, cfg, steps=3)
    images, labels = make(4)
    again, _ = batch_maker(x, y, cfg, steps=3)(4)
    np.testing.assert_array_equal(images, again)
    assert images.shape == (100, 28, 28, 1) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 255
    classes = labels.argmax(1)
    assert 5 <= (classes == 10).sum() <= 35  # about 20 % "not a digit"
    np.testing.assert_allclose(labels.sum(1), 1.0)


def test_tiny_training_run_writes_a_loadable_model(tmp_path, sample_path, mnist_sample, capsys):
    code = main(["--data", str(sample_path), "--out", str(tmp_path), "--epochs", "1", "--validation", "50",
                 "--batch-size", "50", "--skip-eval"])
    assert code == 0
    out = capsys.readouterr().out
    assert "epoch   1" in out  # progress per epoch
    record = json.loads((tmp_path / "digits.json").read_text())
    assert record["epochs_run"] == 1 and record["best_epoch"] == 1 and record["labels"][10] == "not a digit"
    assert record["parameters"] <= 300_000 and record["normalize"]["box"] == 20
    model = keras.models.load_model(tmp_path / "digits.keras")
    p = model.predict(mnist_sample[2][:8, ..., None].astype(np.float32), verbose=0)
    assert p.shape == (8, 11)

    # --eval-only: the same model evaluated again, pictures and record updated
    assert main(["--data", str(sample_path), "--out", str(tmp_path), "--eval-only"]) == 0
    record = json.loads((tmp_path / "digits.json").read_text())
    assert record["epochs_run"] == 1 and 0 <= record["evaluation"]["test_accuracy"] <= 1
    assert {c["name"] for c in record["evaluation"]["conditions"]} >= {"rotate +30", "rotate -45"}
    assert (tmp_path / "eval" / "robustness.png").stat().st_size > 1000

    # --init: a fine-tuning stage starts from that model and keeps the record of the stage before;
    # --weight-decay reaches the optimizer saved with the model, --label-smoothing the record
    stage2 = tmp_path / "stage2"
    assert main(["--data", str(sample_path), "--out", str(stage2), "--epochs", "1", "--validation", "50",
                 "--batch-size", "50", "--skip-eval", "--init", str(tmp_path / "digits.keras"),
                 "--learning-rate", "1e-4", "--warmup-epochs", "0", "--weight-decay", "0.05",
                 "--label-smoothing", "0.1"]) == 0
    record = json.loads((stage2 / "digits.json").read_text())
    assert record["config"]["init"].endswith("digits.keras") and record["init_record"]["epochs_run"] == 1
    assert record["config"]["weight_decay"] == 0.05 and record["config"]["label_smoothing"] == 0.1
    assert keras.models.load_model(stage2 / "digits.keras").optimizer.weight_decay == pytest.approx(0.05)

    # --teacher: a new model distilled from the two before, the teachers named in its record; --dropout
    # reaches the new model's layers
    student = tmp_path / "student"
    assert main(["--data", str(sample_path), "--out", str(student), "--epochs", "1", "--validation", "50",
                 "--batch-size", "50", "--skip-eval", "--teacher", str(tmp_path / "digits.keras"),
                 "--teacher", str(stage2 / "digits.keras"), "--distill-weight", "0.5",
                 "--dropout", "0,0.1,0.2,0.3"]) == 0
    record = json.loads((student / "digits.json").read_text())
    assert len(record["config"]["teachers"]) == 2 and record["config"]["distill_weight"] == 0.5
    assert record["config"]["dropout"] == [0, 0.1, 0.2, 0.3]
    saved = keras.models.load_model(student / "digits.keras")
    assert saved.output_shape == (None, 11)
    assert [l.rate for l in saved.layers if isinstance(l, keras.layers.Dropout)] == [0, 0.1, 0.2, 0.3]


def test_distilled_targets_mix_the_teachers_average_into_the_labels(mnist_sample):
    x, y = mnist_sample[0], mnist_sample[1]
    ds, _ = train_dataset(x, y, TrainConfig(epochs=1, batch_size=32))
    keras.utils.set_random_seed(0)
    teachers = [build_model(), build_model()]
    images, labels = next(iter(ds))
    soft = (teachers[0](images, training=False) + teachers[1](images, training=False)).numpy() / 2
    for weight in (0.0, 0.7, 1.0):
        mixed_images, mixed = next(iter(distilled(ds, teachers, weight)))
        np.testing.assert_array_equal(mixed_images.numpy(), images.numpy())  # the teachers see the same batch
        np.testing.assert_allclose(mixed.numpy(), (1 - weight) * labels.numpy() + weight * soft, atol=1e-5)
        np.testing.assert_allclose(mixed.numpy().sum(1), 1.0, atol=1e-5)


def test_bad_data_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert main(["--data", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and str(bad) in err and "\n" not in err


def test_eval_only_without_a_model_is_one_line(tmp_path, sample_path, capsys):
    assert main(["--data", str(sample_path), "--out", str(tmp_path), "--eval-only"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "digits.keras" in err and "\n" not in err


def test_mirrored_strategy_over_logical_cpus(tmp_path, sample_path):
    """The multi-device path, exercised on two logical CPU devices (a fresh process: devices are set once)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(
        [sys.executable, "-m", "train", "--data", str(sample_path), "--out", str(tmp_path), "--epochs", "1",
         "--validation", "50", "--batch-size", "64", "--skip-eval", "--strategy", "mirrored", "--logical-cpus", "2"],
        capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    record = json.loads((tmp_path / "digits.json").read_text())
    assert record["replicas"] == 2 and record["config"]["strategy"] == "mirrored"


@pytest.mark.parametrize("flags, words", [
    (["--epochs", "0"], "epochs must be at least 1"),
    (["--batch-size", "0"], "batch size"),
    (["--learning-rate", "-1"], "learning rate"),
    (["--label-smoothing", "1"], "label smoothing must be from 0 to below 1 (got 1.0)"),
    (["--weight-decay", "-0.01"], "weight decay must be 0 or more (got -0.01)"),
    (["--warmup-epochs", "5", "--epochs", "2"], "warm-up epochs"),
    (["--validation", "0"], "validation"),
    (["--clean-fraction", "1.5"], "clean fraction"),
    (["--nondigit-fraction", "1"], "non-digit fraction"),
    (["--elastic", "-0.5"], "elastic probability must be from 0 to 1 (got -0.5)"),
    (["--even-pen", "2"], "pen probability must be from 0 to 1 (got 2.0)"),
    (["--max-thicken", "0"], "max thicken must be 1 canvas pixel or more (got 0)"),
    (["--validation", "100000"], "leaves nothing to train on"),
    (["--teacher", "any.keras", "--distill-weight", "1.5"], "distill weight must be from 0 to 1"),
    (["--dropout", "0.1,0.2"], "dropout needs four rates from 0 to below 1 (got 0.1, 0.2)"),
    (["--dropout", "0.1,0.2,0.3,1"], "dropout needs four rates"),
    (["--dropout", "0.1,high,0.3,0.3"], "dropout must be comma-separated rates"),
])
def test_bad_settings_are_one_line_and_exit_2(tmp_path, sample_path, capsys, flags, words):
    assert main(["--data", str(sample_path), "--out", str(tmp_path), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and words in err and "\n" not in err
    assert not (tmp_path / "digits.keras").exists()


def test_augmentation_flags_reach_the_config():
    """The defaults train the committed model; the flags change only their own knob."""
    assert config(parse_args([])).augment == TrainConfig().augment
    a = config(parse_args(["--elastic", "0.5", "--clean-fraction", "0.45", "--camera-blur", "0.3"])).augment
    assert (a.elastic_probability, a.clean_fraction, a.camera_blur_probability) == (0.5, 0.45, 0.3)
    assert a.nondigit_fraction == TrainConfig().augment.nondigit_fraction
    c = config(parse_args(["--flagged-ones", "0.3", "--nondigit-glyphs", "Ad?", "--even-pen", "0.35"]))
    assert (c.augment.flagged_ones, c.nondigits.glyphs, c.augment.pen_probability) == (0.3, "Ad?", 0.35)
    assert config(parse_args([])).nondigits == TrainConfig().nondigits


def test_config_refuses_what_the_cli_cannot_send():
    """Python callers get the same checks: a wrong monitor would otherwise reach Keras and save nothing."""
    with pytest.raises(ValueError, match="monitor must be one of val_accuracy, val_loss"):
        TrainConfig(monitor="accuracy")
    with pytest.raises(ValueError, match="strategy"):
        TrainConfig(strategy="tpu")


def test_a_missing_or_damaged_teacher_is_one_line(tmp_path, sample_path, capsys):
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(b"PK not really a keras archive")
    ten = tmp_path / "ten.keras"  # a model of MNIST's ten classes, without "not a digit"
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]).save(ten)
    for teacher, words in ((tmp_path / "none.keras", "no such teacher model"), (damaged, "not a Keras model"),
                           (ten, "gives 10 outputs, not a digit model")):
        assert main(["--data", str(sample_path), "--out", str(tmp_path / "out"), "--epochs", "1",
                     "--validation", "50", "--teacher", str(teacher)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and str(teacher) in err and words in err and "\n" not in err
    assert not (tmp_path / "out" / "digits.keras").exists()
