# Two set-up commands: `make demo` and `make test`. Both build .venv/ from requirements.lock.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: demo test lint bench venv services browsers clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	PORT=$(PORT) $(PY) scripts/demo.py

test: venv browsers
	@bash scripts/services.sh
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

bench: venv
	@bash scripts/services.sh
	$(PY) scripts/bench.py $(BENCH)

browsers:
	@bash scripts/ensure-chromium.sh

clean:
	rm -rf $(VENV) .demo staticfiles .pytest_cache .ruff_cache
