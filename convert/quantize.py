"""Keras model -> .tflite bytes, one variant at a time, with the converter settings each variant needs.

| variant | weights | activations | input / output |
|---|---|---|---|
| float32 | float32 | float32 | float32 raw 0..255 / float32 probabilities |
| float16 | float16 (dequantized at load) | float32 | as float32 |
| dynamic | int8 | float32 (int8 inside big ops) | as float32 |
| int8    | int8 | int8 | uint8 pixels / uint8 probabilities |

The full-integer model is calibrated on training digits augmented exactly as in training (plus the generated
"not a digit" marks in the same share), so its activation ranges match what the runner will feed it.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from train.augment import DEFAULT as DEFAULT_AUGMENT
from train.augment import augment_batch
from train.nondigits import nondigit_batch

VARIANTS = ("float32", "float16", "dynamic", "int8")


@dataclass(frozen=True)
class QuantizeParams:
    """How the full-integer model is calibrated."""

    representative: int = 500  # calibration images: a few hundred pin the activation ranges down
    seed: int = 0  # which training images are drawn and how they are augmented
    nondigit_fraction: float = DEFAULT_AUGMENT.nondigit_fraction  # share of "not a digit" marks, as in training


def representative_images(x_train: np.ndarray, params: QuantizeParams = QuantizeParams()) -> np.ndarray:
    """(n, 28, 28) uint8 calibration crops: augmented training digits, some replaced by non-digit marks."""
    rng = np.random.default_rng(params.seed)
    pick = rng.choice(len(x_train), size=min(params.representative, len(x_train)), replace=False)
    images = augment_batch(x_train[pick], rng)
    slots = np.flatnonzero(rng.random(len(images)) < params.nondigit_fraction)
    images[slots] = nondigit_batch(len(slots), rng, x_train)
    return images


@contextlib.contextmanager
def converter_log_held_back():
    """Keep the converter's C++ log lines (written straight to file descriptor 2) and Python warnings off the
    terminal; they are replayed only when the conversion fails, where they help."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def convert(model, variants: tuple[str, ...] = VARIANTS, representative: np.ndarray | None = None) -> dict[str, bytes]:
    """The .tflite flatbuffer of `model` for each variant; int8 needs the `representative` crops (uint8, N×28×28).

    The model is exported once as a SavedModel with a (None, 28, 28, 1) signature, so the batch dimension stays
    dynamic (-1) in every variant: the runner resizes input 0 to (N, 28, 28, 1) and invokes once.
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant {unknown[0]!r}, expected one of {', '.join(VARIANTS)}")
    with tempfile.TemporaryDirectory() as folder, converter_log_held_back():
        saved_model = Path(folder) / "saved_model"
        model.export(saved_model, format="tf_saved_model", verbose=False)
        return {variant: converter_for(saved_model, variant, representative).convert() for variant in variants}


def converter_for(saved_model: Path, variant: str, representative: np.ndarray | None):
    """A TFLiteConverter set up for `variant`."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    if variant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        # per-channel hybrid dense layers need FULLY_CONNECTED v12, which tflite-runtime 2.14 (the fallback
        # interpreter on older Pis) lacks; one scale per dense layer loads everywhere
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    elif variant == "int8":
        if representative is None or not len(representative):
            raise ValueError("the int8 variant needs representative images")

        def samples() -> Iterator[list[np.ndarray]]:
            for image in representative:  # one at a time, as the calibrator expects: raw 0..255 floats
                yield [image.reshape(1, 28, 28, 1).astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = samples
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]  # fail rather than fall back to float
        converter.inference_input_type = tf.uint8  # the runner's crops go in as they are
        converter.inference_output_type = tf.uint8
    return converter
