"""How a pen draws an MNIST digit on the page: as a coverage map (0..1) at the size the suite asks for.

MNIST's strokes are about 15 % of a digit's height: a felt pen seen from afar. A thin ballpoint seen large
(a close-up, a 12 MP sheet) is 1-3 % of the height, a marker 8-12 %. `digit_shape` keeps MNIST's own strokes;
`pen_shape` redraws the digit along its skeleton with a pen of a chosen width, so thin strokes stay connected
(an erosion would cut them where MNIST's stroke is already thin).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class PenParams:
    skeleton_height: tuple[int, int] = (64, 256)  # the digit is thinned at its height clipped to this range, px
    supersample_width: float = 6.0  # a pen narrower than this many pixels is drawn finer, then averaged down...
    max_supersample: int = 4  # ...by at most this factor
    smoothing: float = 1 / 40  # the enlarged digit is smoothed by this share of its height before thinning


DEFAULT = PenParams()
NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))  # each pair of 8-connected skeleton pixels once


def crop(image: np.ndarray) -> np.ndarray:
    """An MNIST digit cut to its ink, as 0..1 coverage."""
    ys, xs = np.nonzero(image)
    return image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0


def digit_shape(image: np.ndarray, height: float, angle: float) -> np.ndarray:
    """An MNIST digit as a coverage map `height` pixels tall (before turning), turned by `angle` degrees."""
    ink = crop(image)
    scale = height / ink.shape[0]
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(height)))
    shape = cv2.resize(ink, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return trim(rotate(shape, angle) if angle else shape)


def rotate(shape: np.ndarray, angle: float) -> np.ndarray:
    """Turn a coverage map about its centre on a canvas big enough to keep all of it."""
    h, w = shape.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    new_w, new_h = int(np.ceil(h * sin + w * cos)) + 2, int(np.ceil(h * cos + w * sin)) + 2
    m[0, 2] += new_w / 2 - w / 2
    m[1, 2] += new_h / 2 - h / 2
    return cv2.warpAffine(shape, m, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=0)


def trim(shape: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """Cut a coverage map to the box of its visible ink."""
    ys, xs = np.nonzero(shape > floor)
    if xs.size == 0:
        return shape[:1, :1] * 0
    return np.ascontiguousarray(shape[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


def thinning_tables() -> tuple[np.ndarray, np.ndarray]:
    """Zhang-Suen's deletion rule for each of the 256 neighbourhoods, for its two sub-steps.

    Bit i of a neighbourhood is P(i+2) of the paper: P2 above, then clockwise to P9 above-left."""
    p = (np.arange(256)[:, None] >> np.arange(8)) & 1
    count = p.sum(1)
    turns = ((p == 0) & (np.roll(p, -1, 1) == 1)).sum(1)
    core = (count >= 2) & (count <= 6) & (turns == 1)
    first = core & (p[:, 0] * p[:, 2] * p[:, 4] == 0) & (p[:, 2] * p[:, 4] * p[:, 6] == 0)
    second = core & (p[:, 0] * p[:, 2] * p[:, 6] == 0) & (p[:, 0] * p[:, 4] * p[:, 6] == 0)
    return first, second


THINNING = thinning_tables()
RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))  # P2..P9, clockwise from above


def skeleton(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a bool mask to one-pixel-wide lines that stay connected."""
    img = np.pad(mask.astype(np.uint8), 1)
    h, w = mask.shape
    while True:
        changed = False
        for table in THINNING:
            code = np.zeros((h, w), np.uint8)
            for bit, (dy, dx) in enumerate(RING):
                code |= img[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] << bit
            drop = table[code] & (img[1:-1, 1:-1] == 1)
            if drop.any():
                img[1:-1, 1:-1][drop] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def pen_shape(image: np.ndarray, height: float, angle: float, width: float,
              params: PenParams = DEFAULT) -> np.ndarray:
    """An MNIST digit redrawn with a round pen `width` pixels wide along its skeleton, `height` pixels tall
    (before turning), turned by `angle` degrees."""
    ink = crop(image)
    work_h = int(np.clip(round(height), *params.skeleton_height))
    work_w = max(1, round(ink.shape[1] * work_h / ink.shape[0]))
    big = cv2.resize(ink, (work_w, work_h), interpolation=cv2.INTER_LINEAR)  # MNIST's pixels as steps...
    line = skeleton(cv2.GaussianBlur(big, (0, 0), work_h * params.smoothing) > 0.5)  # ...smoothed away
    ys, xs = np.nonzero(line)
    fine = int(np.clip(np.ceil(params.supersample_width / max(width, 1e-3)), 1, params.max_supersample))
    scale = height / work_h * fine
    thickness = max(1, round(width * fine - 1))  # an anti-aliased line of thickness t covers about t + 1 pixels
    pad = thickness + 2
    out_w, out_h = round(work_w * height / work_h), round(height)
    canvas = np.zeros((out_h * fine + 2 * pad, out_w * fine + 2 * pad), np.uint8)
    pairs = [np.stack([xs, ys, xs, ys], 1)]  # every pixel as a dot, so an isolated one still leaves ink
    for dy, dx in NEIGHBOURS:
        ny, nx = ys + dy, xs + dx
        inside = (ny < line.shape[0]) & (nx >= 0) & (nx < line.shape[1])
        linked = np.zeros_like(inside)
        linked[inside] = line[ny[inside], nx[inside]]
        pairs.append(np.stack([xs, ys, nx, ny], 1)[linked])
    ends = np.concatenate(pairs).reshape(-1, 2, 2).astype(np.float64)
    points = list(np.round(((ends + 0.5) * scale + pad) * 16).astype(np.int32))
    cv2.polylines(canvas, points, False, 255, thickness, cv2.LINE_AA, shift=4)
    coverage = canvas.astype(np.float32) / 255.0
    if fine > 1:
        coverage = cv2.resize(coverage, (canvas.shape[1] // fine, canvas.shape[0] // fine),
                              interpolation=cv2.INTER_AREA)
    coverage = trim(coverage)
    return trim(rotate(coverage, angle) if angle else coverage)
