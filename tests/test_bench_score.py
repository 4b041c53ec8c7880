"""The scorer's figures on hand-made predictions."""
import pytest

from bench.score import MISSED, centre_inside, iou, match, score_frame, summarize

TRUTH = [(1, (10, 10, 20, 30)), (2, (50, 10, 20, 30)), (3, (90, 10, 20, 30))]


def shift(items, dx, dy=0):
    return [(label, (x + dx, y + dy, w, h)) for label, (x, y, w, h) in items]


def test_iou_and_centre():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (10, 0, 10, 10)) == 0.0
    assert centre_inside((4, 4, 2, 2), (0, 0, 10, 10)) and not centre_inside((12, 0, 2, 2), (0, 0, 10, 10))


def test_perfect():
    s = score_frame(TRUTH, TRUTH)
    assert (s.truth, s.predicted, s.found, s.correct) == (3, 3, 3, 3) and s.exact
    total = summarize([s, s])
    assert (total.recall, total.precision, total.accuracy, total.frame_accuracy) == (1.0, 1.0, 1.0, 1.0)
    assert total.confusion[1, 1] == 2 and total.confusion.sum() == 6


def test_empty_prediction():
    s = score_frame(TRUTH, [])
    assert (s.found, s.correct, s.missed, s.extra) == (0, 0, [0, 1, 2], []) and not s.exact
    total = summarize([s])
    assert (total.recall, total.accuracy, total.precision, total.frame_accuracy) == (0.0, 0.0, None, 0.0)
    assert total.confusion[:, MISSED].sum() == 3


def test_shifted_boxes():
    small = score_frame(TRUTH, shift(TRUTH, 4))  # IoU 0.67
    assert small.found == 3 and small.exact
    centre = score_frame(TRUTH, shift(TRUTH, 8))  # IoU 0.43, centre still inside
    assert centre.found == 3
    off = score_frame(TRUTH, shift(TRUTH, 0, 40))  # beside every truth box
    assert (off.found, off.missed, off.extra) == (0, [0, 1, 2], [0, 1, 2])
    total = summarize([off])
    assert (total.recall, total.precision, total.accuracy) == (0.0, 0.0, 0.0)


def test_wrong_labels():
    pred = [(7, b) for _, b in TRUTH]
    s = score_frame(TRUTH, pred)
    assert (s.found, s.correct, s.wrong) == (3, 0, [(0, 0), (1, 1), (2, 2)]) and not s.exact
    total = summarize([s, score_frame(TRUTH, TRUTH)])
    assert (total.recall, total.precision, total.accuracy, total.frame_accuracy) == (1.0, 1.0, 0.5, 0.5)
    assert total.confusion[1, 7] == 1 and total.confusion[1, 1] == 1


def test_matching_is_one_to_one_best_overlap_first():
    pred = [(1, (11, 10, 20, 30)), (1, (10, 10, 20, 30))]  # two reads of the first digit
    assert match([b for _, b in pred], [TRUTH[0][1]]) == [(1, 0)]
    s = score_frame(TRUTH[:1], pred)
    assert (s.found, s.correct, s.extra) == (1, 1, [0]) and not s.exact
    assert summarize([s]).precision == 0.5


def test_numbers_read_exactly():
    numbers = [("12", (10, 10, 60, 30)), ("3", (90, 10, 20, 30))]
    assert score_frame(TRUTH, TRUTH, numbers, numbers).numbers_exact == 2
    misread = [("17", (10, 10, 60, 30)), ("3", (91, 10, 20, 30))]
    s = score_frame(TRUTH, TRUTH, numbers, misread)
    assert (s.numbers, s.numbers_exact) == (2, 1)
    assert summarize([s]).number_accuracy == 0.5
    assert summarize([score_frame(TRUTH, TRUTH)]).number_accuracy is None


def test_suite_figures_are_json_ready():
    import json

    figures = json.loads(json.dumps(summarize([score_frame(TRUTH, TRUTH[:2])]).to_dict()))
    assert figures["recall"] == pytest.approx(2 / 3) and figures["precision"] == 1.0
    assert len(figures["confusion"]) == 10 and len(figures["confusion"][0]) == 11
