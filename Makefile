# `make train` and `make test` each set up .venv first (Python 3.11 and the pinned requirements).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PROCESSES ?= $(shell nproc)
ARGS ?=

.PHONY: setup setup-doom setup-sweep setup-tensorboard train test

setup: $(VENV)/.installed

# chainer 7.8.1 builds from source and needs setuptools<70 in its build environment.
$(VENV)/.installed: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(VENV)/bin/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

# ViZDoom is optional: the Atari scripts never need it; the Doom tests are skipped without it.
setup-doom: $(VENV)/.installed-doom

$(VENV)/.installed-doom: $(VENV)/.installed requirements-doom.txt
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-doom.txt
	touch $@

# Ray is optional too: only sweep_a3c_ale.py needs it; the sweep tests are skipped without it.
setup-sweep: $(VENV)/.installed-sweep

$(VENV)/.installed-sweep: $(VENV)/.installed requirements-sweep.txt
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-sweep.txt
	touch $@

# TensorBoard too: only --tensorboard needs it; its tests are skipped without it.
setup-tensorboard: $(VENV)/.installed-tensorboard

$(VENV)/.installed-tensorboard: $(VENV)/.installed requirements-tensorboard.txt
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-tensorboard.txt
	touch $@

train: setup
	$(VENV)/bin/python a3c_ale.py $(PROCESSES) breakout $(ARGS)

test: setup setup-doom setup-sweep setup-tensorboard
	$(VENV)/bin/python -m pytest -q tests $(ARGS)
