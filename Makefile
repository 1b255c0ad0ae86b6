# gridops: `make demo` and `make test` each create .venv and install the project when missing,
# from the lock (requirements/dev.lock: every direct and transitive dependency, pinned, hashed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements/dev.lock
# uv resolves the locks (a dev dependency, so it is pinned too); one universal lock per set,
# for every Python ≥ 3.11 and platform, with the hashes of every file of each pinned release.
COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
          --generate-hashes $(if $(UPGRADE),--upgrade)

.PHONY: install demo test lint typecheck unit bench clean lock test-latest vendor

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	@# setuptools comes from the lock too: no build isolation, nothing unpinned is fetched
	@$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@# bytecode now, as pip does for a non-editable install: where PYTHONDONTWRITEBYTECODE is
	@# set, every start compiled the package again (0.35 s of a city-scale server's start)
	@$(BIN)/python -m compileall -q gridops workers > /dev/null
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gridops demo --duration 60

lint: $(STAMP)
	$(BIN)/ruff check gridops workers tests bench
	$(BIN)/ruff format --check gridops workers tests bench

typecheck: $(STAMP)
	$(BIN)/mypy gridops workers

# every core (pytest-xdist); a test file stays on one worker, so its module fixtures start once;
# the 25 slowest tests are listed at the end (the suite must stay well under CI's 20 minutes)
unit: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile --durations=25

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/gridops bench all --write

# MapLibre GL JS for the console's map: `npm pack` of the pinned release, its sha512 checked
# against the integrity pinned in the script, copied with its licence (the copy is committed;
# tests/console/test_map_vendor.py checks it against SHA256SUMS).
vendor:
	$(PYTHON) scripts/vendor_maplibre.py

# Refresh the locks after editing pyproject.toml (pins that still fit are kept);
# `make lock UPGRADE=1` takes the newest releases the ranges allow: try them first with
# `make test-latest`.
lock: $(STAMP)
	$(COMPILE) -o requirements/run.lock
	$(COMPILE) --extra dev -o $(LOCK)

# The newest releases pyproject's ranges allow, in a venv of their own (.venv-latest): upgrades
# are a deliberate step, tried here before `make lock UPGRADE=1`. Not part of CI.
test-latest:
	@test -x .venv-latest/bin/python || $(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
	$(MAKE) lint typecheck unit VENV=.venv-latest STAMP=

clean:
	rm -rf $(VENV) .venv-latest .gridops .pytest_cache .mypy_cache .ruff_cache .hypothesis
