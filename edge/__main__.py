"""Command line: `edge-digits run|detect|demo|serve`, the same as `python -m edge ...` (see docs/edge.md).

Only parses arguments and calls the modules. Every expected failure ends as one line on stderr and a
non-zero exit: 1 for a bad model, source or input, 2 for bad arguments, 130 for Ctrl+C. Output piped
into a reader that stops early (`| head`) ends quietly with 141, as SIGPIPE ends Unix tools.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from dataclasses import replace
from importlib import resources
from pathlib import Path

import cv2

from edge.capture import CaptureParams, ImageFiles, Recorder, SourceError, open_source, write_image
from edge.classify import MODEL_ENV, Classifier, ModelError
from edge.draw import FpsMeter, Window, annotate
from edge.imagesize import MAX_PIXELS
from edge.reader import Reader, ReadParams, parse_orientation

SAMPLE = Path(str(resources.files("edge") / "samples" / "sample.jpg"))  # package data, like the default model
STATUS_EVERY_S = 2.0  # `run` prints its frame rate this often


def _orientation(value: str):
    try:
        return parse_orientation(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _megapixels(value: str) -> int:
    """--max-megapixels in pixels."""
    try:
        pixels = int(float(value) * 1e6)
    except ValueError:
        pixels = 0
    if pixels < 1:
        raise argparse.ArgumentTypeError(f"a positive number of megapixels, not {value!r}")
    return pixels


def _probability(value: str) -> float:
    try:
        p = float(value)
    except ValueError:
        p = -1.0
    if not 0 <= p <= 1:
        raise argparse.ArgumentTypeError(f"a probability from 0 to 1, not {value!r}")
    return p


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"a whole number from 1, not {value!r}")
    return int(value)


def _pixel_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-megapixels", dest="max_pixels", type=_megapixels, default=MAX_PIXELS, metavar="MP",
                        help=f"refuse pictures, videos and streams larger than this, from their header "
                             f"(default: {MAX_PIXELS / 1e6:g}, a 24 MP photo fits)")


def _model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help=f"a .tflite with its .json sidecar (default: ${MODEL_ENV}, else the int8 model in the package)")
    parser.add_argument("--threads", type=int, default=1, help="interpreter threads (default: 1)")
    parser.add_argument("--orientation", type=_orientation, default=ReadParams.orientation,
                        help="auto, or 0/90/180/270: degrees to turn the picture clockwise before reading (default: 0)")
    parser.add_argument("--min-confidence", type=_probability, default=ReadParams.min_confidence,
                        help=f"drop digits read with a lower probability (default: {ReadParams.min_confidence})")
    parser.add_argument("--no-word-check", dest="word_check", action="store_false",
                        help="keep digits that stand inside words (default: drop them as letters); for pages "
                             "that hold nothing but digits and signs")


def build_parser(prog: str = "edge-digits") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Read handwritten digits from a camera or pictures.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="read a live camera, a stream or a video, with an overlay")
    run.add_argument("--source", default="0", help="camera index, picam, video file, image file or folder, "
                     "GStreamer pipeline or stream URL (default: 0)")
    _model_options(run)
    run.add_argument("--headless", action="store_true", help="no window, even when a display exists")
    run.add_argument("--save", help="write annotated frames to a video (.mp4/.avi/.mkv) or a folder")
    run.add_argument("--jsonl", help="append one JSON object per frame to this file, or - for stdout")
    run.add_argument("--frames", type=int, default=0, help="stop after this many frames (default: until the end or q)")
    _pixel_limit(run)
    run.set_defaults(func=cmd_run)

    detect = commands.add_parser("detect", help="read pictures: one JSON object per image on stdout")
    detect.add_argument("inputs", nargs="+", metavar="IMAGE_OR_DIR")
    _model_options(detect)
    detect.add_argument("--annotate", metavar="DIR", help="also write each picture with its reading drawn on it here")
    _pixel_limit(detect)
    detect.set_defaults(func=cmd_detect)

    demo = commands.add_parser("demo", help="read the bundled sample picture and write it annotated")
    _model_options(demo)
    demo.add_argument("--out", default="out", help="folder for the annotated picture (default: out)")
    demo.set_defaults(func=cmd_demo)

    serve = commands.add_parser("serve", help="web page: upload pictures or watch the camera (needs Flask)")
    serve.add_argument("--model", help="as for run")
    serve.add_argument("--threads", type=int, default=1)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the whole network)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--source", help="camera for the live view (as for run; default: uploads only)")
    serve.add_argument("--max-upload-mb", type=float, help="larger uploads get 413 (default: WebParams, 8 MB)")
    _pixel_limit(serve)
    serve.add_argument("--workers", type=_positive, help="uploads read at once; a few more wait, any more get 503 "
                       "(default: WebParams, 2)")
    serve.set_defaults(func=cmd_serve)
    return parser


def make_reader(args: argparse.Namespace) -> Reader:
    classifier = Classifier(args.model, threads=args.threads)
    params = ReadParams(min_confidence=args.min_confidence, orientation=args.orientation)
    return Reader(classifier, params if args.word_check else replace(params, context=None))


def _annotated_path(folder: Path, source: str) -> Path:
    return folder / f"{Path(source).stem}_read.jpg"


@contextlib.contextmanager
def _writing(path: str):
    """Opening, writing or closing the --jsonl target: an OSError (disk full, no such folder) becomes one line.

    BrokenPipeError goes on to `main`: the reader of a pipe has had enough, which is no error of ours.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        raise SourceError(f"{path}: cannot write ({error.strerror or error})") from None


