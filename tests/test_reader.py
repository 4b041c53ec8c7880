"""Reader: one predict per frame, rejection, orientation search and boxes in the input's pixels."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge import classify
from edge.classify import Classifier
from edge.reader import Reader, ReadParams, parse_orientation, rotate, unrotate_box
from edge.segment import find_candidates

SAMPLE = Path(__file__).resolve().parent.parent / "edge" / "samples" / "sample.jpg"
TRUTH = json.loads(SAMPLE.with_suffix(".json").read_text())["numbers"]


class CountingClassifier:
    """The real classifier, counting predict calls and optionally replacing its answers."""

    def __init__(self, classifier: Classifier, answer: np.ndarray | None = None,
                 second_opinion: CountingClassifier | None = None):
        self._classifier = classifier
        self.answer = answer
        self.calls = 0
        self.second_opinion = second_opinion  # not the real one: these answers are the whole story

    def predict(self, batch: np.ndarray) -> np.ndarray:
        self.calls += 1
        probs = self._classifier.predict(batch)
        if self.answer is None:
            return probs
        if self.answer.ndim == 2:  # one answer per row of the batch
            assert len(self.answer) == len(batch)
            return self.answer.astype(np.float32)
        return np.tile(self.answer, (len(batch), 1)).astype(np.float32)

    def __getattr__(self, name):
        return getattr(self._classifier, name)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    path = classify.default_model_path()
    if not path.is_file():
        pytest.fail(f"{path} is missing: train and convert the model first (make train convert)")
    return Classifier(path)


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    return cv2.imread(str(SAMPLE))


@pytest.fixture(scope="module")
def upright(classifier, sample):
    return Reader(classifier).read(sample)


def overlap(a, b) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_reads_the_bundled_sample(upright):
    texts = [n.text for n in upright.numbers]
    correct = sum(t["text"] in texts for t in TRUTH)
    assert correct >= len(TRUTH) - 1, texts
    for truth in TRUTH:  # every written number is found where it is, read right or not
        assert max(overlap(truth["box"], n.box) for n in upright.numbers) > 0.6, truth
    assert upright.orientation == 0 and upright.segment_ms > 0 and upright.classify_ms > 0


def test_all_crops_go_through_one_predict_and_the_doubted_through_one_more(classifier, sample):
    counting = CountingClassifier(classifier)
    for orientation in (0, "auto"):
        counting.calls = 0
        Reader(counting, ReadParams(orientation=orientation, second_look=0)).read(sample)
        assert counting.calls == 1
        counting.calls = 0
        Reader(counting, ReadParams(orientation=orientation)).read(sample)
        assert counting.calls <= 2


class SecondThoughts(CountingClassifier):
    """Gives every crop the label `first` (an index into the labels) at probability `p_first` on the first call,
    and `then` at `p_then` on every later call (the second look): the rest of the probability spread evenly."""

    def __init__(self, classifier: Classifier, first: int = 3, p_first: float = 0.4, then: int = 3,
                 p_then: float = 0.9):
        super().__init__(classifier)
        self.first, self.p_first, self.then, self.p_then = first, p_first, then, p_then

    def predict(self, batch: np.ndarray) -> np.ndarray:
        self.calls += 1
        n = len(self._classifier.labels)
        label, sure = (self.then, self.p_then) if self.calls > 1 else (self.first, self.p_first)
        row = np.full(n, (1 - sure) / (n - 1))
        row[label] = sure
        return np.tile(row, (len(batch), 1)).astype(np.float32)


def test_a_doubted_crop_is_read_again_under_other_framings(classifier, sample):
    assert Reader(SecondThoughts(classifier), ReadParams(second_look=0)).read(sample).digits == []
    again = SecondThoughts(classifier)
    digits = Reader(again, ReadParams(halo_look=0)).read(sample).digits
    assert again.calls == 2 and digits and {d.label for d in digits} == {3}
    assert all(abs(d.confidence - (0.4 + 4 * 0.9) / 5) < 1e-6 for d in digits)  # the five framings averaged


def test_a_rejected_crop_is_read_again_with_the_halo_of_its_strokes_cut_away(classifier):
    """A defocused camera spreads a thin pen into a soft halo the model takes for a blurred mark: the crops it
    rejects are read once more with the halo cut (`normalize.cut_halo`), in one more call, and taken when read
    surely. Crops it is all but certain of (`halo_doubt`) are not, nor any with the halo look off."""
    frame = np.full((240, 320, 3), 230, np.uint8)
    cv2.putText(frame, "38", (110, 140), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (40, 40, 40), 2, cv2.LINE_AA)
    frame = cv2.GaussianBlur(frame, (0, 0), 2.0)
    reject = classifier.reject_index

    def sharp_eyed(p_reject: float = 0.95) -> SecondThoughts:
        """Sure at first that every crop is no digit (0.95: too sure for other framings), a 3 at 0.96 again."""
        return SecondThoughts(classifier, first=reject, p_first=p_reject, then=3, p_then=0.96)

    eyed = sharp_eyed()
    digits = Reader(eyed).read(frame).digits
    assert eyed.calls == 2 and len(digits) == 2
    assert all(d.label == 3 and d.confidence == pytest.approx(0.96) for d in digits)
    certain = sharp_eyed(0.995)
    assert Reader(certain).read(frame).digits == [] and certain.calls == 1
    assert Reader(sharp_eyed(), ReadParams(halo_look=0)).read(frame).digits == []


def test_what_is_still_dropped_is_read_by_the_classifiers_blur_trained_second_opinion(classifier, sample):
    """Crops the model rejects (not all but certainly) after every other look go to its second opinion in one
    call, and are taken when it reads a digit at `blur_look`; a surer reject, an unsure second opinion or
    `blur_look` 0 leave them dropped."""
    n, reject = len(classifier.labels), classifier.reject_index

    def answer(label: int, p: float) -> np.ndarray:
        row = np.full(n, (1 - p) / (n - 1))
        row[label] = p
        return row

    def rejecting(p_reject: float = 0.95, p_three: float = 0.92) -> CountingClassifier:
        return CountingClassifier(classifier, answer(reject, p_reject),
                                  CountingClassifier(classifier, answer(3, p_three)))

    model = rejecting()
    digits = Reader(model).read(sample).digits
    assert model.second_opinion.calls == 1 and digits
    assert all(d.label == 3 and d.confidence == pytest.approx(0.92) for d in digits)
    for model, params in ((rejecting(), ReadParams(blur_look=0)), (rejecting(p_three=0.85), ReadParams()),
                          (rejecting(p_reject=0.995), ReadParams())):
        assert Reader(model, params).read(sample).digits == []
    model = rejecting(p_reject=0.995)
    Reader(model).read(sample)
    assert model.second_opinion.calls == 0


def test_reject_class_and_low_confidence_are_dropped(classifier, sample):
    n = len(classifier.labels)
    reject = np.full(n, 0.01)
    reject[classifier.reject_index] = 1 - 0.01 * (n - 1)
    assert Reader(CountingClassifier(classifier, reject)).read(sample).digits == []
    unsure = np.full(n, (1 - 0.4) / (n - 1))
    unsure[3] = 0.4
    assert Reader(CountingClassifier(classifier, unsure), ReadParams(min_confidence=0.5)).read(sample).digits == []
    assert {d.label for d in Reader(CountingClassifier(classifier, unsure), ReadParams(min_confidence=0.3)).read(sample).digits} == {3}


def test_a_doubted_crop_between_two_read_digits_of_its_row_is_read(classifier):
    """A badly written digit in a row of digits is still a digit: read as its best digit when that has
    `ContextParams.row_digit` of the probability; alone, or with a read digit on one side only, it is dropped."""
    from test_segment import Sheet, row_of_digits

    from edge.context import ContextParams

    n, reject = len(classifier.labels), classifier.reject_index

    def answer(label: int, p: float, doubted: float) -> np.ndarray:
        row = np.full(n, (1 - p - doubted) / (n - 2))
        row[label], row[reject] = p, doubted
        return row

    def read(labels: list[int], rows: list[np.ndarray], context: ContextParams = ContextParams()) -> list[int]:
        sheet = Sheet()
        row_of_digits(sheet, labels, 60, 150, 200, 30)
        reader = Reader(CountingClassifier(classifier, np.stack(rows)), ReadParams(second_look=0, context=context))
        return [d.label for d in reader.read(sheet.photo(noise=2)).digits]

    sure4, sure7, doubted2 = answer(4, 0.95, 0.01), answer(7, 0.95, 0.01), answer(2, 0.35, 0.6)
    assert read([4, 2, 7], [sure4, doubted2, sure7]) == [4, 2, 7]
    assert read([4, 2, 7], [sure4, doubted2, sure7], ContextParams(row_digit=0)) == [4, 7]
    assert read([4, 2, 7], [sure4, answer(2, 0.2, 0.75), sure7]) == [4, 7]  # too little of a digit in it
    assert read([4, 2], [sure4, doubted2]) == [4]  # a digit on one side only: the row may end in a mark
    assert read([4, 2, 2, 7], [sure4, doubted2, doubted2, sure7]) == [4, 7]  # two doubted side by side: a word


def test_a_parenthesis_read_as_a_sure_one_stays_dropped_between_digits(classifier):
    """A ")" the model reads as a sure "1" is dropped by its bow (`context.not_ones`), and the row rule, which
    reads doubted crops between digits, does not bring it back: the context judged it, it was not doubted."""
    from test_segment import Sheet, digit, index_of

    n = len(classifier.labels)

    def sure(label: int) -> np.ndarray:
        row = np.full(n, 0.05 / (n - 1))
        row[label] = 0.95
        return row

    sheet = Sheet()
    sheet.draw(digit(index_of(4), 60), 150, 200)
    paren = np.zeros((70, 30), np.float32)
    cv2.ellipse(paren, (-25, 35), (40, 40), 0, -50, 50, 255, 5)  # an arc of 100 degrees bowing right
    sheet.draw(paren, 205, 195)
    sheet.draw(digit(index_of(7), 60), 250, 200)
    photo = sheet.photo(noise=2)
    lefts = [c.box[0] for c in find_candidates(photo)]
    assert len(lefts) == 3
    labels = dict(zip(sorted(lefts), (4, 1, 7)))  # the classifier's answers in the candidates' order
    answers = CountingClassifier(classifier, np.stack([sure(labels[x]) for x in lefts]))
    assert [d.label for d in Reader(answers, ReadParams(second_look=0)).read(photo).digits] == [4, 7]


def test_a_cut_group_is_read_as_two_digits_as_one_or_not_at_all(classifier):
    """Two touching digits are cut in two; the parts stay only when both read as digits, else the uncut
    group is read in their place (one wide digit), and a letter cut into a "1" and a rest is dropped."""
    from test_segment import Sheet, digit, index_of, touching_row

    sheet = Sheet()
    touching_row(sheet, [digit(index_of(label), 60) for label in (1, 7)], 200, 150, 2)
    frame = sheet.photo(noise=2)
    n, reject = len(classifier.labels), classifier.reject_index

    def sure(label: int, rest: float = 0.01) -> np.ndarray:
        row = np.full(n, rest)
        row[label] = 1 - rest * (n - 1)
        return row

    def read(part_a: int, part_b: int, whole: int, whole_rest: float = 0.01) -> list[tuple[int, tuple]]:
        rows = np.stack([sure(part_a), sure(part_b), sure(whole, whole_rest)])  # the parts, then the whole
        reader = Reader(CountingClassifier(classifier, rows), ReadParams(second_look=0))  # the answers as given
        return [(d.label, d.box) for d in reader.read(frame).digits]

    both = read(1, 7, reject)
    assert [label for label, _ in both] == [1, 7]
    whole_box = (both[0][1][0], min(b[1] for _, b in both), both[1][1][0] + both[1][1][2] - both[0][1][0],
                 max(b[1] + b[3] for _, b in both) - min(b[1] for _, b in both))
    assert read(1, reject, 4) == [(4, whole_box)]
    assert read(1, reject, reject) == []
    assert read(1, 7, 4, whole_rest=0.001) == [(4, whole_box)]  # the uncut group reads more surely: one digit
    assert [label for label, _ in read(1, 7, 4, whole_rest=0.02)] == [1, 7]  # less surely: two


def test_a_tentative_cut_is_kept_only_when_the_uncut_pair_is_no_clearly_sure_digit(classifier):
    """A loose cut (two touching digits of different heights) splits only when the pair itself is not read
    as a digit, or only barely: a whole sure enough wins even when its parts read more surely (a firm cut
    would split then), a whole just over the threshold beside two sure parts does not."""
    from test_segment import Sheet, touching_pair

    sheet = Sheet()
    touching_pair(sheet)
    frame = sheet.photo(noise=2)
    assert [d.label for d in Reader(classifier).read(frame).digits] == [4, 7]
    n, reject = len(classifier.labels), classifier.reject_index

    def rows(whole: int, doubt: float = 0.05) -> np.ndarray:
        out = np.full((3, n), 0.01)
        for row, label in zip(out, (4, 7, whole)):
            row[label] = 1 - 0.01 * (n - 1)
        out[2, whole] -= doubt  # the whole is less sure than its parts
        out[2, (whole + 1) % n] += doubt
        return out

    as_given = ReadParams(second_look=0)

    def labels(rows: np.ndarray) -> list[int]:
        return [d.label for d in Reader(CountingClassifier(classifier, rows), as_given).read(frame).digits]

    assert labels(rows(reject)) == [4, 7]
    assert labels(rows(0)) == [0]
    assert labels(rows(0, doubt=0.35)) == [4, 7]  # the whole at 0.55 beside parts at 0.90


@pytest.mark.parametrize("frame", [np.zeros((480, 640, 3), np.uint8), np.zeros((0, 0, 3), np.uint8), np.full((240, 320), 255, np.uint8)],
                         ids=["black", "empty", "white-gray"])
def test_frames_without_ink_read_nothing(classifier, frame):
    reading = Reader(classifier, ReadParams(orientation="auto")).read(frame)
    assert reading.digits == [] and reading.numbers == []
    assert reading.to_json("x") == {"source": "x", "digits": [], "numbers": []}


def test_gray_and_bgra_frames_read_like_bgr(classifier, sample, upright):
    reader = Reader(classifier)
    for converted in (cv2.cvtColor(sample, cv2.COLOR_BGR2GRAY), cv2.cvtColor(sample, cv2.COLOR_BGR2BGRA)):
        assert [n.text for n in reader.read(converted).numbers] == [n.text for n in upright.numbers]


def test_json_contract(upright, sample):
    record = json.loads(json.dumps(upright.to_json("pic.jpg")))
    assert list(record) == ["source", "digits", "numbers"] and record["source"] == "pic.jpg"
    height, width = sample.shape[:2]
    for item in record["digits"] + record["numbers"]:
        x, y, w, h = item["box"]
        assert all(type(v) is int for v in item["box"])
        assert 0 <= x and 0 <= y and w > 0 and h > 0 and x + w <= width and y + h <= height
    for digit in record["digits"]:
        assert set(digit) == {"label", "confidence", "box"}
        assert type(digit["label"]) is int and 0 <= digit["label"] <= 9
        assert type(digit["confidence"]) is float and 0 <= digit["confidence"] <= 1
        assert digit["confidence"] == round(digit["confidence"], 4)
    for number in record["numbers"]:
        assert set(number) == {"text", "box"} and number["text"].isdigit()


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_unrotate_box_matches_the_pixels(turn):
    image = np.zeros((50, 80), np.uint8)
    image[7:19, 11:40] = 255  # box (11, 7, 29, 12)
    turned = rotate(image, turn)
    ys, xs = np.nonzero(turned)
    box = (int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)
    # the reader turns the frame by `turn` to read it, then maps boxes back with unrotate_box
    assert unrotate_box(box, turn, image.shape) == (11, 7, 29, 12)


def test_auto_orientation_keeps_an_upright_frame_on_a_close_call(classifier, sample, upright):
    """Upside down, the sample's 0, 1, 6/9 and 8 still read: its score is 1.2x the upright's, short of the
    margin, so the frame is read as it is (most pages are upright; a close call must not cost them)."""
    reading = Reader(classifier, ReadParams(orientation="auto")).read(rotate(sample, 180))
    assert reading.orientation == 0
    reading = Reader(classifier, ReadParams(orientation="auto", turn_margin=1.1)).read(rotate(sample, 180))
    assert reading.orientation == 180
    assert [n.text for n in reading.numbers] == [n.text for n in upright.numbers]


@pytest.mark.parametrize("turned_by", [90, 270])
def test_auto_orientation_reads_a_turned_photo_in_its_own_pixels(classifier, sample, upright, turned_by):
    photo = rotate(sample, turned_by)  # the camera was held turned
    reading = Reader(classifier, ReadParams(orientation="auto")).read(photo)
    assert reading.orientation == (360 - turned_by) % 360
    assert [n.text for n in reading.numbers] == [n.text for n in upright.numbers]
    expected = [rotate_box(d.box, turned_by, sample.shape) for d in upright.digits]
    for digit, box in zip(reading.digits, expected):
        assert np.abs(np.subtract(digit.box, box)).max() <= 3, (digit.box, box)
    height, width = photo.shape[:2]
    assert all(d.box[0] + d.box[2] <= width and d.box[1] + d.box[3] <= height for d in reading.digits)


def rotate_box(box, turn, shape):
    """Where a box of the upright frame lands once the frame is turned `turn` degrees clockwise."""
    turned_shape = shape[:2] if turn == 180 else shape[1::-1]
    return unrotate_box(box, (360 - turn) % 360, turned_shape)


@pytest.mark.parametrize("zoom", [2, 4])
def test_big_photos_are_read_at_the_writings_scale_and_reported_full_size(classifier, sample, upright, zoom):
    big = cv2.resize(sample, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    reading = Reader(classifier).read(big)
    assert [n.text for n in reading.numbers] == [n.text for n in upright.numbers]
    for digit, small in zip(reading.digits, upright.digits):
        assert np.abs(np.subtract(digit.box, np.multiply(small.box, zoom))).max() <= 3 * zoom  # a working pixel is ~2.3 zoom


def test_parse_orientation():
    assert parse_orientation("AUTO") == "auto" and parse_orientation("90") == 90
    with pytest.raises(ValueError):
        parse_orientation("45")


def test_opencv_threads_are_set_by_the_reader_unless_told_not_to(classifier):
    before = cv2.getNumThreads()
    try:
        Reader(classifier, ReadParams(opencv_threads=1))
        assert cv2.getNumThreads() == 1
        cv2.setNumThreads(3)
        Reader(classifier, ReadParams(opencv_threads=None))
        assert cv2.getNumThreads() == 3
    finally:
        cv2.setNumThreads(before)


class NoReject(CountingClassifier):
    """A classifier with digits only (as the benchmark's HOG + SVM and Tesseract), unsure of every crop."""

    reject_index = None
    labels = list(range(10))

    def predict(self, batch: np.ndarray) -> np.ndarray:
        self.calls += 1
        row = np.full(10, 0.6 / 9)
        row[5] = 0.4
        return np.tile(row, (len(batch), 1)).astype(np.float32)


def test_a_classifier_without_a_reject_class_gets_a_second_look_too(classifier, sample):
    plain = NoReject(classifier)
    assert Reader(plain).read(sample).digits == [] and plain.calls == 2


@pytest.mark.parametrize("height", [0.62, 0.8])
def test_a_close_up_of_straight_strokes_is_read_whole(classifier, height):
    """A "1" and a "7" as tall as most of the frame, drawn with ruler-straight strokes: their stems are as long
    as a page's rules, but they end inside the frame and read as digits."""
    frame = np.full((480, 640, 3), 235, np.uint8)
    h = int(480 * height)
    top, x = (480 - h) // 2, 300
    cv2.line(frame, (x - 90, top), (x - 85, top + h), (30, 30, 30), 6, cv2.LINE_AA)
    cv2.line(frame, (x, top), (x + int(0.5 * h), top + 2), (30, 30, 30), 6, cv2.LINE_AA)
    cv2.line(frame, (x + int(0.5 * h), top + 2), (x + h // 6, top + h), (30, 30, 30), 6, cv2.LINE_AA)
    reading = Reader(classifier).read(frame)
    assert [n.text for n in reading.numbers] == ["17"]
    assert all(d.box[3] > 0.9 * h for d in reading.digits)


def ruled_and_askew(sample: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """The sample written on a page of dark rules (each through its numbers' feet), photographed `degrees`
    askew in a frame of the same size (the page reaches past the frame: its paper is mirrored out first); and
    the matrix from the sample's pixels to the photo's."""
    page = sample.copy()
    for y in range(30, page.shape[0], 45):  # rules 45 px apart, 2 px, as dark as the pen
        page[y : y + 2] = (110, 110, 110)
    pad = 100
    page = cv2.copyMakeBorder(page, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    h, w = sample.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    shifted = turn @ np.array([[1, 0, -pad], [0, 1, -pad], [0, 0, 1]], np.float64)  # from the padded page
    return cv2.warpAffine(page, shifted, (w, h)), turn


@pytest.mark.parametrize("degrees", [-5.0, 4.0])
def test_a_ruled_page_photographed_askew_is_read_level_and_boxed_in_its_own_pixels(classifier, sample, upright,
                                                                                   degrees):
    photo, turn = ruled_and_askew(sample, degrees)
    reading = Reader(classifier).read(photo)
    assert [n.text for n in reading.numbers] == [n.text for n in upright.numbers]
    for digit, level in zip(reading.digits, upright.digits):  # the same digits, where the turn took them
        x, y, w, h = level.box
        cx, cy = turn @ np.array([x + w / 2, y + h / 2, 1.0])
        assert abs(digit.box[0] + digit.box[2] / 2 - cx) <= 6 and abs(digit.box[1] + digit.box[3] / 2 - cy) <= 6
    rules_kept = ReadParams(segment=replace(ReadParams().segment, tilt_cover=99.0))  # no levelling: rules stay
    assert len(Reader(classifier, rules_kept).read(photo).digits) < len(upright.digits) - 5
