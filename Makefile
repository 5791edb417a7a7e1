# Linli: the two commands are `make run` (demo on SQLite + built-in simulator) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint bench locales browser clean

install: $(STAMP) locales

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# zh_Hant is derived from zh_Hans with OpenCC; all catalogues are compiled to .mo here.
locales: $(STAMP)
	$(BIN)/linli i18n build

run: install
	$(BIN)/linli demo

# Debian's chromium for the browser tests (Playwright cannot download a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'; }

test: install browser
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services models core

bench: install
	$(BIN)/python -m bench.updates

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
