"""The web API through Flask's test client: the same answers as `edge detect`, bad input, the canvas, live view."""
from __future__ import annotations

import base64
import io
import json
import socket
import struct
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

import edge
from edge.capture import LiveSource, read_image
from edge.classify import Classifier, ModelError
from edge.reader import Reader
from edge.web.server import create_app, decode_image, encoded_size, serve

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "edge" / "samples" / "sample.jpg"
MNIST_SAMPLE = Path(__file__).resolve().parent / "data" / "mnist_sample.npz"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    try:
        return Classifier()
    except ModelError as error:
        pytest.fail(f"the web tests need the trained model ({error}): run `make train convert`")


@pytest.fixture(scope="module")
def client(classifier):
    return create_app(classifier).test_client()


def png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


def canvas_digit(digit: np.ndarray, side: int = 280) -> np.ndarray:
    """An MNIST digit as the browser canvas holds it: black ink on white, pad-sized."""
    return 255 - cv2.resize(digit, (side, side), interpolation=cv2.INTER_LINEAR)


def decode_data_url(url: str) -> np.ndarray:
    header, payload = url.split(",", 1)
    assert header in ("data:image/png;base64", "data:image/jpeg;base64")
    return cv2.imdecode(np.frombuffer(base64.b64decode(payload), np.uint8), cv2.IMREAD_UNCHANGED)


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims width x height pixels (no image data behind it)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def bmp_header(width: int, height: int) -> bytes:
    """File header and BITMAPINFOHEADER claiming width x height (negative height: top-down rows)."""
    return b"BM" + struct.pack("<IHHI", 54, 0, 0, 54) + struct.pack("<IiiHH", 40, width, height, 1, 24)


def webp_header(chunk: bytes, width: int, height: int) -> bytes:
    """A RIFF/WEBP file whose first chunk (VP8, VP8L or VP8X) claims width x height."""
    payload = {
        b"VP8 ": b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", width, height),
        b"VP8L": b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14),
        b"VP8X": bytes(4) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"),
    }[chunk]
    return b"RIFF" + struct.pack("<I", 12 + len(payload)) + b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload


def tiff_header(width: int, height: int, order: str = "<", kind: int = 4) -> bytes:
    """A TIFF whose first IFD has ImageWidth and ImageLength as SHORT (3) or LONG (4) values."""
    value = order + ("HH" if kind == 3 else "I")
    entries = b"".join(struct.pack(order + "HHI", tag, kind, 1) + struct.pack(value, side, *[0] * (kind == 3))
                       for tag, side in ((256, width), (257, height)))
    return (b"II*\0" if order == "<" else b"MM\0*") + struct.pack(order + "IH", 8, 2) + entries + bytes(4)


def test_read_answers_exactly_what_edge_detect_prints(client, classifier):
    expected = Reader(classifier).read(read_image(SAMPLE)).to_json("sample.jpg")
    with SAMPLE.open("rb") as f:
        answer = client.post("/api/read", data={"image": (f, "sample.jpg")})
    assert answer.status_code == 200
    assert answer.get_json() == expected
    truth = json.loads(SAMPLE.with_suffix(".json").read_text())["numbers"]
    found = {n["text"] for n in expected["numbers"]}
    assert len(found & {n["text"] for n in truth}) >= len(truth) - 1, found  # and it reads what is written


def test_read_takes_a_raw_body_too(client):
    answer = client.post("/api/read?source=desk.jpg", data=SAMPLE.read_bytes(), content_type="image/jpeg")
    assert answer.status_code == 200
    assert answer.get_json()["source"] == "desk.jpg"
    assert answer.get_json()["digits"]


def test_annotate_returns_the_picture_with_the_reading(client):
    with SAMPLE.open("rb") as f:
        answer = client.post("/api/annotate", data={"image": (f, "sample.jpg")}).get_json()
    image = decode_data_url(answer["image"])
    assert image.shape == (640, 960, 3)
    assert (answer["width"], answer["height"]) == (960, 640)
    assert answer["result"]["source"] == "sample.jpg" and answer["result"]["numbers"]
    assert not np.array_equal(image, cv2.imread(str(SAMPLE)))  # boxes were drawn on it


@pytest.mark.parametrize("body, message", [
    (b"this is not a picture", "not an image"),
    (b"", "empty upload"),
    (b"\xff\xd8\xff\xe0 truncated jpeg", "not an image"),
])
def test_a_bad_upload_is_a_400_with_a_message(client, body, message):
    answer = client.post("/api/read", data={"image": (io.BytesIO(body), "x.jpg")})
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]


def test_multipart_without_the_image_field_is_a_400(client):
    answer = client.post("/api/read", data={"photo": (SAMPLE.open("rb"), "sample.jpg")})
    assert answer.status_code == 400
    assert "'image'" in answer.get_json()["error"]


