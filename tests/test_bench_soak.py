"""The soak benchmark's own pieces (its figures come from `python -m bench.soak`, never from a test)."""
from __future__ import annotations

import cv2

from bench.soak import main, summarize, write_bomb
from edge.imagesize import encoded_size


def test_the_bomb_is_a_valid_png_far_smaller_than_its_pixels(tmp_path):
    path = tmp_path / "bomb.png"
    size = write_bomb(path, 1_000)
    assert encoded_size(path.read_bytes()) == (1_000, 1_000)
    assert size < 1_000 * 1_000 / 200  # deflate squeezes black rows about a thousandfold
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)  # small enough to decode here: it is a real picture
    assert image.shape == (1_000, 1_000) and not image.any()


def test_latency_is_of_the_answered_requests_and_every_status_is_counted():
    answers = [("200", 10.0), ("200", 30.0), ("503", 1.0), ("error", 5.0)]
    summary = summarize(answers, seconds=2.0)
    assert summary["statuses"] == {"200": 2, "503": 1, "error": 1}
    assert summary["p50_ms"] == 20.0 and summary["per_s"] == 2.0
    assert summarize([("503", 1.0)], 1.0)["p50_ms"] is None


def test_unknown_parts_are_refused():
    assert main(["--parts", "detect,nothing"]) == 2
