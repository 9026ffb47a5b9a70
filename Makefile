# Two commands on a fresh machine with Python 3.11 and make:
#   make run    set up .venv, generate the sample county, materialize every asset for it
#   make test   set up the same way and run the whole test suite
#   make scenarios  draw the county's scenarios beside it and compare them
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLE := data/raw/sample/.generated
COUNTY ?= sample
PORT ?= 3000
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export PYTHONHASHSEED := 0

.PHONY: setup sample run scenarios test ui lint bench compare clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 (or run make PYTHON=python3)"; exit 1; }
	@# from Debian: Pango, which WeasyPrint needs to write the report's PDF
	@{ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -q libpangoft2-1.0.so.0 \
		|| (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0) >/dev/null 2>&1 \
		|| echo "Pango (libpango-1.0-0, libpangoft2-1.0-0) could not be installed: the report's PDF cannot be written"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# compile the engine's kernels now (numba caches them), not in the first run
	$(BIN)/python -m tools.warm_kernels
	@touch $(STAMP)

sample: $(SAMPLE)

$(SAMPLE): $(STAMP) tools/sample_county.py tools/sample_bloecke.py
	$(BIN)/python -m tools.sample_county data/raw/sample
	$(BIN)/python -m tools.sample_bloecke data/raw/sample data/raw/sample_bloecke
	@touch $(SAMPLE)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	@ln -sf $(CURDIR)/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

run: $(SAMPLE) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m tools.run $(COUNTY)

scenarios: $(SAMPLE) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m tools.run $(COUNTY) --scenarios

test: $(SAMPLE) $(DAGSTER_HOME)/dagster.yaml
	@# from Debian: headless Chromium renders the report (tests/publish/test_report.py) and a
	@# PostgreSQL server holds the instance (tests/assets/test_postgres.py); skipped if missing
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
		|| echo "chromium could not be installed: the report is not rendered in the tests"
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| (apt-get update -qq && apt-get install -y -qq postgresql) >/dev/null 2>&1 \
		|| echo "postgresql could not be installed: the test on PostgreSQL is skipped"
	$(BIN)/ruff check pipeline assets tests tools benchmarks
	$(BIN)/python -m pytest -n 2 --dist loadgroup

ui: $(SAMPLE) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m tools.ui --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check pipeline assets tests tools benchmarks

bench: $(SAMPLE)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m benchmarks.bench

# the sample county's published files against those of an earlier commit:
#   make compare REF=8d0ee49 [NEW=<commit>, default the working tree]
compare: $(SAMPLE)
	$(BIN)/python -m tools.compare_published $(REF) $(if $(NEW),--against $(NEW))

clean:
	rm -rf data/processed/*/ $(DAGSTER_HOME)
