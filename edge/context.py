"""Tell a digit standing alone from a letter inside a word, by the ink beside it.

A handwritten "S", "y" or "l" in a word can look exactly like a 5, 4 or 1 to a classifier that sees one crop.
What gives it away is its neighbourhood: in a word, other letters' ink sits right beside it on the same line,
closer than writers space separate symbols. Digits of a number sit just as close, but they are digits
themselves. So a digit is dropped when, within `gap` of its height to its left or right and on its line,
there is one piece of ink as tall as a letter that the segmentation offered no crop for (a cursive word too wide
for a digit, letters joined into a blob). A comma, a dash, a dot or the dots of dotted paper are too short to count.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class ContextParams:
    """What makes ink beside a digit part of the same word."""

    gap: float = 0.2  # ink this close (fraction of the digit's height) to its left or right side is beside it
    height: float = 0.45  # and counts when it spans this much of the digit's height: a letter, not a comma
    min_ink: int = 3  # pixels of ink needed in that strip (a speck of noise is not a letter)
    letter: float = 0.95  # a crop the model puts in "not a digit" this surely is a letter's ink, like uncropped ink


DEFAULT = ContextParams()


def in_words(digit_boxes: list[Box], other_boxes: list[Box], binary: np.ndarray,
             params: ContextParams = DEFAULT) -> list[bool]:
    """Per digit box: does letter-sized ink that is not a digit sit right beside it on its line?

    `digit_boxes` are the boxes read as digits, `other_boxes` those of the frame's other crops: their ink is
    not counted either. `binary` is the 0/1 ink the boxes were found in."""
    if not digit_boxes:
        return []
    free = binary.astype(bool)  # a copy: ink of no digit
    for x, y, w, h in list(digit_boxes) + list(other_boxes):
        free[y : y + h, x : x + w] = False
    out = []
    fw = binary.shape[1]
    for x, y, w, h in digit_boxes:
        reach = max(1, int(round(params.gap * h)))
        word = False
        for x0, x1 in ((max(0, x - reach), x), (x + w, min(fw, x + w + reach))):
            strip = free[y : y + h, x0:x1].view(np.uint8)
            if x1 > x0 and strip.sum() >= params.min_ink:
                _, _, stats, _ = cv2.connectedComponentsWithStats(strip, connectivity=8)
                word |= bool((stats[1:, cv2.CC_STAT_HEIGHT] >= params.height * h).any())
        out.append(word)
    return out
