"""The JSON sidecar next to every .tflite file: what the runner needs to feed the model and read its answer.

Tensor types and quantization parameters are read back from the converted model through the LiteRT
interpreter, never assumed, so the sidecar cannot disagree with the file it describes. A float tensor has
scale 0.0 and zero point 0, TFLite's way of saying "not quantized". Format: docs/DESIGN.md, "Model files".
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from convert.load import ConvertError, Source
from edge.classify import ModelError, load_interpreter

POLARITY = "white_on_black"
PIXEL_RANGE = [0, 255]  # the model takes raw pixel values; the Rescaling(1/255) is inside it


def sidecar_path(model_path: Path) -> Path:
    return Path(model_path).with_suffix(".json")


def tensor_info(detail: dict) -> dict:
    """dtype, scale and zero point of one interpreter input/output detail."""
    scale, zero_point = detail["quantization"]
    return {"dtype": np.dtype(detail["dtype"]).name, "scale": float(scale), "zero_point": int(zero_point)}


def tensor_details(model_path: Path) -> tuple[dict, dict]:
    """Input 0 and output 0 details of the .tflite file, as the LiteRT interpreter reports them."""
    try:
        interpreter = load_interpreter(model_path)
    except ModelError as error:
        raise ConvertError(str(error)) from None
    return interpreter.get_input_details()[0], interpreter.get_output_details()[0]


def describe(model_path: Path, variant: str, source: Source) -> dict:
    """The sidecar dict for the converted model at `model_path`; refuses a model with a fixed batch size."""
    import tensorflow as tf

    inp, out = tensor_details(model_path)
    if int(inp["shape_signature"][0]) != -1:
        raise ConvertError(f"{model_path}: batch dimension is fixed at {inp['shape_signature'][0]}, the runner needs it dynamic")
    info = tensor_info(inp)
    return {
        "variant": variant,
        "labels": source.labels,
        "reject_index": source.reject_index,
        "input": {
            "shape": [int(n) for n in inp["shape_signature"][1:]],
            "dtype": info["dtype"],
            "polarity": POLARITY,
            "range": PIXEL_RANGE,
            "scale": info["scale"],
            "zero_point": info["zero_point"],
        },
        "output": tensor_info(out),
        "normalize": source.normalize.as_dict(),
        "source": {"model": source.path.name, "sha256": source.sha256},
        "converter": {"tensorflow": tf.__version__},
    }


def write_sidecar(model_path: Path, metadata: dict) -> Path:
    path = sidecar_path(model_path)
    path.write_text(json.dumps(metadata, indent=2) + "\n")
    return path


def read_sidecar(model_path: Path) -> dict:
    return json.loads(sidecar_path(model_path).read_text())
