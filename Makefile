# Linli: the two commands are `make run` (demo on SQLite + built-in simulator) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench locales browser clean

# The suite mostly waits (for replies in simulated chats, for a scheduler tick), so it runs in
# several processes even on two cores: 4 workers take it from ~12 to ~5 minutes here. Each
# worker has its own databases and ports; a test file stays on one worker (its fixtures are
# set up once). TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 4

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
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services models core

bench: install
	$(BIN)/python -m bench.updates

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
