"""Classified digits -> lines in reading order -> numbers (runs of closely spaced digits on one line).

Lines are built left to right by chaining each digit to the line whose last digit it overlaps most
vertically, so a line written with a slight slope (or photographed tilted) stays one line even when its
ends no longer share any height. Within a line, a gap wider than a fraction of the digits' height
starts a new number.
"""
from __future__ import annotations

from dataclasses import dataclass, field

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class GroupParams:
    """How digits are chained into lines and numbers; sizes are relative to the digits' heights."""

    line_overlap: float = 0.4  # a digit continues a line if it shares this much of the shorter height...
    line_reach: float = 3.0  # ...with the line's last digit, at most this many heights to its right
    number_gap: float = 0.6  # a horizontal gap wider than this * the taller neighbour's height splits numbers


DEFAULT = GroupParams()


@dataclass
class Digit:
    label: int
    confidence: float
    box: Box


@dataclass
class Number:
    text: str
    box: Box
    digits: list[Digit] = field(default_factory=list)


def union(boxes: list[Box]) -> Box:
    """The smallest (x, y, w, h) box holding all `boxes`."""
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def _vertical_share(a: Box, b: Box) -> float:
    """Overlap of the two boxes' row ranges over the shorter height."""
    overlap = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return overlap / max(1, min(a[3], b[3]))


def _lines(digits: list[Digit], params: GroupParams) -> list[list[Digit]]:
    lines: list[list[Digit]] = []
    for digit in sorted(digits, key=lambda d: (d.box[0], d.box[1])):
        best, best_share = None, params.line_overlap
        for line in lines:
            last = line[-1].box
            reach = params.line_reach * max(last[3], digit.box[3])
            share = _vertical_share(last, digit.box)
            if digit.box[0] - (last[0] + last[2]) <= reach and share >= best_share:
                best, best_share = line, share
        if best is None:
            lines.append([digit])
        else:
            best.append(digit)
    return sorted(lines, key=lambda line: sum(d.box[1] + d.box[3] / 2 for d in line) / len(line))


def _numbers(line: list[Digit], params: GroupParams) -> list[Number]:
    runs: list[list[Digit]] = [[line[0]]]
    for prev, digit in zip(line, line[1:]):
        gap = digit.box[0] - (prev.box[0] + prev.box[2])
        if gap > params.number_gap * max(prev.box[3], digit.box[3]):
            runs.append([])
        runs[-1].append(digit)
    return [Number("".join(str(d.label) for d in run), union([d.box for d in run]), run) for run in runs]


def group_numbers(digits: list[Digit], params: GroupParams = DEFAULT) -> tuple[list[Digit], list[Number]]:
    """Digits in reading order (lines top to bottom, left to right in a line) and the numbers they form."""
    if not digits:
        return [], []
    lines = _lines(digits, params)
    ordered = [d for line in lines for d in line]
    numbers = [n for line in lines for n in _numbers(line, params)]
    return ordered, numbers
