# One venv for everything; each target installs what it needs the first time.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# Where MNIST is: a keras .npz or a folder of IDX files. Empty means Keras' own download.
MNIST  ?= $(wildcard ../shared/data/mnist.npz)
MNIST_ARG := $(if $(MNIST),--data $(MNIST),)
# A second venv with the fallback interpreter (tflite-runtime, NumPy 1), as some Raspberry Pis have it.
LEGACY ?= .venv-legacy
EDGE_TESTS := tests/test_normalize.py tests/test_segment.py tests/test_group.py tests/test_classify.py \
              tests/test_reader.py tests/test_draw.py tests/test_capture.py tests/test_cli.py \
              tests/test_scale.py tests/test_context.py tests/test_touching.py tests/test_imagesize.py
# A labelled folder of real images (bench/realdev.py); absent (as in CI), make bench skips that section.
REALDEV ?= $(wildcard ../shared/realdev)
REALDEV_ARG := $(if $(REALDEV),--realdev $(REALDEV),)
# The benchmark's frames are a function of the seed: 0 is the development seed (tune on it), the reported
# figures are measured on BENCH_SEED, which nobody tunes on.
BENCH_SEED ?= 1
SOURCE ?= 0
# The int8 model the package ships as its default (make convert writes it there).
MODEL  ?= edge/models/digits_int8.tflite

.PHONY: setup setup-edge train convert run demo serve bench bench-quick realdev soak wheel test test-legacy clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.edge: $(PY) pyproject.toml
	$(BIN)/pip install -q -e '.[litert,web]'
	touch $@

$(VENV)/.all: $(PY) pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.edge

$(LEGACY)/.installed: pyproject.toml
	$(PYTHON) -m venv $(LEGACY)
	$(LEGACY)/bin/pip install -q --upgrade pip
	$(LEGACY)/bin/pip install -q -e '.[tflite-runtime]' pytest
	touch $@

setup-edge: $(VENV)/.edge   ## the runner and web page only: numpy, OpenCV, LiteRT, Flask
setup: $(VENV)/.all         ## everything: training, conversion, tests

train: $(VENV)/.all
	$(PY) -m train $(MNIST_ARG) --out models

# the blur fine-tune first (int8 only: the reader's second opinion), then the model that names it in its sidecars
convert: $(VENV)/.all
	$(PY) -m convert --model models/digits_blur.keras $(MNIST_ARG) --out models/blur --int8-out edge/models --variants int8
	$(PY) -m convert --model models/digits.keras $(MNIST_ARG) --out models --int8-out edge/models \
		--second-opinion edge/models/digits_blur_int8.tflite

run: $(VENV)/.edge
	$(PY) -m edge run --source $(SOURCE) --model $(MODEL)

demo: $(VENV)/.edge
	$(PY) -m edge demo --model $(MODEL) --out out

serve: $(VENV)/.edge
	$(PY) -m edge serve --model $(MODEL)

bench: $(VENV)/.all soak   ## accuracy and speed, then memory and latency under load (bench/soak.py)
	$(PY) -m bench $(MNIST_ARG) $(REALDEV_ARG) --seed $(BENCH_SEED) --out bench/results

soak: $(VENV)/.all   ## memory and latency under load only: bench/results/soak.md
	$(PY) -m bench.soak --out bench/results

bench-quick: $(VENV)/.all
	$(PY) -m bench $(MNIST_ARG) $(REALDEV_ARG) --quick --out bench/results-quick
	$(PY) -m bench.soak --quick --out bench/results-quick

realdev: $(VENV)/.edge   ## the real-image figures alone (needs REALDEV)
	$(PY) -m bench.realdev $(REALDEV) --model $(MODEL)

# setuptools would copy a stale build/lib into the wheel: start from none
wheel: $(PY)   ## dist/edge_digits-<version>-py3-none-any.whl: the runner alone, for a Pi (docs/raspberry-pi.md)
	rm -rf build
	$(BIN)/pip wheel -q --no-deps -w dist .

test: $(VENV)/.all $(LEGACY)/.installed   ## everything, then the runner again on the fallback interpreter
	bash .ci/install-browser.sh
	$(PY) -m pytest -q
	$(LEGACY)/bin/python -m pytest -q -p no:cacheprovider $(EDGE_TESTS)

test-legacy: $(LEGACY)/.installed
	$(LEGACY)/bin/python -m pytest -q -p no:cacheprovider $(EDGE_TESTS)

clean-venv:
	rm -rf $(VENV) $(LEGACY)
