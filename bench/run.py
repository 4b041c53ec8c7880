"""The whole benchmark: load MNIST, build the readers, read every suite, time the runner, draw, write."""
from __future__ import annotations

import hashlib
import os
import platform
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import cv2

from bench import ocr, plots, realdev, report
from bench.baseline import HogSvm, HogSvmParams, Tesseract
from bench.evaluate import FULL, QUICK, Plan, SuiteRun, run_all, truth_items
from bench.frames import MnistTestSet, camera_frame, make_frame
from bench.progress import Progress
from bench.score import summarize
from bench.speed import SpeedParams, run_setting

VARIANTS = ("int8", "float32", "float16", "dynamic")  # the default (what the Pi runs) first


class BenchError(Exception):
    """The benchmark cannot start (no models, no data); the message is one line."""


@dataclass(frozen=True)
class Options:
    data: str | None  # MNIST .npz or IDX folder; None: Keras' download
    models: tuple[Path, ...]  # folders holding digits_<variant>.tflite + .json; the first that has a variant wins
    out: Path
    quick: bool = False
    seed: int = 0  # 0: the development seed; reported figures use another (docs/bench.md)
    realdev: Path | None = None  # a labelled folder of real images (bench.realdev); None: that section is skipped
    note: str = ""  # printed in results.md, e.g. "taken while a training run used the other core"
    command: str = "python -m bench"


def find_models(folders: tuple[Path, ...]) -> dict[str, Path]:
    """Each variant from the first folder that has it (`make convert` puts int8 in edge/models, the rest in models)."""
    found = {}
    for variant in VARIANTS:
        path = next((f / f"digits_{variant}.tflite" for f in folders if (f / f"digits_{variant}.tflite").is_file()), None)
        if path is not None:
            found[variant] = path
    return found


def build_readers(models: dict[str, Path], data: tuple, quick: bool, left_out: list[str]) -> dict:
    """One Reader per model variant, then the classical baselines behind the same Reader."""
    from edge.classify import Classifier
    from edge.reader import Reader

    readers = {variant: Reader(Classifier(path)) for variant, path in models.items()}
    params = HogSvmParams(train_count=3000) if quick else HogSvmParams()
    with Progress(1, f"hog-svm: train on {params.train_count}") as bar:
        readers["hog-svm"] = Reader(HogSvm(params).fit(data[0], data[1]))
        bar.update()
    if Tesseract.available():
        tesseract = Tesseract()
        readers["tesseract"] = Reader(tesseract)
        left_out.append(f"tesseract ({tesseract.version()}) reads only the first frames of each suite (frames column: it is slow)")
    else:
        left_out.append("tesseract: not on PATH (apt-get install tesseract-ocr to include it)")
    if ocr.available():
        readers["rapidocr"] = ocr.RapidOcr()
        left_out.append(f"rapidocr ({ocr.RapidOcr.version()}) reads only the first frames of each suite (it is slow)")
    else:
        left_out.append("rapidocr: not installed (pip install -e '.[bench-ocr]' to include it)")
    return readers


@dataclass(frozen=True)
class SpeedPlan:
    """The frames the runner is timed on: camera frames with 0-15 digits, and large photos of the same kind."""

    camera_frames: int = 48  # three of each digit count 0-15
    photos: tuple[tuple[int, int], ...] = ((1920, 1080), (3264, 2448), (4056, 3040))  # 2, 8 and 12 MP
    photo_frames: int = 3  # per size: 0, 5 and 10 digits
    photo_runs: int = 3


QUICK_SPEED = SpeedPlan(camera_frames=16, photos=((1920, 1080),), photo_frames=2, photo_runs=1)


