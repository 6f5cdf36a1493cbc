# Deep Learning Explorer. `make run` serves the app; `make test` runs every test. Both set up what
# they need first (Debian packages when root, a .venv from the pinned requirements) and skip what
# is already done, so a second run starts in seconds.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.app-deps
DEV_STAMP := $(VENV)/.dev-deps
APP_DEBS := $(shell cat packages.txt)
TEST_DEBS := $(APP_DEBS) chromium chromium-driver
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run test assets bench setup setup-dev sysdeps sysdeps-test clean

run: sysdeps $(APP_STAMP)  ## serve the app on http://$(HOST):$(PORT)  (HOST=0.0.0.0 for a classroom LAN)
	GRADIO_SERVER_NAME=$(HOST) GRADIO_SERVER_PORT=$(PORT) $(PY) app.py

test: sysdeps-test $(DEV_STAMP)  ## unit, API and browser tests
	$(PY) -m pytest tests

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

$(PY):
	$(PYTHON) -m venv $(VENV)

$(APP_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt $(APP_STAMP)
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
