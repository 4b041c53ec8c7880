"""Classical digit readers to put the model's figures in context.

Both stand in for `edge.classify.Classifier` inside an unchanged `edge.reader.Reader` (same segmentation, same
`to_mnist` crops, same grouping), so only the classifier differs:
- `HogSvm`: OpenCV's digits.py recipe - deskew by image moments, HOG, a linear SVM - trained here on a
  subset of MNIST's *training* digits. It has no "not a digit" class: every candidate gets a digit.
- `Tesseract`: the tesseract CLI, digits only, one character per crop (--psm 10), all crops of a frame in one
  call. Used only when `tesseract` is on PATH.
`SamplePipeline` is the speed baseline instead: OpenCV's digits_video.py whole, its own segmentation included
(adaptive threshold, contours, moment-centred crops), with `HogSvm` as its classifier.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.normalize import DEFAULT as NORMALIZE, to_mnist_batch

LABELS = [str(d) for d in range(10)]


@dataclass(frozen=True)
class HogSvmParams:
    """digits.py's choices adapted to MNIST's 28x28 framing, and the SVM's training schedule."""

    train_count: int = 15000  # MNIST training digits used (a seeded pick): a few seconds of training
    cells: int = 4  # HOG on a cells x cells grid (7x7-pixel cells on 28x28)...
    bins: int = 16  # ...with this many orientation bins each: 256 features
    c: float = 10.0  # SVM soft-margin constant: L2 weight is 1 / (c * n)
    epochs: int = 30  # passes of mini-batch gradient descent (Adam) over the squared hinge loss
    batch: int = 256
    learning_rate: float = 0.01
    seed: int = 0


def deskew(image: np.ndarray) -> np.ndarray:
    """Undo the slant of a 28x28 digit with a shear from its second moments (OpenCV digits.py)."""
    m = cv2.moments(image)
    if abs(m["mu02"]) < 1e-2:
        return image.copy()
    skew = m["mu11"] / m["mu02"]
    size = image.shape[0]
    shear = np.float32([[1, skew, -0.5 * size * skew], [0, 1, 0]])
    return cv2.warpAffine(image, shear, (size, size), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR)


