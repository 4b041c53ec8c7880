"""Training: a seeded tf.data pipeline of augmented batches, a warm-up + cosine schedule, checkpoints.

Every batch is made from its serial number alone (seed, epoch order, augmentation), so a run is
reproducible and the batches can be built in parallel while the model trains.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from edge.normalize import DEFAULT as NORMALIZE, to_mnist_batch
from train import LABELS, REJECT_INDEX
from train.augment import augment_batch
from train.config import STRATEGIES, TrainConfig
from train.model import build_model
from train.nondigits import nondigit_batch


def make_strategy(name: str) -> tf.distribute.Strategy:
    """One machine (default), all local GPUs or logical CPUs (mirrored), or a TF_CONFIG cluster (multiworker)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy([d.name for d in gpus or tf.config.list_logical_devices("CPU")])
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r} ({', '.join(STRATEGIES)})")


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(len(LABELS), dtype=np.float32)[labels]


def batch_maker(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, steps: int):
    """The numpy function that builds training batch number k: digits augmented, some replaced by non-digits."""

    @lru_cache(maxsize=2)
    def order(epoch: int) -> np.ndarray:
        return np.random.default_rng([cfg.seed, epoch]).permutation(len(x))

    def make(k) -> tuple[np.ndarray, np.ndarray]:
        epoch, step = divmod(int(k), steps)
        idx = order(epoch)[step * cfg.batch_size : (step + 1) * cfg.batch_size]
        rng = np.random.default_rng([cfg.seed, 1, int(k)])
        images, labels = augment_batch(x[idx], rng, cfg.augment, y[idx]), y[idx].copy()
        slots = np.flatnonzero(rng.random(len(idx)) < cfg.augment.nondigit_fraction)
        images[slots] = nondigit_batch(len(slots), rng, x, cfg.nondigits, look=cfg.augment)
        labels[slots] = REJECT_INDEX
        return images[..., None].astype(np.float32), one_hot(labels)

    return make


def train_dataset(x: np.ndarray, y: np.ndarray, cfg: TrainConfig) -> tuple[tf.data.Dataset, int]:
    steps = int(np.ceil(len(x) / cfg.batch_size))
    make = batch_maker(x, y, cfg, steps)

    def tf_make(k):
        images, labels = tf.numpy_function(make, [k], (tf.float32, tf.float32), stateful=False)
        images.set_shape((None, 28, 28, 1))
        labels.set_shape((None, len(LABELS)))
        return images, labels

    ds = tf.data.Dataset.range(cfg.epochs * steps)
    ds = ds.map(tf_make, num_parallel_calls=2, deterministic=True).prefetch(4)
    return ds, steps


def load_teachers(paths: tuple[str, ...]) -> list[keras.Model]:
    """The distillation teachers, or ValueError naming the file that is missing or not a Keras model."""
    teachers = []
    for path in paths:
        if not Path(path).is_file():
            raise ValueError(f"{path}: no such teacher model")
        try:
            teachers.append(keras.models.load_model(path, compile=False))
        except Exception as e:  # keras raises several types for a damaged archive
            raise ValueError(f"{path}: not a Keras model ({type(e).__name__})") from None
        shapes = (tuple(teachers[-1].input_shape[1:]), teachers[-1].output_shape[-1])
        if shapes != ((28, 28, 1), len(LABELS)):
            raise ValueError(f"{path}: takes {shapes[0]} and gives {shapes[1]} outputs, not a digit model "
                             f"(28×28×1 in, {len(LABELS)} out)")
    return teachers


def distilled(ds: tf.data.Dataset, teachers: list[keras.Model], weight: float) -> tf.data.Dataset:
    """Each batch's targets mixed with the teachers' averaged outputs on the very same augmented images."""

    def blend(images, labels):
        soft = tf.add_n([t(images, training=False) for t in teachers]) / len(teachers)
        return images, (1 - weight) * labels + weight * soft

    return ds.map(blend, num_parallel_calls=1, deterministic=True).prefetch(2)


