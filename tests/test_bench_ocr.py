"""RapidOCR's lines to per-character digit boxes, without RapidOCR (an optional dev extra CI does not install:
the engine itself is exercised by `python -m bench.realdev FOLDER --rapidocr` in a venv with `.[bench-ocr]`)."""
from bench.ocr import char_boxes, digits_of, quad_box, split

QUAD = [[10.0, 20.0], [70.0, 20.0], [70.0, 50.0], [10.0, 50.0]]


def test_boxes_around_quads_and_even_splits():
    assert quad_box(QUAD) == (10, 20, 60, 30)
    parts = split((10, 20, 60, 30), 3)
    assert [p[0] for p in parts] == [10, 30, 50] and sum(p[2] for p in parts) == 60


def test_word_boxes_one_character_each_are_used():
    word = [[[10, 20], [30, 20], [30, 50], [10, 50]], [[40, 20], [70, 20], [70, 50], [40, 50]]]
    line = [QUAD, "7a", 0.9, word, ["7", "a"], [0.8, 0.7]]
    assert char_boxes(line) == [("7", (10, 20, 20, 30), 0.8), ("a", (40, 20, 30, 30), 0.7)]
    assert [(d.label, d.box) for d in digits_of([line])] == [(7, (10, 20, 20, 30))]


def test_a_word_of_several_characters_is_split_evenly():
    line = [QUAD, "123", 0.9, [QUAD], ["123"], [0.6]]
    assert [b[0] for _, b, _ in char_boxes(line)] == [10, 30, 50]


def test_a_line_read_on_its_side_splits_its_own_box():
    tall = [[0, 0], [20, 0], [20, 60], [0, 60]]
    line = [tall, "45", 0.9, [[[0, 0], [20, 0], [20, 30], [0, 30]], [[0, 30], [20, 30], [20, 60], [0, 60]]],
            ["4", "5"], [0.9, 0.9]]
    assert [b for _, b, _ in char_boxes(line)] == [(0, 0, 10, 60), (10, 0, 10, 60)]


def test_no_text_no_digits():
    assert digits_of(None) == [] and digits_of([[QUAD, "", 0.9]]) == []

