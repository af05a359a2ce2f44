# driftwatch: `make demo` and `make test` work on a fresh machine with Python 3.11+
# and the package registries; everything else is installed here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: test demo lint typecheck pytest tools clean

$(STAMP): pyproject.toml scripts/fetch-mermaid.sh
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test,docs,embedded]'
	bash scripts/fetch-mermaid.sh
	touch $(STAMP)

# System tools the tests need (promtool from Debian's prometheus package).
tools:
	@bash scripts/ensure-tools.sh

lint: $(STAMP)
	$(BIN)/ruff check driftwatch tests bench
	$(BIN)/ruff format --check driftwatch tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) tools
	$(BIN)/pytest

test: lint typecheck pytest

demo: $(STAMP)
	$(BIN)/driftwatch demo $(DEMO_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