def hog(image: np.ndarray, cells: int, bins: int) -> np.ndarray:
    """digits.py's HOG: per-cell histograms of gradient direction weighted by magnitude, Hellinger-normalized."""
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1)
    magnitude, angle = cv2.cartToPolar(gx, gy)
    bin_index = np.minimum((bins * angle / (2 * np.pi)).astype(int), bins - 1)
    side = image.shape[0] // cells
    hists = [
        np.bincount(bin_index[y : y + side, x : x + side].ravel(), magnitude[y : y + side, x : x + side].ravel(), bins)
        for y in range(0, cells * side, side)
        for x in range(0, cells * side, side)
    ]
    feature = np.hstack(hists).astype(np.float32)
    feature /= feature.sum() + 1e-7
    feature = np.sqrt(feature)
    return feature / (np.linalg.norm(feature) + 1e-7)


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Hard decisions as "probabilities": 1 for the chosen class (a row of zeros means no answer)."""
    out = np.zeros((len(labels), classes), np.float32)
    known = labels >= 0
    out[np.nonzero(known)[0], labels[known]] = 1.0
    return out


class Baseline:
    """What `edge.reader.Reader` asks of a classifier: digit labels, no "not a digit" class, MNIST framing."""

    labels = LABELS
    reject_index = None
    normalize_params = NORMALIZE


class HogSvm(Baseline):
    """Deskew + HOG + linear SVM (one-vs-rest, squared hinge) with the Classifier interface the Reader uses.

    OpenCV 5's wheels no longer ship cv2.ml or HOGDescriptor, so the HOG is digits.py's own (cv2.Sobel and
    numpy) and the linear SVM is trained in numpy: the same model family as cv2.ml.SVM with a linear kernel.
    """

    variant = "hog-svm"

    def __init__(self, params: HogSvmParams = HogSvmParams()):
        self.params = params
        self.weights = np.zeros((params.cells * params.cells * params.bins + 1, len(LABELS)), np.float32)

    def features(self, batch: np.ndarray) -> np.ndarray:
        """HOG of each deskewed crop, with a constant 1 for the bias."""
        p = self.params
        rows = [np.append(hog(deskew(image), p.cells, p.bins), 1.0) for image in batch]
        return np.stack(rows).astype(np.float32)

    def fit(self, x_train: np.ndarray, y_train: np.ndarray) -> HogSvm:
        """Train on a seeded subset of MNIST training digits, framed by `to_mnist` exactly like run-time crops."""
        p = self.params
        rng = np.random.default_rng(p.seed)
        pick = rng.permutation(len(x_train))[: p.train_count]
        x = self.features(to_mnist_batch(x_train[pick], self.normalize_params))
        y = np.where(np.arange(len(LABELS)) == np.asarray(y_train[pick])[:, None], 1.0, -1.0).astype(np.float32)
        w = self.weights
        decay = 1.0 / (p.c * len(x))
        m, v = np.zeros_like(w), np.zeros_like(w)
        step = 0
        for _ in range(p.epochs):
            for start in range(0, len(x), p.batch):
                rows = rng.permutation(len(x))[: p.batch] if start else slice(0, p.batch)
                xb, yb = x[rows], y[rows]
                slack = np.maximum(0.0, 1.0 - yb * (xb @ w))  # squared hinge: sum(slack^2)
                grad = -2.0 * xb.T @ (slack * yb) / len(xb) + decay * w
                step += 1
                m = 0.9 * m + 0.1 * grad
                v = 0.999 * v + 0.001 * grad**2
                w -= p.learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        self.weights = w
        return self

    def decide(self, batch: np.ndarray) -> np.ndarray:
        """The digit (0-9) the SVM picks for each crop of an (N, 28, 28) batch."""
        if len(batch) == 0:
            return np.zeros(0, np.int64)
        return (self.features(batch) @ self.weights).argmax(axis=1)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return one_hot(self.decide(batch), len(LABELS))

    def save(self, path: Path) -> None:
        """The trained weights as .npy (the speed child loads them instead of training again)."""
        np.save(path, self.weights)

    @classmethod
    def load(cls, path: Path, params: HogSvmParams = HogSvmParams()) -> HogSvm:
        svm = cls(params)
        weights = np.load(path)
        if weights.shape != svm.weights.shape:
            raise ValueError(f"{path}: weights of shape {weights.shape}, expected {svm.weights.shape}")
        svm.weights = weights.astype(np.float32)
        return svm


@dataclass(frozen=True)
class SampleParams:
    """OpenCV's samples/python/digits_video.py constants; only its digit height band is widened (16-64 px there)."""

    block: int = 31  # adaptiveThreshold: ink is darker than the mean of this neighbourhood (pixels)...
    offset: int = 10  # ...by more than this many grey levels
    median: int = 3  # median filter on the binary image (speckle)
    heights: tuple[int, int] = (16, 160)  # an outer contour's box this tall is a digit candidate (the bench's 20-160 px)
    max_aspect: float = 1.2  # ...when it is at most this wide per height
    fill: tuple[float, float] = (0.1, 0.4)  # ...and its squared box holds this share of ink (open interval)
    zoom: float = 1.5  # the box's height spans 1 / zoom of the crop, centred on the ink's centre of mass


