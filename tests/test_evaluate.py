"""The evaluation measures what the runner would see, and counts right."""
import numpy as np

from edge.normalize import to_mnist_batch
from train import LABELS, REJECT_INDEX as NOT_DIGIT
from train.evaluate import CONDITIONS, Condition, confusion, evaluate, transformed


def test_untouched_condition_is_the_runners_own_path(mnist_sample):
    x = mnist_sample[2][:100]
    np.testing.assert_array_equal(transformed(x, Condition("rotate +0")), to_mnist_batch(x))


def test_rotations_change_the_digits_and_keep_the_framing(mnist_sample):
    x = mnist_sample[2][:50]
    turned = transformed(x, Condition("rotate +30", angle=30))
    assert turned.shape == x.shape and turned.dtype == np.uint8
    assert np.abs(turned.astype(int) - to_mnist_batch(x)).mean() > 5
    assert (turned.reshape(50, -1).max(1) == 255).all()


def test_conditions_cover_the_targets():
    angles = {c.angle for c in CONDITIONS if c.kind == "rotation"}
    assert {-45, -30, 30, 45, 0} <= angles


def test_confusion_counts_rejections_in_the_last_column():
    m = confusion(np.array([1, 1, 7, 3]), np.array([1, 10, 1, 3]))
    assert m.shape == (10, 11) and m.sum() == 4
    assert m[1, 1] == 1 and m[1, 10] == 1 and m[7, 1] == 1 and m[3, 3] == 1


class FixedModel:
    """Answers every batch with the same rows of probabilities, whatever the pixels."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows

    def predict(self, x, batch_size=None, verbose=0):
        assert len(x) == len(self.rows)
        return self.rows


def test_rejections_are_errors_and_the_digits_only_figure_ignores_them(mnist_sample):
    x, y = mnist_sample[2][:4], np.array([1, 2, 3, 4])
    rows = np.full((4, len(LABELS)), 0.01)
    rows[0, 1] = 0.9  # right
    rows[1, NOT_DIGIT], rows[1, 2] = 0.6, 0.3  # rejected; its best digit is right
    rows[2, NOT_DIGIT], rows[2, 5] = 0.6, 0.3  # rejected; its best digit is wrong
    rows[3, 7] = 0.9  # misread
    report = evaluate(FixedModel(rows), x, y, progress=lambda line: None)
    assert report["test_accuracy"] == 0.25 and report["digits_only_accuracy"] == 0.5
    assert report["confusion"][2][NOT_DIGIT] == 1 and report["confusion"][3][NOT_DIGIT] == 1
