"""The package a Raspberry Pi installs: the wheel holds the runner and nothing else, installs with the runtime
extras into a fresh venv, and `edge-digits demo` reads the bundled sample from any folder; the systemd unit in
deploy/ runs the reader as documented.

Slow by nature (a wheel build and an install, about half a minute with pip's cache warm): everything that
needs the installed venv shares one module-wide install.
"""
from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import edge
from edge.__main__ import build_parser

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "edge-digits.service"
SAMPLE_TRUTH = ROOT / "edge" / "samples" / "sample.json"
RUNTIME_EXTRAS = "litert"  # what docs/raspberry-pi.md installs on a Pi
PIP_TIMEOUT_S = 900  # a cold pip cache downloads NumPy, OpenCV and LiteRT (about 100 MB)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would let the checkout or another model leak into the venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "EDGE_DIGITS_MODEL", "VIRTUAL_ENV")}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", **extra}


def run(args: list, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of what it is made of: a stale build/ folder or an untracked file in the
    checkout cannot slip into it, and a file the build needs from elsewhere fails here."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(ROOT / "edge", source / "edge", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    done = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", source], tmp, PIP_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    (built,) = (tmp / "dist").glob("edge_digits-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel and the runtime extras only, installed as a Pi user would (not editable)."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    assert run([sys.executable, "-m", "venv", "--without-pip", venv], venv.parent).returncode == 0
    done = run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
                f"{wheel}[{RUNTIME_EXTRAS}]"], venv.parent, PIP_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    return venv


@pytest.fixture()
def elsewhere(tmp_path) -> Path:
    """A folder with no checkout in it or above it."""
    assert not (tmp_path / "edge").exists() and ROOT not in tmp_path.parents
    return tmp_path


def test_the_wheel_holds_the_runner_its_model_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"edge", f"edge_digits-{edge.__version__}.dist-info"}
    for packaged in ("models/digits_int8.tflite", "models/digits_int8.json", "samples/sample.jpg",
                     "samples/sample.json", "web/templates/index.html", "web/static/vendor/bootstrap.min.css"):
        assert f"edge/{packaged}" in names, packaged
    model = zipfile.ZipFile(wheel).read("edge/models/digits_int8.tflite")
    assert model == (ROOT / "edge" / "models" / "digits_int8.tflite").read_bytes()
    entry_points = zipfile.ZipFile(wheel).read(f"edge_digits-{edge.__version__}.dist-info/entry_points.txt").decode()
    assert "edge-digits = edge.__main__:main" in entry_points


def test_edge_digits_demo_reads_the_sample_from_any_folder(venv, elsewhere):
    done = run([venv / "bin" / "edge-digits", "demo", "--out", "out"], elsewhere)
    assert done.returncode == 0, done.stderr
    written = " ".join(n["text"] for n in json.loads(SAMPLE_TRUTH.read_text())["numbers"])
    assert f"read:    {written}" in done.stdout.splitlines()
    assert (elsewhere / "out" / "demo_read.jpg").stat().st_size > 0
    assert str(site_packages(venv) / "edge" / "samples" / "sample.jpg") in done.stdout  # the packaged sample
    assert done.stdout.startswith("{") and "Traceback" not in done.stderr


def test_the_console_command_and_python_m_edge_are_the_same_runner(venv, elsewhere):
    assert run([venv / "bin" / "edge-digits", "--help"], elsewhere).stdout.startswith("usage: edge-digits ")
    done = run([venv / "bin" / "python", "-m", "edge", "--help"], elsewhere)
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m edge ")
    for command in ("run", "detect", "demo", "serve"):
        assert command in done.stdout


def test_no_tensorflow_and_no_developer_tools_are_installed(venv, elsewhere):
    listed = run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "list", "--format", "json"], elsewhere)
    installed = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert {"edge-digits", "numpy", "opencv-python-headless", "ai-edge-litert"} <= installed
    assert not installed & {"tensorflow", "tensorflow-cpu", "keras", "matplotlib", "flask"}
    found = run([venv / "bin" / "python", "-c", "import importlib.util as u; "
                 "print([m for m in ('tensorflow', 'keras', 'train', 'convert', 'bench') if u.find_spec(m)])"], elsewhere)
    assert found.stdout.strip() == "[]", found.stderr
    assert not {"train", "convert", "bench", "models"} & {p.name for p in site_packages(venv).iterdir()}


def test_picamera2_hint_depends_on_whether_the_venv_sees_apts_packages(venv, tmp_path):
    """apt installs picamera2 for the system Python; only a venv made with --system-site-packages sees it. The
    runner tells the two cases apart: the fresh venv above hides the system's packages, a second venv that
    sees them (given the first one's packages through a .pth file) asks for apt instead."""
    hidden = run([venv / "bin" / "edge-digits", "run", "--source", "picam", "--headless"], tmp_path)
    assert hidden.returncode == 1 and "Traceback" not in hidden.stderr
    assert "python3 -m venv --system-site-packages" in hidden.stderr.splitlines()[-1]
    seeing = tmp_path / "system-site-packages"
    made = run([venv / "bin" / "python", "-m", "venv", "--without-pip", "--system-site-packages", seeing], tmp_path)
    assert made.returncode == 0, made.stderr
    (site_packages(seeing) / "runner.pth").write_text(f"{site_packages(venv)}\n")
    done = run([seeing / "bin" / "python", "-m", "edge", "run", "--source", "picam", "--headless"], tmp_path)
    last = done.stderr.splitlines()[-1]
    if "picamera2 is not installed" not in last:  # a machine with picamera2 for its system Python
        pytest.skip(f"the system Python has picamera2: {last}")
    assert done.returncode == 1 and last.endswith("sudo apt install python3-picamera2)")


def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read(path)
    return unit


def test_the_service_unit_runs_the_reader_headless_and_restarts():
    unit = read_unit(UNIT)
    command, *args = shlex.split(unit["Service"]["ExecStart"])
    assert command == "%h/edge-digits/bin/edge-digits"  # the venv docs/raspberry-pi.md makes
    parsed = build_parser().parse_args(args)
    assert (parsed.command, parsed.source, parsed.headless, parsed.jsonl) == ("run", "picam", True, "%h/readings.jsonl")
    assert unit["Service"]["Restart"] == "on-failure" and unit["Install"]["WantedBy"] == "default.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze checks the unit where it exists")
def test_systemd_accepts_the_unit(tmp_path):
    """Every section and key known to systemd (a misspelt key is only a warning, so stderr must be empty); the
    venv's command is replaced by one that exists, since verify also checks that."""
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace("%h/edge-digits/bin/edge-digits", shutil.which("true") or "/bin/true"))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