class SamplePipeline:
    """The speed baseline: OpenCV's digits_video.py read of a frame, with `HogSvm` as its classifier.

    Adaptive threshold, median filter, outer contours, a size band and an ink-share test, a moment-centred
    warp of each box into a crop, then deskew + HOG + linear SVM, all crops in one matrix product (the sample
    predicts them one at a time, which is slower). No "not a digit" answer and no touching-digit cuts.
    """

    def __init__(self, svm: HogSvm, params: SampleParams = SampleParams()):
        self.svm = svm
        self.params = params

    def crops(self, frame: np.ndarray) -> tuple[list[tuple[int, int, int, int]], np.ndarray]:
        """The candidate boxes (x, y, w, h) of a BGR or grey frame and their (N, 28, 28) crops."""
        p, size = self.params, self.svm.normalize_params.size
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, p.block, p.offset)
        binary = cv2.medianBlur(binary, p.median)
        contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        boxes, crops = [], []
        for contour, (_, _, _, parent) in zip(contours, hierarchy[0] if len(contours) else []):
            if parent >= 0:
                continue  # a hole
            x, y, w, h = cv2.boundingRect(contour)
            if not (p.heights[0] <= h <= p.heights[1] and w <= p.max_aspect * h):
                continue
            pad = max(h - w, 0)  # square the box around the ink
            x, w = max(0, x - pad // 2), w + pad
            roi = binary[y : y + h, x : x + w]
            if not p.fill[0] < np.count_nonzero(roi) / roi.size < p.fill[1]:
                continue
            m = cv2.moments(roi, binaryImage=True)
            scale = p.zoom * h / size
            shift = np.float32([m["m10"], m["m01"]]) / m["m00"] - scale * np.float32([size / 2, size / 2])
            warp = np.float32([[scale, 0, shift[0]], [0, scale, shift[1]]])
            crops.append(cv2.warpAffine(roi, warp, (size, size), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR))
            boxes.append((x, y, w, h))
        return boxes, np.array(crops, np.uint8).reshape(-1, size, size)

    def read(self, frame: np.ndarray) -> list[tuple[int, tuple[int, int, int, int]]]:
        """(digit, box) for every candidate of the frame."""
        boxes, crops = self.crops(frame)
        return list(zip(self.svm.decide(crops).tolist(), boxes))


@dataclass(frozen=True)
class TesseractParams:
    scale: int = 3  # crops are enlarged this much (Tesseract likes glyphs ~30+ px tall)...
    pad: int = 24  # ...and given this much white border, pixels
    psm: int = 10  # page segmentation mode: a single character
    # one run reads every crop of a frame; it may take this long for each crop, and 60 s at least (a 12 MP
    # sheet's few hundred crops took over 60 s on a busy 2-core machine, 2026-12-07)
    timeout_s: float = 60.0
    crop_timeout_s: float = 1.0


class Tesseract(Baseline):
    """The tesseract CLI on each crop (black on white), digits only; an empty answer means "no digit"."""

    variant = "tesseract"

    def __init__(self, params: TesseractParams = TesseractParams()):
        self.params = params
        self.binary = shutil.which("tesseract")
        if self.binary is None:
            raise FileNotFoundError("tesseract is not on PATH (apt-get install tesseract-ocr)")

    @staticmethod
    def available() -> bool:
        return shutil.which("tesseract") is not None

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).splitlines()[0].strip()

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """All crops of a batch as the pages of one tesseract run (one start-up per frame)."""
        if len(batch) == 0:
            return np.zeros((0, len(LABELS)), np.float32)
        p = self.params
        with tempfile.TemporaryDirectory() as tmp:
            names = []
            for i, crop in enumerate(batch):
                big = cv2.resize(255 - crop, None, fx=p.scale, fy=p.scale, interpolation=cv2.INTER_CUBIC)
                name = str(Path(tmp) / f"{i:04d}.png")
                cv2.imwrite(name, cv2.copyMakeBorder(big, p.pad, p.pad, p.pad, p.pad, cv2.BORDER_CONSTANT, value=255))
                names.append(name)
            listing = Path(tmp) / "pages.txt"
            listing.write_text("\n".join(names) + "\n")
            out = subprocess.run(
                [self.binary, str(listing), "stdout", "--psm", str(p.psm), "-c", "tessedit_char_whitelist=0123456789"],
                capture_output=True, text=True, timeout=max(p.timeout_s, p.crop_timeout_s * len(batch)), check=False,
            )
        pages = out.stdout.split("\f")
        labels = np.full(len(batch), -1)
        for i, text in enumerate(pages[: len(batch)]):
            text = text.strip()
            if len(text) == 1 and text.isdigit():
                labels[i] = int(text)
        return one_hot(labels, len(LABELS))