def _open_jsonl(path: str | None):
    """The --jsonl target: None, stdout for "-", else the file opened for appending (a service restarted
    after a camera fault keeps the readings it logged before)."""
    if not path:
        return None
    if path == "-":
        return sys.stdout
    with _writing(path):
        return open(path, "a")


def cmd_detect(args: argparse.Namespace) -> int:
    reader = make_reader(args)  # a bad model fails before any picture is read
    images = ImageFiles(args.inputs, args.max_pixels)
    if not images.paths:
        raise SourceError("no images found in " + " ".join(args.inputs))
    for name, frame in images.frames():
        reading = reader.read(frame)
        print(json.dumps(reading.to_json(name)), flush=True)
        if args.annotate:
            write_image(_annotated_path(Path(args.annotate), name), annotate(frame, reading))
    return 1 if images.failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    reader = make_reader(args)
    frame = ImageFiles([SAMPLE]).read()
    if frame is None:
        raise SourceError(f"{SAMPLE}: the bundled sample is missing")
    reading = reader.read(frame)
    truth = json.loads(SAMPLE.with_suffix(".json").read_text())["numbers"]
    print(json.dumps(reading.to_json(str(SAMPLE))))
    print("read:    " + " ".join(n.text for n in reading.numbers))
    print("written: " + " ".join(n["text"] for n in truth))
    out = _annotated_path(Path(args.out), "demo")
    write_image(out, annotate(frame, reading))
    print(f"annotated picture: {out}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    reader = make_reader(args)
    window = None if args.headless else Window()
    if window is not None and not window.available:
        print("note: no display or no GUI in this OpenCV build: running headless", file=sys.stderr)
        window = None
    jsonl = _open_jsonl(args.jsonl)  # a bad path fails before the camera is opened
    recorder = None
    meter, last_status, count = FpsMeter(), time.monotonic(), 0
    try:
        with open_source(args.source, CaptureParams(max_pixels=args.max_pixels)) as source:
            recorder = Recorder(args.save, fps=getattr(source, "fps", None)) if args.save else None
            for name, frame in source.frames():
                reading = reader.read(frame)
                fps = meter.tick()
                shown = annotate(frame, reading, fps) if window or recorder else None
                if recorder:
                    recorder.write(shown)
                if jsonl:
                    record = {**reading.to_json(name), "frame": count, "time": round(time.time(), 3)}
                    with _writing(args.jsonl):
                        jsonl.write(json.dumps(record) + "\n")
                        jsonl.flush()
                if time.monotonic() - last_status >= STATUS_EVERY_S:
                    last_status = time.monotonic()
                    numbers = " ".join(n.text for n in reading.numbers) or "-"
                    print(f"{fps or 0:.1f} FPS  segment {reading.segment_ms:.0f} ms  classify "
                          f"{reading.classify_ms:.0f} ms  numbers: {numbers}", file=sys.stderr, flush=True)
                count += 1
                if (window and not window.show(shown)) or count == args.frames:
                    break
    finally:
        if recorder:
            recorder.close()
        if window:
            window.close()
        if jsonl and jsonl is not sys.stdout:
            with _writing(args.jsonl):  # after a failed write the unwritten line fails here again
                jsonl.close()
    print(f"{count} frames" + (f", {meter.fps:.1f} FPS" if meter.fps else ""), file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from edge.web import server  # Flask only loads for this command
    except ImportError as error:
        raise SourceError(f"serve needs Flask: pip install 'edge-digits[web]' ({error})") from None
    params = server.WebParams(max_pixels=args.max_pixels, workers=args.workers or server.DEFAULT.workers)
    server.serve(args.model, args.host, args.port, args.source, args.threads, max_upload_mb=args.max_upload_mb,
                 params=params)
    return 0


def quiet_opencv() -> None:
    """Silence OpenCV's own warnings: our one line says what failed (some OpenCV 4 wheels lack the switch)."""
    cv_logging = getattr(cv2.utils, "logging", None)
    if cv_logging is not None:
        cv_logging.setLogLevel(cv_logging.LOG_LEVEL_ERROR)


def main(argv: list[str] | None = None, prog: str = "edge-digits") -> int:
    """The `edge-digits` console command; `python -m edge` calls it with its own name for the messages."""
    args = build_parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    quiet_opencv()
    try:
        return args.func(args)
    except (ModelError, SourceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's exit flush would fail again
        return 141


if __name__ == "__main__":
    sys.exit(main(prog="python -m edge"))