def test_an_upload_over_the_limit_is_a_413(classifier):
    small = create_app(classifier, max_upload_mb=0.05).test_client()
    body = SAMPLE.read_bytes()  # 94 KB
    assert len(body) > 0.05 * 1024 * 1024
    for answer in (small.post("/api/read", data={"image": (SAMPLE.open("rb"), "sample.jpg")}),
                   small.post("/api/read", data=body, content_type="image/jpeg")):
        assert answer.status_code == 413
        assert "0.05 MB limit" in answer.get_json()["error"]
    assert small.get("/api/health").status_code == 200  # and the server goes on


def test_a_decompression_bomb_is_refused_before_decoding(client):
    answer = client.post("/api/read", data=png_header(30_000, 30_000), content_type="image/png")
    assert answer.status_code == 413
    assert "30000x30000" in answer.get_json()["error"]


@pytest.mark.parametrize("header, side", [
    (bmp_header(20_000, 20_000), 20_000), (bmp_header(20_000, -20_000), 20_000),
    (webp_header(b"VP8 ", 16_000, 16_000), 16_000),  # VP8 and VP8L sides stop at 16383
    (webp_header(b"VP8L", 16_000, 16_000), 16_000), (webp_header(b"VP8X", 20_000, 20_000), 20_000),
    (tiff_header(20_000, 20_000), 20_000), (tiff_header(20_000, 20_000, ">"), 20_000),
    (tiff_header(20_000, 20_000, "<", kind=3), 20_000), (tiff_header(20_000, 20_000, ">", kind=3), 20_000),
], ids=["bmp", "bmp-top-down", "webp-vp8", "webp-vp8l", "webp-vp8x", "tiff-le", "tiff-be", "tiff-le-short",
        "tiff-be-short"])
def test_a_bomb_in_any_header_format_is_refused_before_decoding(client, header, side):
    assert encoded_size(header) == (side, side)
    answer = client.post("/api/read", data=header, content_type="application/octet-stream")
    assert answer.status_code == 413
    assert f"{side}x{side}" in answer.get_json()["error"]


@pytest.mark.parametrize("ext, channels, options", [
    (".png", 3, []), (".jpg", 3, []), (".bmp", 3, []), (".tiff", 3, []),
    (".webp", 3, [cv2.IMWRITE_WEBP_QUALITY, 80]),  # lossy: VP8
    (".webp", 3, [cv2.IMWRITE_WEBP_QUALITY, 101]),  # lossless: VP8L
    (".webp", 4, [cv2.IMWRITE_WEBP_QUALITY, 80]),  # lossy with alpha: VP8X
])
def test_real_images_report_their_size_and_are_still_read(client, ext, channels, options):
    image = np.full((45, 123, channels), 255, np.uint8)
    ok, encoded = cv2.imencode(ext, image, options)
    assert ok, f"this OpenCV cannot encode {ext}"
    assert encoded_size(encoded.tobytes()) == (123, 45)
    answer = client.post("/api/read", data={"image": (io.BytesIO(encoded.tobytes()), f"x{ext}")})
    assert answer.status_code == 200, answer.get_json()


def test_encoded_size_is_none_for_unknown_or_truncated_headers():
    for data in (b"GIF89a", png_header(5, 5)[:20], bmp_header(5, 5)[:20], webp_header(b"VP8X", 5, 5)[:26],
                 tiff_header(5, 5)[:20], b"II*\0" + struct.pack("<I", 10_000)):
        assert encoded_size(data) is None, data


def test_decode_image_gives_bgr_and_puts_transparency_on_white():
    gray16 = np.full((4, 5), 65535, np.uint16)
    assert decode_image(png(gray16)).shape == (4, 5, 3) and decode_image(png(gray16)).max() == 255
    clear = np.zeros((4, 5, 4), np.uint8)  # fully transparent black, as an untouched canvas exports
    assert (decode_image(png(clear)) == 255).all()


def test_health_names_the_model_and_interpreter(client, classifier):
    health = client.get("/api/health").get_json()
    assert health["model"] == classifier.model_path.name and health["version"] == edge.__version__
    assert health["model_version"] == classifier.metadata["source"]["sha256"][:12]
    assert health["labels"] == classifier.labels
    assert health["interpreter"] in ("ai_edge_litert", "tflite_runtime")
    assert health["uptime_s"] >= 0 and health["source"] is None


def test_the_page_names_the_model_but_not_where_it_lies(client, classifier):
    page = client.get("/").get_data(as_text=True)
    assert classifier.model_path.name in page and f"edge-digits {edge.__version__}" in page
    assert str(classifier.model_path.parent) not in page


