"""Build edge/samples/sample.jpg: MNIST test digits written onto a photo-like sheet of paper.

A one-off script, kept so the bundled picture can be remade and checked. The sheet has what a camera
sees: warm off-white paper with a fibre texture, light falling off towards one corner, a soft shadow,
dark blue-black ink with slightly uneven pressure, digits of several sizes and slants in a few
multi-digit numbers, sensor noise and JPEG compression. The truth (numbers and their ink boxes, in
reading order) goes to sample.json next to it.

    python edge/samples/make_sample.py [--data tests/data/mnist_sample.npz] [--out edge/samples]
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SheetParams:
    """Look of the sheet; every number here is a choice made once for a believable picture."""

    width: int = 960
    height: int = 640
    paper_bgr: tuple[int, int, int] = (206, 222, 232)  # warm off-white
    ink_bgr: tuple[int, int, int] = (70, 38, 28)  # blue-black ballpoint
    light_falloff: float = 0.28  # brightness lost from the brightest to the darkest corner
    texture: float = 6.0  # paper fibre contrast, grey levels
    noise: float = 3.0  # sensor noise, grey levels
    slant_deg: float = 8.0  # largest slant of a digit either way
    jpeg_quality: int = 88
    seed: int = 2026


# (text, x, y of the top-left corner, digit height in pixels): a few lines of numbers as on a form
LINES = [
    ("2026", 90, 70, 78),
    ("17", 620, 80, 70),
    ("305", 110, 250, 64),
    ("4", 520, 260, 84),
    ("89", 700, 250, 60),
    ("61734", 150, 440, 72),
]


def pick_digits(data: Path, seed: int) -> dict[int, list[np.ndarray]]:
    """MNIST test digits by label, shuffled reproducibly."""
    with np.load(data) as mnist:
        images, labels = mnist["x_test"], mnist["y_test"]
    order = np.random.default_rng(seed).permutation(len(labels))
    return {d: [images[i] for i in order if labels[i] == d] for d in range(10)}


def digit_alpha(image: np.ndarray, height: int, slant: float) -> np.ndarray:
    """One MNIST digit as ink coverage 0..1, its ink `height` pixels tall, slanted by `slant` degrees."""
    ys, xs = np.nonzero(image > 30)
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    scale = height / crop.shape[0]
    big = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), height), interpolation=cv2.INTER_CUBIC)
    pad = height // 4
    big = np.pad(np.clip(big, 0, 1), pad)
    shear = np.tan(np.radians(slant))
    matrix = np.float32([[1, -shear, shear * big.shape[0] / 2], [0, 1, 0]])
    return cv2.warpAffine(big, matrix, (big.shape[1], big.shape[0]), flags=cv2.INTER_LINEAR)


def paper(params: SheetParams, rng: np.random.Generator) -> np.ndarray:
    """Float BGR paper with texture, uneven light and a soft shadow along the right edge."""
    h, w = params.height, params.width
    fibres = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2)
    fibres *= params.texture / fibres.std()
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1.0 - params.light_falloff * np.hypot(xx / w - 0.2, yy / h - 0.1) / np.hypot(0.8, 0.9)
    shadow = 1.0 - 0.18 / (1.0 + np.exp((w * 0.93 - xx) / 18.0))
    sheet = np.array(params.paper_bgr, np.float32)[None, None, :] + fibres[..., None]
    return sheet * (light * shadow)[..., None]


def make_sheet(data: Path, params: SheetParams = SheetParams()) -> tuple[np.ndarray, list[dict]]:
    """The picture (BGR uint8) and the truth: numbers with their ink boxes."""
    rng = np.random.default_rng(params.seed)
    digits = pick_digits(data, params.seed)
    sheet = paper(params, rng)
    ink = np.array(params.ink_bgr, np.float32)
    truth = []
    for text, x, y, height in LINES:
        number_box = None
        for char in text:
            alpha = digit_alpha(digits[int(char)].pop(), height, rng.uniform(-1, 1) * params.slant_deg)
            alpha *= rng.uniform(0.75, 0.95)  # ink pressure
            dy = int(rng.integers(-height // 12, height // 12 + 1))
            ah, aw = alpha.shape
            top, left = y + dy - height // 4, x - height // 4
            region = sheet[top : top + ah, left : left + aw]
            region[:] = region * (1 - alpha[..., None]) + ink * alpha[..., None]
            ys, xs = np.nonzero(alpha > 0.25)
            box = [left + int(xs.min()), top + int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]
            x = box[0] + box[2] + int(height * rng.uniform(0.12, 0.3))
            if number_box is None:
                number_box = box
            else:
                x0, y0 = min(number_box[0], box[0]), min(number_box[1], box[1])
                x1 = max(number_box[0] + number_box[2], box[0] + box[2])
                y1 = max(number_box[1] + number_box[3], box[1] + box[3])
                number_box = [x0, y0, x1 - x0, y1 - y0]
        truth.append({"text": text, "box": number_box})
    sheet = cv2.GaussianBlur(sheet, (0, 0), 0.8) + rng.normal(0, params.noise, sheet.shape)
    return np.clip(sheet, 0, 255).astype(np.uint8), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent.parent / "tests" / "data" / "mnist_sample.npz")
    parser.add_argument("--out", type=Path, default=ROOT)
    args = parser.parse_args()
    params = SheetParams()
    image, truth = make_sheet(args.data, params)
    args.out.mkdir(parents=True, exist_ok=True)
    picture = args.out / "sample.jpg"
    cv2.imwrite(str(picture), image, [cv2.IMWRITE_JPEG_QUALITY, params.jpeg_quality])
    (args.out / "sample.json").write_text(json.dumps({"image": picture.name, "numbers": truth}, indent=1) + "\n")
    print(f"wrote {picture} ({picture.stat().st_size // 1024} KB) and {picture.with_suffix('.json').name}")


if __name__ == "__main__":
    main()