def time_runner(digits: MnistTestSet, models: dict[str, Path], seed: int, quick: bool, baseline: HogSvm) -> dict:
    """Each setting in its own child process: the default variant at every (cores, threads) setting and the
    others on one core, against OpenCV's sample pipeline on the same camera frames; the default on large
    photos; the peak memory of `python -m edge detect` on the camera frames and on the largest photos."""
    params = SpeedParams(runs=2 if quick else SpeedParams.runs)
    plan = QUICK_SPEED if quick else SpeedPlan()
    default = next(iter(models.values()))
    settings = [(default, cores, threads) for cores, threads in params.settings]
    settings += [(path, 1, 1) for path in list(models.values())[1:]]
    out: dict[str, list] = {"camera": [], "photos": [], "detect": [], "load": [os.getloadavg()[0]]}
    with tempfile.TemporaryDirectory() as tmp, Progress(len(settings) + 2 * len(plan.photos) + 1, "speed") as bar:
        weights = Path(tmp) / "hog_svm.npy"
        baseline.save(weights)
        camera = []
        for i in range(plan.camera_frames):
            camera.append(Path(tmp) / f"camera_{i}.png")
            cv2.imwrite(str(camera[-1]), camera_frame(digits, i, seed).image)
        for path, cores, threads in settings:
            out["camera"].append(run_setting(path, camera, cores, threads, params, weights))
            bar.update()
        photos = []
        for width, height in plan.photos:
            photos = []
            for i in range(plan.photo_frames):
                photos.append(Path(tmp) / f"photo_{width}x{height}_{i}.jpg")
                frame = camera_frame(digits, 5 * i, seed, (width, height)).image
                cv2.imwrite(str(photos[-1]), frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
            bar.update()
            out["photos"].append(run_setting(default, photos, 1, 1, replace(params, runs=plan.photo_runs), weights))
            bar.update()
        largest = "x".join(map(str, plan.photos[-1]))
        for label, paths in ((f"{len(camera)} camera frames, 640x480", camera), (f"photos, {largest}", photos)):
            out["detect"].append({**run_setting(default, paths, 1, 1, params, detect=True), "label": label})
        bar.update()
    out["load"].append(os.getloadavg()[0])  # other work on the machine slows every timing above
    return out


def draw(runs: dict[str, SuiteRun], digits: MnistTestSet, default: str, plan: Plan, out: Path) -> list[str]:
    """Accuracy vs rotation, the default model's misreads, and annotated examples of each suite."""
    out.mkdir(parents=True, exist_ok=True)
    pictures = []
    if "sweep" in runs:
        curves = {r: {a: s.accuracy for a, s in runs["sweep"].by_angle(r).items()} for r in runs["sweep"].scores}
        frames = {r: len(scores) for r, scores in runs["sweep"].scores.items()}
        pictures.append(plots.rotation_plot(curves, frames, out / "rotation.png"))
    confusion = sum(run.summary(default).confusion for run in runs.values())
    pictures.append(plots.confusion_plot(confusion, out / "confusion.png", f"{default} model, all suites"))
    for suite, run in runs.items():
        images, captions = [], []
        for i in plots.pick_examples(run.scores[default], plots.DEFAULT.examples):
            frame = make_frame(digits, suite, i, plan.seed)
            score = run.scores[default][i]
            images.append(plots.mark_errors(frame.image, truth_items(frame)[0], run.readings[i], score))
            captions.append(f"{suite} #{i}: {score.correct}/{score.truth} read, {len(score.extra)} extra")
        pictures.append(plots.example_sheet(images, captions, out / f"examples_{suite}.png"))
    return [p.name for p in pictures]


def real_images(folder: Path | None, readers: dict, default: str, out: Path, left_out: list[str]) -> dict:
    """The real-image section: the default model and every baseline, at orientation auto and 0, and pictures of
    the default model's misses (auto); skipped with a note when no folder is given or it is absent."""
    if folder is None or not folder.is_dir():
        left_out.append(f"real images: {'no --realdev folder given' if folder is None else f'{folder} not found'}"
                        " (section skipped)")
        return {}
    images = realdev.load(folder)
    chosen = {name: r for name, r in readers.items() if name == default or name not in VARIANTS}
    with Progress(len(chosen) * 2, f"realdev: {len(images)} images") as bar:
        runs = {}
        for name, reader in chosen.items():
            runs.update(realdev.run(images, {name: reader}, ("auto", 0)))
            bar.update(2)
    section = realdev.summary(runs, folder, images)
    realdev.add_degraded(section, images, default, readers[default])
    paths = realdev.pictures(runs[default]["auto"], out / "realdev")
    section["pictures"] = [str(p.relative_to(out)) for p in paths]
    return section


def describe(path: Path) -> dict:
    """Which model file exactly: its modification time and the start of its SHA-256 (results stay traceable)."""
    stat = path.stat()
    return {"modified": datetime.fromtimestamp(stat.st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:12], "bytes": stat.st_size}


def machine() -> str:
    """CPU model, cores this process may use, Python and OpenCV versions: what the timings depend on."""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    return f"{cpu}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, OpenCV {cv2.__version__}"


def benchmark(opts: Options) -> dict:
    from train.data import load_mnist

    start = time.perf_counter()
    models = find_models(opts.models)
    if not models:
        where = " or ".join(str(f) for f in opts.models)
        raise BenchError(f"no digits_<variant>.tflite in {where}: run `make train convert` first")
    default = next(v for v in VARIANTS if v in models)
    data = load_mnist(opts.data)
    digits = MnistTestSet.from_split(data)
    left_out: list[str] = []
    readers = build_readers(models, data, opts.quick, left_out)
    plan = replace(QUICK if opts.quick else FULL, seed=opts.seed)
    runs = run_all(digits, readers, default, plan)
    speed = time_runner(digits, models, opts.seed, opts.quick, readers["hog-svm"].classifier)
    pictures = draw(runs, digits, default, plan, opts.out)
    real = real_images(opts.realdev, readers, default, opts.out, left_out)
    results = {
        "meta": {
            "command": opts.command, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(), "seconds": time.perf_counter() - start, "seed": opts.seed, "note": opts.note,
            "frames": plan.frames, "frame_limits": plan.limits, "models": {v: str(p) for v, p in models.items()},
            "model_files": {v: describe(p) for v, p in models.items()},
            "mnist_test_digits": len(digits),
        },
        "default": default,
        "readers": list(readers),
        "left_out": left_out,
        "suites": {s: {r: run.summary(r).to_dict() for r in run.scores} for s, run in runs.items()},
        "segmentation": {s: summarize(run.candidates).to_dict() for s, run in runs.items()},
        "sweep": {r: {str(a): s.accuracy for a, s in runs["sweep"].by_angle(r).items()} for r in runs["sweep"].scores}
        if "sweep" in runs else {},
        "speed": speed,
        "pictures": pictures,
        "realdev": real,
    }
    results["targets"] = [t.check(results) for t in report.TARGETS]
    results["meta"]["seconds"] = time.perf_counter() - start
    report.write(results, opts.out)
    return results
