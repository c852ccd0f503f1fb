# The two commands: `make run` and `make test`. Both build .venv from a bare clone, installing
# exactly the versions in requirements.lock (hash-checked), then callpop itself without resolving.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

LOCALES := screens/locale
CATALOGUES := $(wildcard $(LOCALES)/*/LC_MESSAGES/callpop.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test lock clean translations

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## make run: migrate the embedded SQLite database, load demo data on first run, open the console.
run: $(STAMP) $(COMPILED)
	$(BIN)/callpop run --demo-if-empty

## make test: ruff, the import contract, mypy (store, console, screens) and the whole pytest suite.
test: $(STAMP)
	$(BIN)/ruff check console screens store tests
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 $(PYTEST_ARGS)

## make lock: re-resolve requirements.lock from pyproject.toml (after changing a dependency).
lock: $(STAMP)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --generate-hashes --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

## make translations: extract every marked string, merge it into each catalogue, compile them.
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --sort-output --add-location=file --no-wrap \
		--add-comments=TRANSLATORS: --omit-header -o $(LOCALES)/callpop.pot .
	$(BIN)/pybabel -q update -i $(LOCALES)/callpop.pot -d $(LOCALES) -D callpop --no-wrap \
		--ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(LOCALES) -D callpop --statistics

%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

clean:
	rm -rf $(VENV) .pytest_cache
	rm -f $(COMPILED)
