"""The real set again, as worse cameras would have taken it: real handwriting under generated degradations.

The generated suites (`bench/frames.py`) degrade MNIST digits with the same code whose figures they report: a
closed loop. Here the handwriting is real (`bench/realdev.py`'s upright images) and only the capture is made
worse: shrunk to a webcam's 640 px or to 320 px, blurred, smeared by motion, noisy and JPEG-coded, half in
shadow, enlarged. Boxes are scaled with the image. A reader that holds its clean figure here reads real writing
through a poor camera; one that drops shows which kind of capture to teach the generator next.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from bench.camera import add_noise, motion_kernel
from bench.realdev import MATCH, RealImage, read_pixels
from bench.score import SuiteScore, score_frame, summarize


@dataclass(frozen=True)
class DegradeParams:
    """How much worse each capture is; sizes in pixels of the shrunk image."""

    webcam_side: int = 640  # a webcam frame's longer side
    small_side: int = 320  # a far-away or thumbnail capture
    defocus_sigma: float = 2.0  # Gaussian blur on the 640 px image
    motion_length: int = 7  # horizontal motion smear on the 640 px image
    noise_sigma: float = 8.0  # sensor noise (grey levels) before JPEG coding...
    jpeg_quality: int = 40  # ...at this quality
    shadow_depth: float = 0.55  # the shaded half is this much darker, with a soft edge down the middle
    shadow_edge: float = 30.0  # steepness of that edge (per image width)
    enlarge: float = 2.0  # a closer or higher-resolution camera...
    enlarge_max_side: int = 2500  # ...for images not already this large


DEFAULT = DegradeParams()
Degradation = Callable[[np.ndarray, DegradeParams], tuple[np.ndarray, float]]  # -> (image, box scale)


def fit_side(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """The image with its longer side `side` pixels, and the factor its boxes scale by."""
    factor = side / max(image.shape[:2])
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=interpolation), factor


def motion_blur(image: np.ndarray, length: float) -> np.ndarray:
    """A horizontal smear, with the generator's own streak kernel."""
    return cv2.filter2D(image, -1, motion_kernel(length, 0.0), borderType=cv2.BORDER_REPLICATE)


def noise_and_jpeg(image: np.ndarray, sigma: float, quality: int, seed: int = 0) -> np.ndarray:
    noisy = image.astype(np.float32)
    add_noise(noisy, np.random.default_rng(seed), sigma)
    noisy = np.clip(noisy, 0, 255).astype(np.uint8)
    return cv2.imdecode(cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)


def half_shadow(image: np.ndarray, depth: float, edge: float) -> np.ndarray:
    """The right half darker by `depth`, through a soft vertical edge (a hand or a phone over the page)."""
    x = np.linspace(0, 1, image.shape[1], dtype=np.float32)[None, :, None]
    return np.clip(image * (1 - depth / (1 + np.exp(-(x - 0.5) * edge))), 0, 255).astype(np.uint8)


def _webcam(f: Callable[[np.ndarray], np.ndarray]) -> Degradation:
    def degrade(image: np.ndarray, p: DegradeParams) -> tuple[np.ndarray, float]:
        small, factor = fit_side(image, p.webcam_side)
        return f(small, p), factor
    return degrade


def _enlarged(image: np.ndarray, p: DegradeParams) -> tuple[np.ndarray, float]:
    if max(image.shape[:2]) * p.enlarge > p.enlarge_max_side:
        return image, 1.0
    return cv2.resize(image, None, fx=p.enlarge, fy=p.enlarge, interpolation=cv2.INTER_CUBIC), p.enlarge


DEGRADATIONS: dict[str, Degradation] = {
    "as stored": lambda image, p: (image, 1.0),
    "640 px": _webcam(lambda im, p: im),
    "640 px, defocus": _webcam(lambda im, p: cv2.GaussianBlur(im, (0, 0), p.defocus_sigma)),
    "640 px, motion": _webcam(lambda im, p: motion_blur(im, p.motion_length)),
    "640 px, noise + JPEG": _webcam(lambda im, p: noise_and_jpeg(im, p.noise_sigma, p.jpeg_quality)),
    "640 px, half in shadow": _webcam(lambda im, p: half_shadow(im, p.shadow_depth, p.shadow_edge)),
    "320 px": lambda image, p: fit_side(image, p.small_side),
    "enlarged x2": _enlarged,
}


def read_degraded(images: list[RealImage], reader, p: DegradeParams = DEFAULT,
                  names: tuple[str, ...] = tuple(DEGRADATIONS)) -> dict[str, SuiteScore]:
    """Per degradation, the reader's score on the upright images (turned pages are `realdev`'s own matter)."""
    upright = [image for image in images if image.rotation == 0]
    pixels = [read_pixels(image) for image in upright]
    out = {}
    for name in names:
        scores = []
        for image, stored in zip(upright, pixels):
            frame, factor = DEGRADATIONS[name](stored, p)
            truth = [(label, tuple(int(round(v * factor)) for v in box)) for label, box in image.digits]
            reading = reader.read(frame)
            scores.append(score_frame(truth, [(d.label, tuple(d.box)) for d in reading.digits], params=MATCH))
        out[name] = summarize(scores)
    return out

