"""Run the digit model with the LiteRT interpreter: a batch of 28x28 crops in, probabilities out.

The runner needs no TensorFlow: `ai_edge_litert` (LiteRT) is tried first, `tflite_runtime` (the older
package some Raspberry Pi images already have) second. What the model expects - labels, which output
means "not a digit", polarity, the framing of its inputs - comes from the JSON sidecar that `convert/`
writes next to every `.tflite` file (see docs/DESIGN.md), so the runner never guesses.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import fields
from importlib import resources
from pathlib import Path

import numpy as np

from edge.normalize import NormalizeParams

MODEL_ENV = "EDGE_DIGITS_MODEL"  # environment variable that overrides the default model path
# shipped inside the package (package data), so an installed wheel finds it as a checkout does
DEFAULT_MODEL = Path(str(resources.files("edge") / "models" / "digits_int8.tflite"))
# Batch sizes an interpreter is allocated for, once, at start: a batch of any size runs as a few of them, largest
# first (15 crops: 8 + 4 + 2 + 1), and no interpreter is ever resized. Picked by `python -m bench.batching` on
# both interpreters (docs/edge.md, "Speed"); a 16 would only save an invoke above 15 crops, for 1-4 MB more.
BATCH_SIZES = (1, 2, 4, 8)


class ModelError(RuntimeError):
    """The model or its sidecar is missing, unreadable or not what the runner expects (one-line message)."""


def default_model_path() -> Path:
    """$EDGE_DIGITS_MODEL when set, else the int8 model shipped in the package (edge/models/)."""
    return Path(os.environ.get(MODEL_ENV) or DEFAULT_MODEL)


def _interpreter_class():
    """LiteRT's Interpreter, else tflite_runtime's: the same API, neither drags in TensorFlow."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            raise ModelError(
                "no TFLite interpreter installed: pip install ai-edge-litert "
                "(or tflite-runtime on Python <= 3.11 with NumPy 1)"
            ) from None
    return Interpreter


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def read_model(path: str | os.PathLike) -> bytes:
    """The bytes of the .tflite file at `path`; `ModelError` when there is none."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model not found: {path}")
    try:
        return path.read_bytes()
    except OSError as error:
        raise ModelError(f"{path}: unreadable model ({error.strerror or error})") from None


def load_interpreter(path: str | os.PathLike, threads: int = 1, content: bytes | None = None):
    """An allocated interpreter for the .tflite file at `path`; `ModelError` when it cannot be loaded.

    `content`, the file's bytes read once by `read_model`, lets several interpreters share one copy of the model."""
    path = Path(path)
    content = read_model(path) if content is None else content
    interpreter_class = _interpreter_class()
    try:
        interpreter = interpreter_class(model_content=content, num_threads=max(1, int(threads)))
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        raise ModelError(f"{path}: not a usable TFLite model ({_first_line(error)})") from None
    return interpreter


def read_sidecar(model_path: Path) -> dict:
    """The metadata JSON next to the model (same stem, .json), checked for the fields the runner uses."""
    sidecar = model_path.with_suffix(".json")
    try:
        metadata = json.loads(sidecar.read_text())
    except FileNotFoundError:
        raise ModelError(f"model metadata not found: {sidecar} (convert/ writes it next to the model)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{sidecar}: unreadable model metadata ({_first_line(error)})") from None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if not isinstance(labels, list) or not labels:
        raise ModelError(f"{sidecar}: no 'labels' list")
    reject = metadata.get("reject_index")
    if reject is not None and not (isinstance(reject, int) and 0 <= reject < len(labels)):
        raise ModelError(f"{sidecar}: reject_index {reject!r} is not an index into labels")
    for i, label in enumerate(labels):
        if i != reject and not str(label).isdigit():
            raise ModelError(f"{sidecar}: label {label!r} at {i} is not a digit and not the reject_index")
    return metadata


def _normalize_params(metadata: dict) -> NormalizeParams:
    """The framing the model was trained with; unknown keys (from a newer trainer) are ignored."""
    known = {f.name for f in fields(NormalizeParams)}
    given = metadata.get("normalize") or {}
    return NormalizeParams(**{k: v for k, v in given.items() if k in known})


def chunks(n: int, sizes: tuple[int, ...]) -> list[int]:
    """The batch sizes, from `sizes`, that a batch of n runs as: the largest that fits first; a rest smaller than
    every size runs padded in the smallest (never when 1 is a size)."""
    out, largest_first = [], sorted(sizes, reverse=True)
    while n > 0:
        size = next((s for s in largest_first if s <= n), largest_first[-1])
        out.append(size)
        n -= size
    return out


