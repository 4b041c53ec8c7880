"""The real set again, as worse cameras would have taken it: real handwriting under generated degradations.

The generated suites (`bench/frames.py`) degrade MNIST digits with the same code whose figures they report: a
closed loop. Here the handwriting is real (`bench/realdev.py`'s upright images) and only the capture is made
worse: shrunk to a webcam's 640 px or to 320 px, blurred, smeared by motion, noisy and JPEG-coded, half in
shadow, darker towards the corners, enlarged, turned a few degrees in the frame (a phone held askew), or seen
by a camera tilted back. Boxes follow the image. A reader that holds its clean figure here reads real writing
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
    vignette_depth: float = 0.6  # a cheap lens's fall-off: the corners get this much less light (r² from the centre)
    enlarge: tuple[float, ...] = (1.5, 2.0)  # a closer or higher-resolution camera...
    enlarge_max_side: int = 2500  # ...for images not already this large
    askew: tuple[float, ...] = (3.0, -6.0)  # the page turned this many degrees (counter-clockwise) in the frame
    keystone: float = 0.12  # a camera tilted back: the page's top this share of the width narrower on each side


DEFAULT = DegradeParams()
# -> (image, 2x3 affine or 3x3 perspective matrix from the stored image's pixels to the degraded image's)
Degradation = Callable[[np.ndarray, DegradeParams], tuple[np.ndarray, np.ndarray]]


def scaling(factor: float) -> np.ndarray:
    return np.array([[factor, 0.0, 0.0], [0.0, factor, 0.0]])


def move_boxes(digits: list, matrix: np.ndarray, shape: tuple[int, int]) -> list:
    """Labelled boxes (label, (x, y, w, h)) carried by `matrix` (2x3 affine or 3x3 homography): each centre
    moved, its width and height scaled as the matrix stretches them there; a digit whose centre left the image
    (`shape`: height, width) is gone. A turn of a few degrees keeps a digit's box size within a pixel or two,
    well inside the set's matching rule."""
    full = np.vstack([matrix, [0.0, 0.0, 1.0]]) if matrix.shape[0] == 2 else np.asarray(matrix, float)

    def carry(x: float, y: float) -> np.ndarray:
        u, v, t = full @ np.array([x, y, 1.0])
        return np.array([u / t, v / t])

    moved = []
    for label, (x, y, w, h) in digits:
        centre = np.array([x + w / 2, y + h / 2])
        cx, cy = carry(*centre)
        if 0 <= cx < shape[1] and 0 <= cy < shape[0]:
            sw = w * float(np.linalg.norm(carry(*(centre + (1, 0))) - (cx, cy)))  # the local stretch along x...
            sh = h * float(np.linalg.norm(carry(*(centre + (0, 1))) - (cx, cy)))  # ...and along y
            moved.append((label, (int(round(cx - sw / 2)), int(round(cy - sh / 2)), int(round(sw)), int(round(sh)))))
    return moved


def fit_side(image: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
    """The image with its longer side `side` pixels, and the matrix its boxes move by."""
    factor = side / max(image.shape[:2])
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=interpolation), scaling(factor)


def keystone(image: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """The page as a camera tilted back sees it: the top edge `share` of the width narrower on each side, the
    bottom as it was (a homography); the corners it uncovers are the paper's colour."""
    h, w = image.shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(corners, np.float32([[share * w, 0], [(1 - share) * w, 0], [w, h], [0, h]]))
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=paper_colour(image)), matrix


def paper_colour(image: np.ndarray) -> tuple[int, ...]:
    """The image's median colour: what a warp shows where the page leaves the frame."""
    return tuple(int(v) for v in np.median(image.reshape(-1, image.shape[2] if image.ndim == 3 else 1), axis=0))


def askew(image: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """The page turned `degrees` counter-clockwise about the image's centre in a frame of the same size; the
    corners it uncovers are the paper's colour (its median), not a smear of the edge."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=paper_colour(image)), matrix


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


def vignette(image: np.ndarray, depth: float) -> np.ndarray:
    """Light falling off from the centre as the square of the distance, the corners `depth` darker."""
    h, w = image.shape[:2]
    y, x = np.ogrid[0:h, 0:w]
    r2 = ((x - w / 2) ** 2 + (y - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
    gain = (1 - depth * r2).astype(np.float32)
    return np.clip(image * (gain[..., None] if image.ndim == 3 else gain), 0, 255).astype(np.uint8)


def _webcam(f: Callable[[np.ndarray], np.ndarray]) -> Degradation:
    def degrade(image: np.ndarray, p: DegradeParams) -> tuple[np.ndarray, np.ndarray]:
        small, matrix = fit_side(image, p.webcam_side)
        return f(small, p), matrix
    return degrade


def _enlarged(which: int) -> Degradation:
    def degrade(image: np.ndarray, p: DegradeParams) -> tuple[np.ndarray, np.ndarray]:
        factor = p.enlarge[which]
        if max(image.shape[:2]) * factor > p.enlarge_max_side:
            return image, scaling(1.0)
        return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC), scaling(factor)
    return degrade


def _askew(which: int) -> Degradation:
    return lambda image, p: askew(image, p.askew[which])


DEGRADATIONS: dict[str, Degradation] = {
    "as stored": lambda image, p: (image, scaling(1.0)),
    "640 px": _webcam(lambda im, p: im),
    "640 px, defocus": _webcam(lambda im, p: cv2.GaussianBlur(im, (0, 0), p.defocus_sigma)),
    "640 px, motion": _webcam(lambda im, p: motion_blur(im, p.motion_length)),
    "640 px, noise + JPEG": _webcam(lambda im, p: noise_and_jpeg(im, p.noise_sigma, p.jpeg_quality)),
    "640 px, half in shadow": _webcam(lambda im, p: half_shadow(im, p.shadow_depth, p.shadow_edge)),
    "640 px, vignette": _webcam(lambda im, p: vignette(im, p.vignette_depth)),
    "320 px": lambda image, p: fit_side(image, p.small_side),
    "enlarged x1.5": _enlarged(0),
    "enlarged x2": _enlarged(1),
    "askew 3 deg": _askew(0),
    "askew -6 deg": _askew(1),
    "keystone": lambda image, p: keystone(image, p.keystone),
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
            frame, matrix = DEGRADATIONS[name](stored, p)
            truth = move_boxes(list(image.digits), matrix, frame.shape[:2])
            reading = reader.read(frame)
            scores.append(score_frame(truth, [(d.label, tuple(d.box)) for d in reading.digits], params=MATCH))
        out[name] = summarize(scores)
    return out

