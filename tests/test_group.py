"""Reading order and number grouping on hand-placed digit boxes."""
from __future__ import annotations

from edge.group import Digit, GroupParams, Number, group_numbers


def row(labels: str, x: int, y: int, height: int = 40, width: int = 28, gap: int = 6, slope: float = 0.0):
    """Digits side by side; `slope` pixels down per pixel right, like a line written uphill/downhill."""
    out = []
    for label in labels:
        out.append(Digit(int(label), 0.9, (x, round(y + slope * x), width, height)))
        x += width + gap
    return out


def texts(numbers: list[Number]) -> list[str]:
    return [n.text for n in numbers]


def test_reading_order_over_two_lines():
    digits = row("314", 50, 200) + row("2718", 60, 60)  # second line written above the first
    shuffled = digits[::2] + digits[1::2]
    ordered, numbers = group_numbers(shuffled)
    assert "".join(str(d.label) for d in ordered) == "2718314"
    assert texts(numbers) == ["2718", "314"]


def test_gaps_split_numbers_and_boxes_cover_their_digits():
    digits = row("12", 10, 50) + row("345", 200, 52) + row("6", 400, 48)
    _, numbers = group_numbers(digits)
    assert texts(numbers) == ["12", "345", "6"]
    first = numbers[0]
    assert first.box == (10, 50, 28 + 6 + 28, 40) and [d.label for d in first.digits] == [1, 2]


def test_slightly_tilted_line_is_still_one_line():
    digits = row("12345678", 20, 100, slope=0.12)  # the line drops ~half a digit height over its length
    first, last = digits[0].box, digits[-1].box
    assert last[1] - first[1] > first[3] / 2  # its ends share little height
    ordered, numbers = group_numbers(list(reversed(digits)))
    assert texts(numbers) == ["12345678"]
    assert [d.label for d in ordered] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_two_tilted_lines_stay_apart():
    top = row("111", 20, 100, slope=0.1)
    bottom = row("222", 20, 160, slope=0.1)
    _, numbers = group_numbers(bottom + top)
    assert texts(numbers) == ["111", "222"]


def test_gap_threshold_is_a_parameter():
    digits = row("12", 0, 0, gap=30)  # gap 0.75 of the height
    assert texts(group_numbers(digits)[1]) == ["1", "2"]
    assert texts(group_numbers(digits, GroupParams(number_gap=1.0))[1]) == ["12"]


def test_nothing_in_nothing_out():
    assert group_numbers([]) == ([], [])
