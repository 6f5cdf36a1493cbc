# Deep Learning Explorer. `make run` serves the app; `make test` runs every test. Both set up what
# they need first (Debian packages when root, a .venv from the pinned requirements) and skip what
# is already done, so a second run starts in seconds. `make run WORKERS=4` serves it from 4 app
# processes behind nginx (scripts/serve_workers.py), each browser session pinned to one by a cookie.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.app-deps
DEV_STAMP := $(VENV)/.dev-deps
APP_DEBS := $(shell cat packages.txt)
PROXY_DEBS := nginx
TEST_DEBS := $(APP_DEBS) chromium chromium-driver $(PROXY_DEBS)
HOST ?= 127.0.0.1
PORT ?= 7860
WORKERS ?= 1
# the tests run in TEST_PROCESSES pytest processes (pytest-xdist), each test file whole in one of
# them, the longest first (tests/conftest.py); TEST_PROCESSES=0 runs them in this one process.
# OMP_WAIT_POLICY=PASSIVE: torch's OpenMP threads sleep when idle instead of spinning; two test
# processes on two cores each spinning while the other computed made two CPU-heavy tests run side
# by side in 92 s against 25 s (measured).
TEST_PROCESSES ?= 2

.PHONY: run test assets bench setup setup-dev sysdeps sysdeps-test sysdeps-proxy clean

# WORKERS=N (N > 1): N app processes on free loopback ports, nginx on $(HOST):$(PORT) in front
run: sysdeps $(if $(filter-out 1,$(WORKERS)),sysdeps-proxy) $(APP_STAMP)  ## serve the app on http://$(HOST):$(PORT)  (HOST=0.0.0.0 for a classroom LAN)
	$(COMPILE) app.py explorer models scripts >/dev/null
ifeq ($(WORKERS),1)
	GRADIO_SERVER_NAME=$(HOST) GRADIO_SERVER_PORT=$(PORT) $(PY) app.py
else
	$(PY) -m scripts.serve_workers --workers $(WORKERS) --host $(HOST) --port $(PORT)
endif

test: sysdeps-test $(DEV_STAMP)  ## lint (ruff, pyproject.toml), then unit, API and browser tests
	$(PY) -m ruff check .
	$(COMPILE) app.py explorer models bench scripts tests >/dev/null
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} $(PY) -m pytest $(if $(filter-out 0,$(TEST_PROCESSES)),-n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder) tests

assets: sysdeps $(APP_STAMP)  ## rebuild assets/ (checkpoints, ONNX, manifest.json) from fixed seeds
	$(PY) -m scripts.build_assets

bench: sysdeps $(DEV_STAMP)  ## run every benchmark, write bench/results.json and bench/README.md
	$(PY) -m bench.run_all

setup: sysdeps $(APP_STAMP)
setup-dev: sysdeps-test $(DEV_STAMP)

sysdeps:
	@bash scripts/setup_system.sh $(APP_DEBS)

sysdeps-test:
	@bash scripts/setup_system.sh $(TEST_DEBS)

sysdeps-proxy:
	@bash scripts/setup_system.sh $(PROXY_DEBS)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Bytecode: written by Python itself at the first import of each module, whatever the environment
# says (PYTHONDONTWRITEBYTECODE=1 on the development machines: then no process ever wrote a .pyc, and
# every process that imported torch, gradio and scikit-learn compiled them from source again, 22 s
# instead of 9 s, measured). Only the ~5,000 of the .venv's ~19,000 modules that anything imports are
# compiled: compiling all of them at set-up (compileall) took 40 s of the clean run; what `import app`
# loads is compiled here (~7 s), the rest by whichever process imports it first. (pip's own compiling is
# serial and of everything, hence --no-compile.)
unexport PYTHONDONTWRITEBYTECODE
COMPILE := $(PY) -m compileall -q -j 0

# The pinned requirements go in with uv (scripts/install_requirements.py: 10 s on a clean clone
# against pip's 65 s; pip if uv cannot be had), without compiling (above).
$(APP_STAMP): requirements.txt requirements-setup.txt | $(PY)
	$(PY) -m scripts.install_requirements requirements.txt
	$(PY) -c "import app"
	@touch $@

$(DEV_STAMP): requirements-dev.txt $(APP_STAMP)
	$(PY) -m scripts.install_requirements requirements-dev.txt
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
