# SalesOps — `make run` (demo on SQLite) and `make test` (the whole suite) are the quick start.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT

.PHONY: setup run test lint bench assets messages clean
SCALE  ?= M
DB     ?= postgresql

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/salesops migrate --noinput
	$(BIN)/salesops demo --if-empty
	@echo "SalesOps: http://127.0.0.1:$(PORT)  (demo password: salesops-demo)"
	$(BIN)/salesops serve 127.0.0.1:$(PORT)

test: setup
	$(BIN)/python scripts/run_tests.py

# Benchmarks at scale (bench/README.md): generate the data once, measure, write bench/results/
# and docs/performance.md. E.g. `make bench SCALE=M DB=sqlite`.
bench: setup
	$(BIN)/python -m bench all --scale $(SCALE) --db $(DB)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy .

# Refresh static/vendor from the npm packages pinned in assets/package.json (needs Node.js).
assets:
	bash assets/vendor.sh

# Extract and compile the translations (needs GNU gettext).
messages: setup
	$(BIN)/salesops makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=assets --ignore=var --ignore=tests --ignore=test-artifacts
	$(BIN)/salesops compilemessages --ignore=.venv --ignore=assets

clean:
	rm -rf $(VENV) var/staticfiles
