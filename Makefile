# One venv for everything; each target installs what it needs the first time.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# Where MNIST is: a keras .npz or a folder of IDX files. Empty means Keras' own download.
MNIST  ?= $(wildcard ../shared/data/mnist.npz)
MNIST_ARG := $(if $(MNIST),--data $(MNIST),)
SOURCE ?= 0
MODEL  ?= models/digits_int8.tflite

.PHONY: setup setup-edge train convert run demo detect serve bench bench-quick test clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.edge: $(PY) pyproject.toml
	$(BIN)/pip install -q -e '.[web]'
	touch $@

$(VENV)/.all: $(PY) pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.edge

setup-edge: $(VENV)/.edge   ## the runner and web page only: numpy, OpenCV, LiteRT, Flask
setup: $(VENV)/.all         ## everything: training, conversion, tests

train: $(VENV)/.all
	$(PY) -m train $(MNIST_ARG) --out models

convert: $(VENV)/.all
	$(PY) -m convert --model models/digits.keras $(MNIST_ARG) --out models

run: $(VENV)/.edge
	$(PY) -m edge run --source $(SOURCE) --model $(MODEL)

demo: $(VENV)/.edge
	$(PY) -m edge demo --model $(MODEL) --out out

serve: $(VENV)/.edge
	$(PY) -m edge serve --model $(MODEL)

bench: $(VENV)/.all
	$(PY) -m bench $(MNIST_ARG) --out bench/results

bench-quick: $(VENV)/.all
	$(PY) -m bench $(MNIST_ARG) --quick --out bench/results-quick

test: $(VENV)/.all
	$(PY) -m pytest -q

clean-venv:
	rm -rf $(VENV)
