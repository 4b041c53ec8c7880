"""edge.layout: the axis the writing's lines run along, from candidate boxes alone."""
import numpy as np

from edge.layout import glyphs, line_axis


def a_line(x: int, y: int, count: int, size=(20, 30), step: int = 26) -> list[tuple[int, int, int, int]]:
    """`count` glyph boxes of (w, h) side by side along the rows, `step` pixels apart."""
    return [(x + i * step, y, *size) for i in range(count)]


def turned(boxes):
    """The same boxes in the frame turned a quarter turn (x and y, w and h swapped)."""
    return [(y, x, h, w) for x, y, w, h in boxes]


def test_glyphs_side_by_side_run_along_the_rows_and_turned_along_the_columns():
    page = a_line(10, 10, 5) + a_line(10, 80, 4)  # two lines, further apart than their glyphs
    assert line_axis(page) == "rows"
    assert line_axis(turned(page)) == "columns"


def test_isolated_glyphs_and_too_few_do_not_tell():
    assert line_axis([(10, 10, 20, 30), (200, 150, 20, 30), (400, 300, 20, 30)]) is None
    assert line_axis(a_line(10, 10, 2)) is None
    assert line_axis([]) is None


def test_a_grid_as_dense_one_way_as_the_other_does_not_tell():
    grid = [(10 + 26 * i, 10 + 36 * j, 20, 30) for i in range(4) for j in range(4)]
    assert line_axis(grid) is None


def test_a_tiny_mark_beside_a_glyph_is_no_neighbour():
    assert line_axis(a_line(10, 10, 1) + [(34, 20, 4, 6), (60, 22, 3, 3), (70, 20, 4, 4)]) is None


def test_boxes_touching_side_by_side_are_one_glyph():
    """The cutter's parts of one stroke (a 1 on its side cut in three) do not make a line of their own."""
    stroke = [(100, 50, 30, 12), (130, 49, 28, 13), (159, 50, 30, 12)]
    assert glyphs(np.array(stroke)).tolist() == [[100, 49, 89, 13]]
    scattered = [(10, 200, 30, 20), (300, 10, 25, 40), (400, 300, 30, 25)]  # turned digits, far apart
    assert line_axis(stroke + scattered) is None
    assert line_axis(turned(a_line(10, 10, 4)) + stroke) == "columns"
    assert len(glyphs(np.array(a_line(10, 10, 5)))) == 5  # glyphs 6 px apart stay apart