class Classifier:
    """A TFLite digit model with its metadata; `predict` classifies a whole batch in one call.

    The batch runs on interpreters allocated once for the sizes in `batch_sizes` (see `chunks`): no
    interpreter is resized when the number of crops changes from frame to frame, and their memory stays
    bounded however many crops come. Thread-safe: the web server and the live loop may share one instance.
    With `second_opinion` (the default), the model its sidecar names as its second opinion is loaded beside it.
    """

    def __init__(self, model_path: str | os.PathLike | None = None, threads: int = 1,
                 batch_sizes: tuple[int, ...] = BATCH_SIZES, second_opinion: bool = True):
        self.model_path = Path(model_path) if model_path else default_model_path()
        if not batch_sizes or min(batch_sizes) < 1:
            raise ValueError(f"batch sizes must be positive, got {batch_sizes}")
        self._content = read_model(self.model_path)  # one copy of the model for every interpreter
        self._interpreter = load_interpreter(self.model_path, threads, self._content)
        self.metadata = read_sidecar(self.model_path)
        self.labels: list[str] = [str(label) for label in self.metadata["labels"]]
        self.reject_index: int | None = self.metadata.get("reject_index")
        polarity = (self.metadata.get("input") or {}).get("polarity", "white_on_black")
        if polarity not in ("white_on_black", "black_on_white"):
            raise ModelError(f"{self.model_path.with_suffix('.json')}: unknown input polarity {polarity!r}")
        self.invert = polarity == "black_on_white"
        self.normalize_params = _normalize_params(self.metadata)
        self.threads = threads
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        size = self.normalize_params.size
        if tuple(self._input["shape"][1:3]) != (size, size):
            raise ModelError(f"{self.model_path}: input shape {list(self._input['shape'])}, expected (N, {size}, {size}, 1)")
        if int(self._output["shape"][-1]) != len(self.labels):
            raise ModelError(f"{self.model_path}: {self._output['shape'][-1]} outputs but {len(self.labels)} labels")
        self._tail = [int(v) for v in self._input["shape"][1:]]  # (28, 28, 1): one crop as input 0 holds it
        self._interpreters = {n: self._allocated(n) for n in sorted(set(batch_sizes))}
        scale, zero_point = self._input["quantization"]
        # uint8 crops go into an int8 model's uint8 input as they are: no copy, no quantize arithmetic
        self._pass_uint8 = self._input["dtype"] == np.uint8 and scale in (0.0, 1.0) and zero_point == 0
        scale, zero_point = self._output["quantization"]
        self._out_scale = np.float32(scale) if scale and np.issubdtype(self._output["dtype"], np.integer) else None
        self._out_zero_point = np.float32(zero_point)
        self._lock = threading.Lock()
        self.second_opinion = self._second_opinion() if second_opinion else None

    def _second_opinion(self) -> Classifier | None:
        """The model the sidecar names as `second_opinion` (a path relative to it), with the same labels: a model
        fine-tuned on camera blur that the reader asks about crops it would drop (`ReadParams.blur_look`). Its
        few crops a frame run in batches of 1 and 4 only, to keep its memory small."""
        name = self.metadata.get("second_opinion")
        if not name:
            return None
        other = Classifier(self.model_path.parent / name, self.threads, (1, 4), second_opinion=False)
        if other.labels != self.labels or other.reject_index != self.reject_index:
            raise ModelError(f"{other.model_path}: its labels differ from {self.model_path.name}'s, "
                             "so it cannot be its second opinion")
        return other

    @property
    def interpreter_name(self) -> str:
        """Which package runs the model: "ai_edge_litert" or "tflite_runtime"."""
        return type(self._interpreter).__module__.split(".")[0]

    @property
    def variant(self) -> str:
        return str(self.metadata.get("variant", self.model_path.stem))

    def _quantize(self, batch: np.ndarray) -> np.ndarray:
        """uint8 pixels 0..255 -> whatever input 0 holds (uint8 crops pass straight into an int8 model)."""
        shape = (len(batch), *self._tail)
        if self._pass_uint8:
            return batch.reshape(shape)
        dtype = self._input["dtype"]
        if np.issubdtype(dtype, np.integer):
            scale, zero_point = self._input["quantization"]
            info = np.iinfo(dtype)
            values = batch.astype(np.float32) / (scale or 1.0) + zero_point
            return np.clip(np.round(values), info.min, info.max).astype(dtype).reshape(shape)
        return batch.astype(dtype).reshape(shape)  # float models take raw 0..255 (Rescaling is inside)

    def _dequantize(self, raw: np.ndarray) -> np.ndarray:
        """The output tensor as float32 probabilities (a new array: the interpreter reuses its buffer)."""
        if self._out_scale is None:
            return raw.astype(np.float32)
        values = raw.astype(np.float32)
        if self._out_zero_point:
            values -= self._out_zero_point
        values *= self._out_scale
        return values

    def _allocated(self, n: int):
        """An interpreter for batches of exactly n (the first one loaded when its batch size is n)."""
        interpreter = self._interpreter if int(self._input["shape"][0]) == n else None
        if interpreter is None:
            interpreter = load_interpreter(self.model_path, self.threads, self._content)
            try:
                interpreter.resize_tensor_input(self._input["index"], [n, *self._tail], strict=False)
                interpreter.allocate_tensors()
            except (ValueError, RuntimeError) as error:
                raise ModelError(f"{self.model_path}: cannot run a batch of {n} ({_first_line(error)})") from None
        return interpreter

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """(N, 28, 28) uint8 white-on-black crops -> (N, n_labels) float32 probabilities."""
        batch = np.asarray(batch)
        size = self.normalize_params.size
        if batch.ndim == 2:
            batch = batch[None]
        if batch.ndim != 3 or batch.shape[1:] != (size, size):
            raise ValueError(f"expected a (N, {size}, {size}) batch, got {batch.shape}")
        if len(batch) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        if self.invert:
            batch = 255 - batch.astype(np.uint8)
        batch = self._quantize(np.ascontiguousarray(batch, np.uint8))
        probs = np.empty((len(batch), len(self.labels)), np.float32)
        start = 0
        with self._lock:
            for n in chunks(len(batch), tuple(self._interpreters)):
                part = batch[start : start + n]
                if len(part) < n:  # only when 1 is not among the sizes
                    part = np.concatenate([part, np.zeros((n - len(part), *part.shape[1:]), part.dtype)])
                interpreter = self._interpreters[n]
                interpreter.set_tensor(self._input["index"], part)
                interpreter.invoke()
                raw = interpreter.get_tensor(self._output["index"]).reshape(n, len(self.labels))
                probs[start : start + n] = self._dequantize(raw[: len(batch) - start])
                start += n
        return probs
