"""Generated marks that are not digits, for the model's eleventh class.

A model trained on digits alone calls a letter, a scribble or a ruler line a digit with high confidence
(usually "1" or "4"). These marks teach it to say "not a digit" instead, so the runner can drop them. Every
mark is drawn white on black and re-normalized with `edge.normalize.to_mnist`, like a real candidate.
Letters that look like digits (O, I, l, S, Z, B, g, q, …) and vertical bars (a "1") are deliberately left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.normalize import ink_box, to_mnist
from train import augment
from train.augment import AugmentParams, pen_and_focus

FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
         cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
KINDS = ("glyph", "scribble", "bar", "dot", "fragment", "piece")


@dataclass(frozen=True)
class NonDigitParams:
    """What the generated marks look like."""

    glyphs: str = "ACEFHKMNPRUVWXYacehkmnrtuvwx#%*+<>=@"  # nothing easily read as a digit
    kind_weights: tuple[float, ...] = (0.35, 0.25, 0.1, 0.1, 0.1, 0.1)  # for KINDS, in order
    canvas: int = 64  # drawing canvas side (pixels), before re-normalization
    max_rotation: float = 30.0  # degrees either way
    glyph_thickness: tuple[int, int] = (1, 7)  # pen width range, pixels: hairline to marker
    scribble_points: tuple[int, int] = (5, 14)  # a tangle, not a stroke that could pass for a 1 or a 7
    scribble_thickness: tuple[int, int] = (2, 10)  # a thick, small tangle is a blot
    scribble_smoothing: tuple[int, int] = (4, 15)  # half-length of the path's smoothing kernel: kinks to loops
    bar_max_tilt: float = 25.0  # degrees from horizontal: steeper bars are 1s
    fragment_ink: tuple[float, float] = (0.08, 0.25)  # share of a digit's ink a fragment keeps (more reads as the digit)
    fragment_max_aspect: float = 1.6  # taller-than-wide pieces are left out: a lone stroke reads as a 1
    piece_glyphs: str = "HUhmnu"  # arched letters the runner's touching-digit cut splits into two tall sides
    piece_cut: tuple[float, float] = (0.3, 0.7)  # the cut is the lowest-ink column within this share of the width
    piece_min_aspect: float = 0.4  # narrower sides are left out: a plain upright stroke is a 1


DEFAULT = NonDigitParams()


def draw_glyph(rng: np.random.Generator, p: NonDigitParams, glyphs: str = "") -> np.ndarray:
    img = np.zeros((p.canvas, p.canvas), np.uint8)
    glyphs = glyphs or p.glyphs
    text = glyphs[rng.integers(len(glyphs))]
    font = FONTS[rng.integers(len(FONTS))] | (cv2.FONT_ITALIC if rng.random() < 0.3 else 0)
    scale = p.canvas / 40 * rng.uniform(0.8, 1.2)
    thickness = int(rng.integers(p.glyph_thickness[0], p.glyph_thickness[1] + 1))
    (w, h), _ = cv2.getTextSize(text, font, scale, thickness)
    cv2.putText(img, text, ((p.canvas - w) // 2, (p.canvas + h) // 2), font, scale, 255, thickness, cv2.LINE_AA)
    return img


def draw_scribble(rng: np.random.Generator, p: NonDigitParams) -> np.ndarray:
    img = np.zeros((p.canvas, p.canvas), np.uint8)
    n = int(rng.integers(*p.scribble_points))
    pts = rng.uniform(0.15, 0.85, (n, 2)) * p.canvas
    # a smoothed random walk through the points: curly, self-crossing, unlike any digit
    t = np.linspace(0, n - 1, n * 8)
    curve = np.stack([np.interp(t, np.arange(n), pts[:, i]) for i in range(2)], 1)
    half = int(rng.integers(p.scribble_smoothing[0], p.scribble_smoothing[1] + 1))
    curve = cv2.GaussianBlur(curve.reshape(-1, 1, 2), (1, 2 * half + 1), 0).reshape(-1, 2)
    thickness = int(rng.integers(p.scribble_thickness[0], p.scribble_thickness[1] + 1))
    cv2.polylines(img, [curve.astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
    return img


def draw_bar(rng: np.random.Generator, p: NonDigitParams) -> np.ndarray:
    img = np.zeros((p.canvas, p.canvas), np.uint8)
    tilt = np.deg2rad(rng.uniform(-p.bar_max_tilt, p.bar_max_tilt))
    half = p.canvas * rng.uniform(0.3, 0.45)
    c = p.canvas / 2
    dx, dy = half * np.cos(tilt), half * np.sin(tilt)
    cv2.line(img, (int(c - dx), int(c - dy)), (int(c + dx), int(c + dy)), 255, int(rng.integers(2, 8)), cv2.LINE_AA)
    return img


def draw_dot(rng: np.random.Generator, p: NonDigitParams) -> np.ndarray:
    img = np.zeros((p.canvas, p.canvas), np.uint8)
    c = p.canvas // 2
    axes = (int(rng.integers(3, 12)), int(rng.integers(3, 12)))
    cv2.ellipse(img, (c, c), axes, float(rng.uniform(0, 180)), 0, 360, 255, -1, cv2.LINE_AA)
    return img


def draw_fragment(rng: np.random.Generator, digit: np.ndarray, p: NonDigitParams) -> np.ndarray:
    """A piece of a real digit holding only a small share of its ink: what a bad split leaves."""
    total = float(digit.sum())
    for _ in range(20):
        x0, y0 = rng.integers(0, 20, 2)
        w, h = rng.integers(5, 16, 2)
        piece = np.zeros_like(digit)
        piece[y0 : y0 + h, x0 : x0 + w] = digit[y0 : y0 + h, x0 : x0 + w]
        share = piece.sum() / max(total, 1.0)
        box = ink_box(piece)
        if box and p.fragment_ink[0] <= share <= p.fragment_ink[1] and box[3] <= p.fragment_max_aspect * box[2]:
            return cv2.resize(piece, (p.canvas, p.canvas), interpolation=cv2.INTER_LINEAR)
    return draw_scribble(rng, p)


def draw_piece(rng: np.random.Generator, p: NonDigitParams) -> np.ndarray:
    """One side of a letter cut where the runner cuts touching digits (the lowest-ink column near the
    middle): an "m" cut into a "1" and a "7"-like arch must read as no digit for the reader to drop both."""
    for _ in range(20):
        img = draw_glyph(rng, p, p.piece_glyphs)
        xs = np.flatnonzero(img.any(axis=0))
        a, b = xs[0] + (np.array(p.piece_cut) * (xs[-1] + 1 - xs[0])).astype(int)
        cut = a + int(np.argmin(img[:, a:b].sum(axis=0, dtype=np.int64)))
        side = img.copy()
        if rng.random() < 0.5:
            side[:, cut:] = 0
        else:
            side[:, :cut] = 0
        box = ink_box(side)
        if box and box[2] >= p.piece_min_aspect * box[3]:
            return side
    return draw_scribble(rng, p)


# every kind but "fragment", which draws from a real digit
DRAW = {"glyph": draw_glyph, "scribble": draw_scribble, "bar": draw_bar, "dot": draw_dot, "piece": draw_piece}


def rotate(img: np.ndarray, rng: np.random.Generator, p: NonDigitParams) -> np.ndarray:
    c = p.canvas / 2
    m = cv2.getRotationMatrix2D((c, c), float(rng.uniform(-p.max_rotation, p.max_rotation)), 1.0)
    return cv2.warpAffine(img, m, (p.canvas, p.canvas), flags=cv2.INTER_LINEAR, borderValue=0)


def nondigit(rng: np.random.Generator, digits: np.ndarray, p: NonDigitParams = DEFAULT,
             look: AugmentParams = augment.DEFAULT) -> np.ndarray:
    """One generated non-digit mark as a 28×28 uint8 model input; `digits` feeds the fragments. The mark
    gets the digits' pen and focus changes (`look`): crisp-only marks taught the model that blur means digit."""
    kind = KINDS[rng.choice(len(KINDS), p=np.array(p.kind_weights) / sum(p.kind_weights))]
    if kind == "fragment":
        img = draw_fragment(rng, digits[rng.integers(len(digits))], p)
    else:
        img = DRAW[kind](rng, p)
    if kind != "bar":  # a bar turned steeply would be a "1"
        img = rotate(img, rng, p)
    return to_mnist(pen_and_focus(img, rng, look))


def nondigit_batch(n: int, rng: np.random.Generator, digits: np.ndarray, p: NonDigitParams = DEFAULT,
                   look: AugmentParams = augment.DEFAULT) -> np.ndarray:
    """(n, 28, 28) uint8 non-digit marks."""
    out = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        out[i] = nondigit(rng, digits, p, look)
    return out
