"""The device's own web page: draw a digit, upload a photo, watch the camera — same model, same reader.

`edge-digits serve` runs this Flask app. The canvas goes through the runner's normalization
(`to_mnist`), a photo through `Reader.read` exactly like `edge detect`, and the camera through one
background thread that reads the newest frame only while someone is watching. Uploads are decoded, read
and encoded by a few long-lived threads with a bounded queue in front (`edge.web.workers`): the memory of a
small device stays flat under load, and a request beyond the queue gets 503 at once. One `Classifier`
serves the reading threads and the camera thread: it serializes its interpreter calls itself.
"""
from __future__ import annotations

import base64
import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterator

import cv2
import numpy as np
from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.serving import make_server

from edge import __version__, imagesize
from edge.capture import CaptureParams, Source, open_source
from edge.classify import Classifier
from edge.draw import annotate
from edge.normalize import NormalizeParams, to_mnist
from edge.reader import Reader, Reading, ReadParams
from edge.web.workers import Busy, Workers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebParams:
    """Limits and presentation choices of the web page, in one place."""

    max_upload_mb: float = 8.0  # bigger uploads get 413; a phone photo is 2-6 MB
    max_pixels: int = imagesize.MAX_PIXELS  # bigger pictures get 413 from their header: a few KB of PNG can claim gigabytes
    workers: int = 2  # uploads decoded and read at once, each by a thread that lives as long as the server
    waiting: int = 16  # uploads queued behind them (their bodies read); any more get 503 at once
    retry_after_s: int = 1  # the Retry-After of that 503
    top_k: int = 3  # probabilities shown for a drawing
    display_side: int = 1280  # annotated photos are shrunk to this longer side before going to the page
    jpeg_quality: int = 80  # annotated photos and MJPEG frames
    stream_fps: float = 10.0  # the camera is read at most this often (each frame is a full read)
    stream_repeat_s: float = 1.0  # with no new frame this long, the last one is sent again (see LiveView.mjpeg)
    idle_s: float = 15.0  # the camera thread pauses this long after the last viewer left


DEFAULT = WebParams()


class BadImage(BadRequest):
    """The upload is not an image OpenCV can read (400)."""


class TooLarge(RequestEntityTooLarge):
    """The upload is over the byte or pixel limit (413)."""


def decode_image(data: bytes, params: WebParams = DEFAULT) -> np.ndarray:
    """BGR uint8 image from an upload's bytes; transparent pixels become white paper.

    JPEGs are decoded like `cv2.imread` does (EXIF orientation applied, as `edge detect` sees them);
    PNGs keep their alpha channel long enough to composite it onto white (a canvas export is transparent).
    """
    unreadable = BadImage(f"not an image that can be read: send a {imagesize.FORMATS} image")
    if not data:
        raise BadImage(f"empty upload: send a {imagesize.FORMATS} image")
    size = imagesize.encoded_size(data)
    if size is None:
        raise unreadable
    try:
        imagesize.check("image", *size, params.max_pixels)
    except imagesize.ImageTooLarge as error:
        raise TooLarge(str(error)) from None
    flags = cv2.IMREAD_UNCHANGED if data.startswith(imagesize.PNG_MAGIC) else cv2.IMREAD_COLOR
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error:  # OpenCV's own checks
        image = None
    if image is None:
        raise unreadable
    if image.dtype == np.uint16:
        image = np.right_shift(image, 8, out=image).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:  # 255 - (255 - colour) * alpha / 255 in uint8, rounded by OpenCV: no float copies
        ink = 255 - image[:, :, :3]
        cv2.multiply(ink, np.repeat(image[:, :, 3:], 3, axis=2), dst=ink, scale=1 / 255)
        return np.subtract(255, ink, out=ink)
    return image