def validation_set(x: np.ndarray, y: np.ndarray, digits: np.ndarray, cfg: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Held-out digits as the runner sees them, plus a fixed set of non-digit marks."""
    marks = nondigit_batch(cfg.validation_nondigits, np.random.default_rng([cfg.seed, 2]), digits, cfg.nondigits,
                           look=cfg.augment)
    images = np.concatenate([to_mnist_batch(x), marks])[..., None].astype(np.float32)
    labels = np.concatenate([y, np.full(len(marks), REJECT_INDEX)])
    return images, one_hot(labels)


class EpochLog(keras.callbacks.Callback):
    """One line per epoch with the learning rate and the time it took, and a record for the JSON report."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[dict] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        row = {"epoch": epoch + 1, "seconds": round(time.time() - self.start, 1), "learning_rate": lr,
               **{k: round(float(v), 5) for k, v in (logs or {}).items() if k != "learning_rate"}}
        self.history.append(row)
        print(f"epoch {row['epoch']:3d}  {row['seconds']:6.1f}s  lr {lr:.2e}  loss {row.get('loss', 0):.4f}  "
              f"acc {row.get('accuracy', 0):.4f}  val_loss {row.get('val_loss', 0):.4f}  "
              f"val_acc {row.get('val_accuracy', 0):.4f}", flush=True)


def train(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, cfg: TrainConfig,
          out: Path, verbose: int = 0, teachers: list[keras.Model] | None = None) -> tuple[keras.Model, dict]:
    """Train, keep the best model on validation in `out/digits.keras`, and return it with its record.

    `teachers` are `cfg.teachers` already loaded (the CLI loads them first to report a bad file in one line).
    """
    if cfg.limit:
        x, y = x[: cfg.limit], y[: cfg.limit]
    keras.utils.set_random_seed(cfg.seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "digits.keras"
    ds, steps = train_dataset(x, y, cfg)
    if cfg.teachers:
        ds = distilled(ds, load_teachers(cfg.teachers) if teachers is None else teachers, cfg.distill_weight)
    val = validation_set(x_val, y_val, x, cfg)
    strategy = make_strategy(cfg.strategy)
    with strategy.scope():
        model = keras.models.load_model(cfg.init, compile=False) if cfg.init else build_model(dropout=cfg.dropout)
        start = cfg.learning_rate / 10 if cfg.warmup_epochs else cfg.learning_rate
        schedule = keras.optimizers.schedules.CosineDecay(
            start, decay_steps=max(1, (cfg.epochs - cfg.warmup_epochs) * steps),
            warmup_target=cfg.learning_rate if cfg.warmup_epochs else None, warmup_steps=cfg.warmup_epochs * steps)
        ema = {"use_ema": True, "ema_momentum": cfg.ema_momentum} if cfg.ema_momentum else {}
        optimizer = keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay, **ema)
        model.compile(optimizer=optimizer,
                      loss=keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing),
                      metrics=["accuracy"])
    log = EpochLog()
    # averaged weights are what validation measures and the checkpoint keeps (they must swap in first)
    swap = [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if cfg.ema_momentum else []
    # the stopper applies the checkpoint's rule (strictly better `monitor`) and so knows the kept epoch
    stopper = keras.callbacks.EarlyStopping(monitor=cfg.monitor, patience=cfg.patience)
    callbacks = [*swap, log, keras.callbacks.ModelCheckpoint(path, monitor=cfg.monitor, save_best_only=True), stopper]
    start = time.time()
    model.fit(ds, epochs=cfg.epochs, steps_per_epoch=steps, validation_data=val, batch_size=256,
              callbacks=callbacks, verbose=verbose)
    best = keras.models.load_model(path)
    record = {
        "model": path.name, "labels": LABELS, "reject_index": REJECT_INDEX, "parameters": best.count_params(),
        "normalize": NORMALIZE.as_dict(), "config": asdict(cfg), "train_images": len(x),
        "validation_images": len(x_val), "replicas": strategy.num_replicas_in_sync,
        "seconds": round(time.time() - start, 1), "epochs_run": len(log.history),
        "best_epoch": stopper.best_epoch + 1,
        "history": log.history,
    }
    return best, record


def save_record(record: dict, out: Path) -> Path:
    path = out / "digits.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