def test_canvas_digits_are_read_like_the_runner_reads_them(client, classifier):
    data = np.load(MNIST_SAMPLE)
    digits, labels = data["x_test"][:20], data["y_test"][:20]
    right = 0
    for digit, label in zip(digits, labels):
        answer = client.post("/api/digit", data={"image": (io.BytesIO(png(canvas_digit(digit))), "d.png")})
        assert answer.status_code == 200
        result = answer.get_json()
        right += result["label"] == str(label)
        assert [t["label"] for t in result["top"]][0] == result["label"] and len(result["top"]) == 3
        probs = [t["probability"] for t in result["top"]]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
        seen = decode_data_url(result["input"])
        assert seen.shape == (28, 28) and seen.max() == 255 and seen[0].max() == 0  # white on black, framed
    assert right >= 18, f"{right}/20 canvas digits read right"


def test_a_transparent_canvas_export_reads_the_same_as_a_white_one(client):
    digit = np.load(MNIST_SAMPLE)["x_test"][0]
    ink = cv2.resize(digit, (280, 280))
    transparent = np.zeros((280, 280, 4), np.uint8)
    transparent[:, :, 3] = ink  # black ink, alpha = ink
    answers = [client.post("/api/digit", data=png(image), content_type="image/png").get_json()
               for image in (canvas_digit(digit), transparent)]
    assert answers[0]["label"] == answers[1]["label"]


def test_an_empty_drawing_is_a_400(client):
    answer = client.post("/api/digit", data=png(np.full((280, 280), 255, np.uint8)), content_type="image/png")
    assert answer.status_code == 400
    assert "empty" in answer.get_json()["error"]


def test_concurrent_requests_get_the_same_answers_as_one_at_a_time(client):
    body = SAMPLE.read_bytes()
    digit = png(canvas_digit(np.load(MNIST_SAMPLE)["x_test"][1]))
    expected_read = client.post("/api/read", data=body, content_type="image/jpeg").get_json()
    expected_digit = client.post("/api/digit", data=digit, content_type="image/png").get_json()

    def call(i: int):
        if i % 2:
            return "read", client.post("/api/read", data=body, content_type="image/jpeg")
        return "digit", client.post("/api/digit", data=digit, content_type="image/png")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(call, range(12)))
    for kind, answer in answers:
        assert answer.status_code == 200
        assert answer.get_json() == (expected_read if kind == "read" else expected_digit)


def test_without_a_source_the_page_and_the_live_api_say_so(client):
    page = client.get("/").get_data(as_text=True)
    assert "No camera source is configured" in page
    assert "vendor/bootstrap.min.css" in page and "vendor/bootstrap.bundle.min.js" in page
    assert client.get("/static/vendor/bootstrap.min.css").status_code == 200
    for path in ("/api/live", "/stream.mjpg"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "no camera source configured" in answer.get_json()["error"]


class StillCamera:
    """A cv2.VideoCapture look-alike that keeps seeing the same page (for the real LiveSource)."""

    def __init__(self, frame: np.ndarray):
        self.frame = frame
        self.reads = 0

    def read(self):
        self.reads += 1
        threading.Event().wait(0.02)  # a 50 FPS camera
        return True, self.frame.copy()

    def release(self) -> None:
        pass


def test_live_view_streams_annotated_frames_and_the_latest_numbers(classifier):
    source = LiveSource("test camera", lambda: StillCamera(read_image(SAMPLE)))
    app = create_app(classifier, source=source)
    client = app.test_client()
    try:
        assert "live-image" in client.get("/").get_data(as_text=True)
        stream = client.get("/stream.mjpg", buffered=False)
        assert stream.mimetype == "multipart/x-mixed-replace"
        parts = iter(stream.response)
        assert next(parts) == b"--frame\r\n"
        part = next(parts)  # a whole part up to the next boundary, so the browser shows it at once
        stream.close()
        head, jpeg = part.split(b"\r\n\r\n", 1)
        assert head.startswith(b"Content-Type: image/jpeg") and jpeg.endswith(b"\r\n--frame\r\n")
        frame = cv2.imdecode(np.frombuffer(jpeg[: -len(b"\r\n--frame\r\n")], np.uint8), cv2.IMREAD_COLOR)
        assert frame.shape == (640, 960, 3)
        status = client.get("/api/live").get_json()
        assert status["source"] == "test camera" and status["frame"] >= 1 and status["error"] is None
        assert status["result"] == Reader(classifier).read(read_image(SAMPLE)).to_json("test camera")
    finally:
        app.extensions["edge"]["live"].close()


def test_serve_says_so_when_the_port_is_taken(classifier):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(SystemExit, match="cannot listen on 127.0.0.1"):
            serve(str(classifier.model_path), "127.0.0.1", taken.getsockname()[1], None, 1)