def data_url(image: np.ndarray, ext: str = ".png", quality: int = DEFAULT.jpeg_quality) -> str:
    """Encode an image for an <img src> in a JSON answer."""
    png = ext == ".png"
    ok, buf = cv2.imencode(ext, image, [] if png else [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError(f"cannot encode {ext}")
    return f"data:image/{'png' if png else 'jpeg'};base64,{base64.b64encode(buf.tobytes()).decode('ascii')}"


def shrink(image: np.ndarray, side: int) -> np.ndarray:
    """Fit the longer side into `side` pixels (only ever smaller)."""
    scale = side / max(image.shape[:2])
    if scale >= 1:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def drawing_to_input(image: np.ndarray, params: NormalizeParams) -> np.ndarray:
    """Black ink on white (the browser canvas) -> the 28x28 white-on-black input, as the runner makes it."""
    return to_mnist(255 - cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), params)


def top_k(probs: np.ndarray, labels: list[str], k: int) -> list[dict]:
    """The k most likely labels, most likely first."""
    order = np.argsort(probs)[::-1][:k]
    return [{"label": labels[i], "index": int(i), "probability": round(float(probs[i]), 4)} for i in order]


class LiveView:
    """Reads a source in one background thread while someone is watching; viewers share its newest result.

    Each frame is read and annotated once however many browsers are open; the thread sleeps when the
    last viewer has been gone for `idle_s`, so an idle server leaves the Pi's CPU alone. A file source
    (video, image) that runs out keeps showing its last frame.
    """

    def __init__(self, source: Source, reader: Reader, params: WebParams = DEFAULT):
        self.name = source.name
        self._source = source
        self._reader = reader
        self._params = params
        self._changed = threading.Condition()
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._last_viewer = 0.0
        self._jpeg: bytes | None = None
        self._result: dict | None = None
        self._frame_id = 0
        self._frame_time = 0.0
        self._read_ms = 0.0
        self._error: str | None = None
        self._thread = threading.Thread(target=self._run, name="edge-web-live", daemon=True)
        self._thread.start()

    def watch(self) -> None:
        """A viewer is here: keep (or start) reading the source."""
        self._last_viewer = time.monotonic()
        self._wanted.set()

    def _run(self) -> None:
        period = 1.0 / self._params.stream_fps
        while not self._stop.is_set():
            if time.monotonic() - self._last_viewer > self._params.idle_s:
                self._wanted.clear()
                self._wanted.wait()
                continue
            started = time.monotonic()
            if not self._step():
                return
            self._stop.wait(max(0.0, period - (time.monotonic() - started)))

    def _step(self) -> bool:
        """Read, annotate and publish the newest frame; False once a file source has no more frames.

        A failure is shown to the viewers, not raised: the thread must outlive one bad frame.
        """
        try:
            frame = self._source.read()
            if frame is None:
                if not self._source.live:
                    self._publish(error=f"{self.name}: no more frames")
                    return False
                self._publish(error=f"{self.name}: waiting for a frame (reconnecting)")
                return True
            started = time.perf_counter()
            reading = self._reader.read(frame)
            read_ms = (time.perf_counter() - started) * 1000.0
            ok, jpeg = cv2.imencode(".jpg", annotate(frame, reading), [cv2.IMWRITE_JPEG_QUALITY, self._params.jpeg_quality])
            if not ok:
                raise RuntimeError("cannot encode the frame as JPEG")
            self._publish(jpeg=jpeg.tobytes(), result=reading.to_json(self.name), read_ms=read_ms)
        except Exception as exc:  # noqa: BLE001 - reported on the page and in the log, the stream goes on
            log.exception("live frame failed")
            self._publish(error=f"{type(exc).__name__}: {exc}")
        return True

    def _publish(self, jpeg: bytes | None = None, result: dict | None = None, read_ms: float = 0.0,
                 error: str | None = None) -> None:
        with self._changed:
            self._error = error
            if jpeg is not None:
                self._jpeg, self._result, self._read_ms = jpeg, result, read_ms
                self._frame_id += 1
                self._frame_time = time.time()
            self._changed.notify_all()

    def status(self) -> dict:
        """The newest numbers for the page's poll: the `edge detect` JSON of the last frame and its age."""
        self.watch()
        with self._changed:
            return {
                "source": self.name,
                "frame": self._frame_id,
                "age_s": round(time.time() - self._frame_time, 3) if self._frame_id else None,
                "read_ms": round(self._read_ms, 1),
                "error": self._error,
                "result": self._result,
            }

    def mjpeg(self) -> Iterator[bytes]:
        """multipart/x-mixed-replace parts, one per new annotated frame, until the viewer goes away.

        Browsers show a part only when the next one starts, so with no new frame for `stream_repeat_s`
        (a paused camera, a file source that ended) the last one is sent again; that also lets the server
        notice a closed tab. Each part ends with the next boundary, so a frame is never held back.
        """
        seen = 0
        yield b"--frame\r\n"
        while not self._stop.is_set():
            self.watch()
            with self._changed:
                self._changed.wait_for(lambda: self._frame_id != seen or self._stop.is_set(),
                                       timeout=self._params.stream_repeat_s)
                if self._jpeg is None or self._stop.is_set():
                    continue
                seen, jpeg = self._frame_id, self._jpeg
            yield (b"Content-Type: image/jpeg\r\nContent-Length: " + str(len(jpeg)).encode() + b"\r\n\r\n"
                   + jpeg + b"\r\n--frame\r\n")

    def close(self) -> None:
        """Stop the thread and release the source."""
        self._stop.set()
        self._wanted.set()
        with self._changed:
            self._changed.notify_all()
        self._thread.join(timeout=5)
        self._source.close()


def _upload(field: str = "image") -> tuple[bytes, str]:
    """The uploaded bytes and their name: a multipart field `field`, or else the raw request body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get(field)
        if upload is None:
            raise BadImage(f"multipart upload needs a file field named '{field}'")
        return upload.read(), upload.filename or field
    return request.get_data(cache=False), request.args.get("source", "-")


def _drain() -> None:
    """Read and drop what is left of the request body: the client then reads our answer, not a reset connection."""
    while request.stream.read(1 << 16):
        pass


def create_app(classifier: Classifier | None = None, source=None, max_upload_mb: float | None = None,
               params: WebParams = DEFAULT, model_path: str | None = None, threads: int = 1) -> Flask:
    """The Flask app. `classifier` defaults to `Classifier(model_path, threads)`; `source` is what
    `open_source` takes (`"0"`, "picam", a file, a URL) or an opened `Source`; `max_upload_mb` overrides `params`."""
    if max_upload_mb is not None:
        params = replace(params, max_upload_mb=max_upload_mb)
    if classifier is None:
        classifier = Classifier(model_path, threads=threads)
    reader = Reader(classifier, ReadParams())
    live = None
    if source is not None:
        opened = open_source(source, CaptureParams(max_pixels=params.max_pixels)) if isinstance(source, (str, int)) else source
        live = LiveView(opened, reader, params)
    workers = Workers(params.workers, params.waiting, params.retry_after_s)
    started = time.monotonic()

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = int(params.max_upload_mb * 1024 * 1024)
    app.extensions["edge"] = {"live": live, "classifier": classifier, "params": params, "workers": workers}

    def upload_job(job: Callable[[bytes, str], dict]) -> Response:
        """Take a place (or 503 at once), then read the body and hand it to `job` in a reading thread."""
        with workers.place():
            data, name = _upload()
            return jsonify(workers.run(job, data, name))

    def read_upload(data: bytes) -> tuple[np.ndarray, Reading, float]:
        frame = decode_image(data, params)
        started_read = time.perf_counter()
        reading = reader.read(frame)
        return frame, reading, (time.perf_counter() - started_read) * 1000.0

    def read_job(data: bytes, name: str) -> dict:
        return read_upload(data)[1].to_json(name)

    def annotate_job(data: bytes, name: str) -> dict:
        frame, reading, read_ms = read_upload(data)
        shown = shrink(annotate(frame, reading), params.display_side)
        return dict(result=reading.to_json(name), read_ms=round(read_ms, 1),
                    image=data_url(shown, ".jpg", params.jpeg_quality),
                    width=int(frame.shape[1]), height=int(frame.shape[0]))

    def digit_job(data: bytes, name: str) -> dict:
        digit = drawing_to_input(decode_image(data, params), classifier.normalize_params)
        if not digit.any():
            raise BadImage("the drawing is empty: draw a digit first")
        probs = classifier.predict(digit[None])[0]
        best = top_k(probs, list(classifier.labels), params.top_k)
        return dict(label=best[0]["label"], index=best[0]["index"], confidence=best[0]["probability"],
                    top=best, input=data_url(digit))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, RequestEntityTooLarge) and not isinstance(exc, TooLarge):
            message = f"upload is larger than the {params.max_upload_mb:g} MB limit"
        else:
            message = exc.description
        if isinstance(exc, Busy):
            _drain()
        response = jsonify(error=message, status=exc.code)
        response.headers.extend((k, v) for k, v in exc.get_headers() if k.lower() != "content-type")
        return response, exc.code

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        log.exception("request failed")
        return jsonify(error=f"internal error: {type(exc).__name__}: {exc}", status=500), 500

    @app.get("/")
    def index():
        return render_template("index.html", health=health_info(), params=params)

    def health_info() -> dict:
        return {
            "status": "ok",
            "model": classifier.model_path.name,  # never the full path: it tells a visitor about the device
            "model_version": (classifier.metadata.get("source") or {}).get("sha256", "")[:12] or None,
            "version": __version__,
            "variant": classifier.variant,
            "labels": list(classifier.labels),
            "interpreter": classifier.interpreter_name,
            "threads": classifier.threads,
            "uptime_s": round(time.monotonic() - started, 1),
            "source": live.name if live else None,
            "max_upload_mb": params.max_upload_mb,
        }

    @app.get("/api/health")
    def health():
        return jsonify(health_info())

    @app.post("/api/read")
    def api_read():
        return upload_job(read_job)

    @app.post("/api/annotate")
    def api_annotate():
        return upload_job(annotate_job)

    @app.post("/api/digit")
    def api_digit():
        return upload_job(digit_job)

    def require_live() -> LiveView:
        if live is None:
            raise NotFound("no camera source configured: start the server with --source 0 (or a file or URL)")
        return live

    @app.get("/api/live")
    def api_live():
        return jsonify(require_live().status())

    @app.get("/stream.mjpg")
    def stream():
        return Response(require_live().mjpeg(), mimetype="multipart/x-mixed-replace; boundary=frame",
                        headers={"Cache-Control": "no-store"})

    return app


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or one clear line when the address is taken or wrong (not Werkzeug's two)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=64)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise SystemExit(f"error: cannot listen on {host}:{port}: {reason}") from None


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt


def serve(model: str | None, host: str, port: int, source: str | None, threads: int,
          max_upload_mb: float | None = None, params: WebParams = DEFAULT) -> None:
    """Run the page until Ctrl+C; binds to `host` (localhost unless told otherwise)."""
    sock = listen(host, port)
    try:
        app = create_app(source=source, max_upload_mb=max_upload_mb, params=params, model_path=model, threads=threads)
        server = make_server(host, port, app, threaded=True, fd=sock.fileno())
    finally:
        sock.close()  # the server holds its own duplicate of the descriptor
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request: the page polls every second
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # `systemctl stop` shuts down as cleanly as Ctrl+C
    print(f"Serving on http://{host}:{server.port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["edge"]["workers"].close()
        live = app.extensions["edge"]["live"]
        if live is not None:
            live.close()
