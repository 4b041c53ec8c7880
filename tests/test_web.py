"""The web API through Flask's test client: the same answers as `edge detect`, bad input, the canvas, live view."""
from __future__ import annotations

import base64
import http.client
import io
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest
from werkzeug.serving import make_server

import edge
from edge.capture import LiveSource, read_image
from edge.classify import Classifier, ModelError
from edge.reader import Reader
from edge.web.server import WebParams, create_app, decode_image, serve

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


def test_a_decompression_bomb_is_refused_before_decoding(client, png_header):
    for path in ("/api/read", "/api/annotate", "/api/digit"):
        answer = client.post(path, data=png_header(30_000, 30_000), content_type="image/png")
        assert answer.status_code == 413
        assert answer.get_json()["error"] == ("image: 30000x30000 pixels (900.0 megapixels) is over the limit of "
                                              "40 megapixels")


def test_the_pixel_limit_is_a_parameter(classifier):
    photo = png(np.full((2000, 3000), 255, np.uint8))  # 6 MP
    small = create_app(classifier, params=WebParams(max_pixels=5_000_000)).test_client()
    assert small.post("/api/read", data=photo, content_type="image/png").status_code == 413
    large = create_app(classifier, params=WebParams(max_pixels=7_000_000)).test_client()
    assert large.post("/api/read", data=photo, content_type="image/png").get_json()["digits"] == []


@pytest.mark.parametrize("ext, channels, options", [
    (".png", 3, []), (".jpg", 3, []), (".bmp", 3, []), (".tiff", 3, []), (".gif", 3, []), (".ppm", 3, []),
    (".webp", 3, [cv2.IMWRITE_WEBP_QUALITY, 80]),  # lossy: VP8
    (".webp", 3, [cv2.IMWRITE_WEBP_QUALITY, 101]),  # lossless: VP8L
    (".webp", 4, [cv2.IMWRITE_WEBP_QUALITY, 80]),  # lossy with alpha: VP8X
])
def test_every_format_with_a_readable_header_is_read(client, ext, channels, options):
    image = np.full((45, 123, channels), 255, np.uint8)
    if not cv2.haveImageWriter("x" + ext):
        pytest.skip(f"OpenCV {cv2.__version__} cannot write {ext}")
    ok, encoded = cv2.imencode(ext, image, options)
    assert ok, f"this OpenCV cannot encode {ext}"
    answer = client.post("/api/read", data={"image": (io.BytesIO(encoded.tobytes()), f"x{ext}")})
    assert answer.status_code == 200, answer.get_json()


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


class HeldClassifier:
    """The real classifier, but every `predict` waits for `go`: a read that lasts as long as a test wants."""

    def __init__(self, inner: Classifier):
        self._inner = inner
        self.reading, self.go = threading.Event(), threading.Event()

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        self.reading.set()
        self.go.wait(30)
        return self._inner.predict(batch)


def test_a_busy_server_answers_503_with_retry_after_and_keeps_the_connection(classifier):
    held = HeldClassifier(classifier)
    server = make_server("127.0.0.1", 0, create_app(held, params=WebParams(workers=1, waiting=0, retry_after_s=3)),
                         threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    body = SAMPLE.read_bytes()

    def post(conn: http.client.HTTPConnection, path: str = "/api/read") -> tuple[int, dict, dict]:
        conn.request("POST", path, body=body, headers={"Content-Type": "image/jpeg"})
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), json.loads(answer.read())

    first, second = (http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(2))
    try:
        with ThreadPoolExecutor(1) as pool:
            reading = pool.submit(post, first)
            assert held.reading.wait(30), "the first request never reached the classifier"
            for path in ("/api/read", "/api/annotate", "/api/digit"):  # on one keep-alive connection
                status, headers, answer = post(second, path)
                assert (status, headers["Retry-After"]) == (503, "3") and "busy" in answer["error"]
            second.request("GET", "/api/health")
            health = second.getresponse()
            assert health.status == 200 and health.read()  # what needs no reading still answers
            held.go.set()
            assert reading.result()[0] == 200
        assert post(second)[0] == 200  # a place is free again, and the 503s left the connection usable
    finally:
        first.close()
        second.close()
        server.shutdown()


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
