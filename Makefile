# Two entry points, both self-contained on a fresh machine (see README.md):
#   make demo   set up, then validate, plan and apply the example store on the embedded local store
#   make test   set up, then lint, type-check and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	STAGINGPRO=$(BIN)/stagingpro sh scripts/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n 2

clean:
	rm -rf $(VENV) .stagingpro
