# The two commands: `make run` and `make test`. Both build .venv from a bare clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## make run: migrate the embedded SQLite database, load demo data on first run, open the console.
run: $(STAMP)
	$(BIN)/callpop run --demo-if-empty

## make test: ruff, the import contract and the whole pytest suite.
test: $(STAMP)
	$(BIN)/ruff check console screens store tests
	$(BIN)/lint-imports
	$(BIN)/pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
