"""The pictures of a benchmark run: accuracy vs rotation, the misread confusion matrix, annotated examples."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from bench.evaluate import candidate_boxes
from bench.score import MISSED, Box, FrameScore


@dataclass(frozen=True)
class PlotParams:
    dpi: int = 110
    miss_bgr: tuple[int, int, int] = (0, 0, 255)  # missed ground truth: red
    wrong_bgr: tuple[int, int, int] = (0, 150, 255)  # misread: orange
    extra_bgr: tuple[int, int, int] = (255, 0, 255)  # reported where there is no digit: magenta
    candidate_bgr: tuple[int, int, int] = (160, 160, 160)  # every box the segmentation offered: thin grey
    label_scale: float = 0.5  # font scale of the missed/misread labels under the boxes
    label_thickness: int = 1  # their stroke, under an outline two pixels wider
    example_scale: float = 0.5  # examples are shown at this scale, four to a picture (2 x 2)...
    example_side: int = 960  # ...and at most this many pixels a side (a 12 MP sheet)
    reference_height: int = 480  # error boxes and labels are drawn at their sizes on a frame this tall, larger above
    examples: int = 4


DEFAULT = PlotParams()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def rotation_plot(curves: dict[str, dict[float, float | None]], frames: dict[str, int], path: Path,
                  params: PlotParams = DEFAULT) -> Path:
    """Read accuracy of a single digit against its rotation, one line per reader (`frames`: how many it read)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, points in curves.items():
        angles = [a for a, v in points.items() if v is not None]
        ax.plot(angles, [100 * points[a] for a in angles], marker="o", label=f"{name} ({frames[name]} frames)")
    ax.set_xlabel("digit rotation, degrees (counter-clockwise)")
    ax.set_ylabel("read accuracy, %")
    ax.set_ylim(0, 101)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Accuracy vs rotation (sweep suite)")
    fig.tight_layout()
    fig.savefig(path, dpi=params.dpi)
    plt.close(fig)
    return path


def confusion_plot(confusion: np.ndarray, path: Path, title: str, params: PlotParams = DEFAULT) -> Path:
    """Misreads only: true digit x what was read (the diagonal, reads that were right, left blank)."""
    plt = _pyplot()
    errors = confusion.astype(float).copy()
    errors[np.arange(10), np.arange(10)] = 0
    fig, ax = plt.subplots(figsize=(6.0, 5.0))
    image = ax.imshow(errors, cmap="Reds", vmin=0, vmax=max(1.0, errors.max()))
    for (i, j), value in np.ndenumerate(errors):
        if value:
            ax.text(j, i, int(value), ha="center", va="center", fontsize=8,
                    color="white" if value > errors.max() / 2 else "black")
    ax.set_xticks(range(11), [str(d) for d in range(10)] + ["missed"])
    ax.set_yticks(range(10), [str(d) for d in range(10)])
    ax.set_xlabel("read as")
    ax.set_ylabel("true digit")
    right = int(np.trace(confusion[:, :10]))
    ax.set_title(f"{title}\n{int(errors[:, :MISSED].sum())} misread, {int(errors[:, MISSED].sum())} missed, "
                 f"{right} right", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=params.dpi)
    plt.close(fig)
    return path


def mark_errors(image: np.ndarray, truth: list[tuple[int, Box]], reading, score: FrameScore,
                params: PlotParams = DEFAULT) -> np.ndarray:
    """The runner's own overlay (digit boxes) plus the errors: missed truth red, misreads orange, extras magenta;
    thin grey boxes are the segmentation's candidates (a red digit inside one was turned down by the classifier).
    Lines and labels grow with the image, as the runner's overlay does."""
    from edge.draw import annotate, outlined_text

    out = annotate(image, replace(reading, numbers=[]))
    size = max(1.0, image.shape[0] / params.reference_height)
    thick, pad = max(2, round(2 * size)), round(4 * size)
    scale, text_thick = params.label_scale * size, max(params.label_thickness, round(params.label_thickness * size))

    def box(b: Box, colour, width: int, margin: int) -> None:
        x, y, w, h = b
        cv2.rectangle(out, (x - margin, y - margin), (x + w + margin - 1, y + h + margin - 1), colour, width)

    def label(text: str, b: Box, colour) -> None:
        outlined_text(out, text, (b[0], b[1] + b[3] + round(14 * size)), scale, text_thick, colour)

    for candidate in candidate_boxes(image, reading.orientation):
        box(candidate, params.candidate_bgr, max(1, thick // 2), pad)
    for j in score.missed:
        box(truth[j][1], params.miss_bgr, thick, thick)
        label(f"{truth[j][0]}?", truth[j][1], params.miss_bgr)
    for j, i in score.wrong:
        box(truth[j][1], params.wrong_bgr, thick, thick)
        label(f"{truth[j][0]} read {reading.digits[i].label}", truth[j][1], params.wrong_bgr)
    for i in score.extra:
        box(tuple(reading.digits[i].box), params.extra_bgr, max(1, thick // 2), thick)
    return out


def pick_examples(scores: list[FrameScore], count: int) -> list[int]:
    """The frames with the most errors (what needs looking at), then the first frames read exactly."""
    errors = sorted((i for i, s in enumerate(scores) if not s.exact),
                    key=lambda i: -(len(scores[i].missed) + len(scores[i].wrong) + len(scores[i].extra)))
    exact = [i for i, s in enumerate(scores) if s.exact]
    chosen = errors[: count - 1] + exact[:1]
    chosen += [i for i in errors[count - 1 :] + exact[1:] if i not in chosen][: count - len(chosen)]
    return sorted(chosen[:count])


def example_sheet(images: list[np.ndarray], captions: list[str], path: Path, params: PlotParams = DEFAULT) -> Path:
    """Up to four annotated frames, shrunk (by `example_scale`, and to at most `example_side` pixels a side), on a
    2 x 2 sheet with a caption each."""
    tiles = []
    for image, caption in zip(images, captions):
        factor = min(params.example_scale, params.example_side / max(image.shape[:2]))
        tile = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        tile = cv2.copyMakeBorder(tile, 18, 2, 2, 2, cv2.BORDER_CONSTANT, value=(255, 255, 255))  # caption above
        cv2.putText(tile, caption, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(tile)
    height, width = max(t.shape[0] for t in tiles), max(t.shape[1] for t in tiles)
    tiles = [cv2.copyMakeBorder(t, 0, height - t.shape[0], 0, width - t.shape[1], cv2.BORDER_CONSTANT,
                                value=(255, 255, 255)) for t in tiles]
    while len(tiles) % 2 or len(tiles) < 2:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i : i + 2]) for i in range(0, len(tiles), 2)]
    cv2.imwrite(str(path), np.vstack(rows), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path
