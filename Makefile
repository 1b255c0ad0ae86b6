# gridops: `make demo` and `make test` each create .venv and install the project when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gridops demo --duration 60

lint: $(STAMP)
	$(BIN)/ruff check gridops workers tests bench
	$(BIN)/ruff format --check gridops workers tests bench

typecheck: $(STAMP)
	$(BIN)/mypy gridops workers

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/gridops bench all --write

clean:
	rm -rf $(VENV) .gridops .pytest_cache .mypy_cache .ruff_cache .hypothesis
