# `make train` and `make test` each set up .venv first: the newest supported Python found (or
# PYTHON=...) and the pinned requirements. `make test` also runs the short end-to-end tests on each
# other supported Python found, each in its own .venv-3.X (OTHER_PYTHONS= skips them).
SUPPORTED := 3.13 3.12 3.11
# pythonX.Y's full path if one runs: on PATH (a pyenv shim of a version not selected does not run), else pyenv's.
find_python = $(firstword $(foreach candidate,python$(1) $(addsuffix /bin/python$(1),$(shell pyenv prefix $(1) 2>/dev/null)),\
    $(shell $(candidate) -c 'import sys; print(sys.executable)' 2>/dev/null)))
$(foreach version,$(SUPPORTED),$(eval PYTHON_$(version) := $(call find_python,$(version))))
FOUND := $(foreach version,$(SUPPORTED),$(if $(PYTHON_$(version)),$(version)))

PYTHON ?= $(PYTHON_$(firstword $(FOUND)))
ifeq ($(PYTHON),)
$(error no Python 3.13, 3.12 or 3.11 found: install one (uv python install 3.13, or your distribution's python3.13 package) or name it with PYTHON=/path/to/python3.X)
endif
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(filter $(PYTHON_VERSION),$(SUPPORTED)),)
$(error PYTHON=$(PYTHON) is $(if $(PYTHON_VERSION),Python $(PYTHON_VERSION),no Python that runs); async-rl supports 3.11, 3.12 and 3.13: install one (uv python install 3.13) or name another)
endif
OTHER_PYTHONS ?= $(filter-out $(PYTHON_VERSION),$(FOUND))
NOT_FOUND := $(filter-out $(FOUND),$(SUPPORTED))

VENV := .venv
INSTALLED := $(VENV)/.installed-$(PYTHON_VERSION)
PIP_INSTALL := PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(VENV)/bin/pip install --disable-pip-version-check -q
PROCESSES ?= $(shell nproc)
ARGS ?=

.PHONY: setup setup-doom setup-gym setup-sweep setup-tensorboard train test test-every-python

# One set-up at a time: a second make (another terminal, a second `make test` in this clone) waits
# for the first under the lock, then finds what it made up to date. flock is util-linux's; where
# there is none, set-ups are not serialised.
# ($(MAKE) stays in each recipe as written, so that `make -n` shows the set-up it would do.)
LOCK := $(if $(shell command -v flock),flock $(CURDIR)/.setup.lock )

setup:
	@$(LOCK)$(MAKE) --no-print-directory $(INSTALLED)

# A venv of another Python is made anew. chainer 7.8.1 builds from source and needs setuptools<70
# in its build environment (constraints.txt).
$(INSTALLED): requirements.txt constraints.txt
	@if [ -e $(VENV) ] && ! $(VENV)/bin/python -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(PYTHON_VERSION)")' 2>/dev/null; then \
	    echo "$(VENV) is not a Python $(PYTHON_VERSION) venv: making it anew"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	touch $@

# ViZDoom is optional: the Atari scripts never need it; the Doom tests are skipped without it.
setup-doom:
	@$(LOCK)$(MAKE) --no-print-directory $(VENV)/.installed-doom-$(PYTHON_VERSION)

$(VENV)/.installed-doom-$(PYTHON_VERSION): $(INSTALLED) requirements-doom.txt
	$(PIP_INSTALL) -r requirements-doom.txt
	touch $@

# Gymnasium (with MuJoCo and MiniGrid) is optional too: only a3c_gym.py and demo_a3c_gym.py need it; the
# Gymnasium tests are skipped without it.
setup-gym:
	@$(LOCK)$(MAKE) --no-print-directory $(VENV)/.installed-gym-$(PYTHON_VERSION)

$(VENV)/.installed-gym-$(PYTHON_VERSION): $(INSTALLED) requirements-gym.txt
	$(PIP_INSTALL) -r requirements-gym.txt
	touch $@

# Ray is optional too: only sweep_a3c_ale.py needs it; the sweep tests are skipped without it.
setup-sweep:
	@$(LOCK)$(MAKE) --no-print-directory $(VENV)/.installed-sweep-$(PYTHON_VERSION)

$(VENV)/.installed-sweep-$(PYTHON_VERSION): $(INSTALLED) requirements-sweep.txt
	$(PIP_INSTALL) -r requirements-sweep.txt
	touch $@

# TensorBoard too: only --tensorboard needs it; its tests are skipped without it.
setup-tensorboard:
	@$(LOCK)$(MAKE) --no-print-directory $(VENV)/.installed-tensorboard-$(PYTHON_VERSION)

$(VENV)/.installed-tensorboard-$(PYTHON_VERSION): $(INSTALLED) requirements-tensorboard.txt
	$(PIP_INSTALL) -r requirements-tensorboard.txt
	touch $@

train: setup
	$(VENV)/bin/python a3c_ale.py $(PROCESSES) breakout $(ARGS)

# The full suite on PYTHON (a skip for a missing extra fails it: tests/conftest.py); first, on every other supported Python found, the short end-to-end
# tests (marked every_python), each in .venv-3.X, which the full suite's cross-version tests then use.
test: setup setup-doom setup-gym setup-sweep setup-tensorboard
	@echo "Pythons: the full suite on $(PYTHON_VERSION) ($(PYTHON)); the short end-to-end tests on $(or $(strip $(foreach version,$(OTHER_PYTHONS),$(version) ($(PYTHON_$(version))))),none); not found: $(or $(NOT_FOUND),none)"
	$(foreach version,$(OTHER_PYTHONS),$(MAKE) --no-print-directory test-every-python PYTHON=$(PYTHON_$(version)) VENV=.venv-$(version) OTHER_PYTHONS= &&) true
	ASYNC_RL_STRICT_SKIPS=1 $(VENV)/bin/python -m pytest -q tests $(ARGS)

test-every-python: setup setup-doom setup-gym setup-sweep setup-tensorboard
	@echo "Python $(PYTHON_VERSION) ($(PYTHON)): the short end-to-end tests"
	ASYNC_RL_STRICT_SKIPS=1 $(VENV)/bin/python -m pytest -q -m every_python tests
