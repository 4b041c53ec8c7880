"""The whole conversion: check inputs, convert every variant, write sidecars, evaluate, write the report."""
from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Callable

from convert import report
from convert.evaluate import EvalParams, Result, evaluate
from convert.load import ConvertError, check_paths, first_line, load_data, load_keras_model, read_source
from convert.metadata import describe, write_sidecar
from convert.quantize import VARIANTS, QuantizeParams, convert, representative_images
from edge.normalize import to_mnist_batch


def log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_variants(model, source, out_dir: Path, variants: tuple[str, ...], representative,
                   int8_dir: Path | None = None, second_opinion: Path | None = None) -> list[Path]:
    """Convert and write `<stem>_<variant>.tflite` plus its sidecar for each variant; the int8 pair goes to
    `int8_dir` when given (make convert: edge/models, where the package ships the runner's default). Each
    sidecar names `second_opinion` (a converted model) by its path from that sidecar's folder."""
    try:
        converted = convert(model, variants, representative)
    except Exception as error:  # the converter's own failures (unsupported ops, calibration); its log is shown
        raise ConvertError(f"conversion failed: {first_line(error)}") from None
    paths = []
    for variant, content in converted.items():
        folder = int8_dir if variant == "int8" and int8_dir is not None else out_dir
        path = folder / f"{source.path.stem}_{variant}.tflite"
        path.write_bytes(content)
        metadata = describe(path, variant, source)
        if second_opinion is not None:
            metadata["second_opinion"] = os.path.relpath(second_opinion, folder)
        write_sidecar(path, metadata)
        paths.append(path)
    return paths


def context(source, data: Path | None, images: int, quantize: QuantizeParams, evaluation: EvalParams) -> dict:
    """Where the numbers come from, so a reader can judge and repeat them."""
    import tensorflow as tf
    from importlib.metadata import version

    return {
        "source model": f"{source.path} (sha256 {source.sha256})",
        "test set": f"{images} MNIST test digits from {data or 'keras.datasets.mnist'}, through edge.normalize.to_mnist",
        "accuracy": "a 'not a digit' answer counts as an error",
        "calibration": f"{quantize.representative} augmented training images (seed {quantize.seed}, "
                       f"{quantize.nondigit_fraction:.0%} non-digit marks)",
        "latency": f"median and best of {evaluation.runs} Classifier.predict calls after {evaluation.warmup} warm-up calls, "
                   f"{evaluation.threads} interpreter thread(s), input quantization included",
        "software": f"tensorflow {tf.__version__}, ai-edge-litert {version('ai-edge-litert')}, Python {platform.python_version()}",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                   f"load average {os.getloadavg()[0]:.2f} at start (other work on the machine slows the timings)",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def run(model_path: Path, data_path: Path | None, out_dir: Path, variants: tuple[str, ...] = VARIANTS,
        quantize: QuantizeParams = QuantizeParams(), evaluation: EvalParams = EvalParams(),
        progress: bool = True, log: Callable[[str], None] = log_stderr, int8_out: Path | None = None,
        second_opinion: Path | None = None) -> list[Result]:
    """Convert the Keras model at `model_path` into `out_dir` (the int8 pair into `int8_out` when given),
    evaluate every variant and write the report into `out_dir`. `second_opinion`: a converted model (with its
    sidecar) every sidecar names as the reader's second opinion on crops it would drop."""
    model_path, out_dir = Path(model_path), Path(out_dir)
    int8_out = Path(int8_out) if int8_out is not None else None
    data_path = Path(data_path) if data_path is not None else None
    check_paths(model_path, data_path)
    if second_opinion is not None and not (Path(second_opinion).is_file()
                                           and Path(second_opinion).with_suffix(".json").is_file()):
        raise ConvertError(f"{second_opinion}: no converted model with its .json sidecar (convert it first)")
    model = load_keras_model(model_path)
    source = read_source(model_path, model)
    x_train, _, x_test, y_test = load_data(data_path)
    log(f"{model_path}: {model.count_params()} parameters; MNIST: {len(x_train)} training, {len(x_test)} test digits")
    for folder in {out_dir, int8_out or out_dir}:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConvertError(f"{folder}: cannot create output folder ({first_line(error)})") from None
    representative = None
    if "int8" in variants:
        log(f"making {quantize.representative} augmented calibration images")
        representative = representative_images(x_train, quantize)
    log(f"converting: {', '.join(variants)}")
    paths = write_variants(model, source, out_dir, variants, representative, int8_out, second_opinion)
    log(f"normalizing {len(x_test)} test digits")
    test = to_mnist_batch(x_test, source.normalize)
    results = [evaluate(path, test, y_test, evaluation, progress) for path in paths]
    written = report.write(results, out_dir, context(source, data_path, len(test), quantize, evaluation))
    log(f"wrote {', '.join(str(p) for p in [*paths, *written])} (+ a .json sidecar per model)")
    return results
