"""How good the model is: test accuracy, a confusion matrix, and accuracy as digits are rotated, shifted
and rescaled — each digit transformed, then normalized by the runner's `to_mnist`, as the runner would see it."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.normalize import to_mnist
from train import LABELS, REJECT_INDEX
from train.augment import affine_matrix, warp


@dataclass(frozen=True)
class Condition:
    """One deterministic transform of every test digit."""

    name: str
    angle: float = 0.0  # degrees, counter-clockwise
    zoom: float = 1.0  # size before normalization: 0.5 = a digit half as tall (lower resolution)
    shift: float = 0.0  # pixels right and down, at MNIST scale
    kind: str = "rotation"


# Transforms are made at MNIST's own resolution on a canvas roomy enough for ±45° and ×1.5, centred by a
# whole-pixel offset: "rotate +0" is then exactly the runner's path for a 28×28 digit, to_mnist(image).
UPSCALE, CANVAS = 1, 48

CONDITIONS = (
    [Condition(f"rotate {a:+d}", angle=a) for a in (-45, -30, -15, 0, 15, 30, 45)]
    + [Condition(f"shift {s:+.1f}px", shift=s, kind="shift") for s in (-3.0, -1.5, 1.5, 3.0)]
    + [Condition(f"scale x{z}", zoom=z, kind="scale") for z in (0.5, 0.75, 1.5)]
)


def transformed(images: np.ndarray, c: Condition) -> np.ndarray:
    m = affine_matrix(angle=c.angle, zoom=UPSCALE * c.zoom, shift=(UPSCALE * c.shift,) * 2, canvas=CANVAS)
    return np.stack([to_mnist(warp(im, m, CANVAS)) for im in images])


def probabilities(model, images: np.ndarray) -> np.ndarray:
    """(N, classes) model outputs for uint8 (N, 28, 28) model inputs."""
    return model.predict(images[..., None].astype(np.float32), batch_size=512, verbose=0)


def confusion(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """10 × 11 counts: true digit by predicted class ("not a digit" last)."""
    m = np.zeros((10, len(LABELS)), np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def evaluate(model, x_test: np.ndarray, y_test: np.ndarray, progress=print) -> dict:
    """Accuracy under every condition; "not a digit" counts as an error.

    `digits_only_accuracy` is a diagnostic, not the target: the clean test read with the "not a digit"
    column ignored, i.e. what the eleventh class costs on digits that are all digits."""
    results, matrix, digits_only = [], None, None
    for i, c in enumerate(CONDITIONS, 1):
        probs = probabilities(model, transformed(x_test, c))
        pred = np.argmax(probs, axis=1)
        acc = float(np.mean(pred == y_test))
        results.append({"name": c.name, "kind": c.kind, "angle": c.angle, "zoom": c.zoom, "shift": c.shift,
                        "accuracy": round(acc, 5), "rejected": round(float(np.mean(pred == REJECT_INDEX)), 5)})
        if c.kind == "rotation" and c.angle == 0:
            matrix = confusion(y_test, pred)
            best_digit = np.argmax(np.where(np.arange(probs.shape[1]) == REJECT_INDEX, -np.inf, probs), axis=1)
            digits_only = round(float(np.mean(best_digit == y_test)), 5)
        progress(f"[{i}/{len(CONDITIONS)}] {c.name:14s} accuracy {acc:.4%}")
    clean = next(r for r in results if r["name"] == "rotate +0")
    return {"test_accuracy": clean["accuracy"], "digits_only_accuracy": digits_only, "test_images": len(x_test),
            "conditions": results, "confusion": matrix.tolist()}


def pyplot():
    """matplotlib's pyplot on the file-only backend (no display needed), loaded only when plotting."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(matrix: np.ndarray, path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 6))
    shown = np.log1p(matrix)
    ax.imshow(shown, cmap="Blues")
    for (r, c), v in np.ndenumerate(matrix):
        if v:
            ax.text(c, r, str(v), ha="center", va="center", fontsize=8,
                    color="white" if shown[r, c] > shown.max() / 2 else "black")
    ax.set_xticks(range(len(LABELS)), [l if len(l) == 1 else "not\ndigit" for l in LABELS])
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    errors = int(matrix.sum() - np.trace(matrix))
    ax.set_title(f"MNIST test: {errors} errors in {int(matrix.sum())}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_robustness(report: dict, path: Path) -> None:
    plt = pyplot()
    rows = [r for r in report["conditions"] if r["kind"] == "rotation"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([r["angle"] for r in rows], [100 * r["accuracy"] for r in rows], "o-", label="this model")
    for r in rows:
        ax.annotate(f"{100 * r['accuracy']:.2f}", (r["angle"], 100 * r["accuracy"]), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize=8)
    ax.axhline(99.0, color="orange", ls="--", lw=1, label="target ±30°: 99.0%")
    ax.axhline(97.0, color="red", ls=":", lw=1, label="target ±45°: 97.0%")
    ax.set_xlabel("rotation of every test digit (degrees)")
    ax.set_ylabel("accuracy (%)")
    ax.set_xticks([r["angle"] for r in rows])
    ax.set_title("MNIST test accuracy vs rotation")
    ax.legend(loc="lower center")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "evaluation.json", out / "confusion.png", out / "robustness.png"]
    paths[0].write_text(json.dumps(report, indent=2) + "\n")
    plot_confusion(np.array(report["confusion"]), paths[1])
    plot_robustness(report, paths[2])
    return paths
