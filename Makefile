# The two commands of the README:
#   make demo   builds the demo company and runs every analysis on the embedded DuckDB default
#   make test   runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace

.PHONY: demo test install engines clean bench

$(BIN)/saleskpi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/saleskpi

install: $(BIN)/saleskpi

# The optional engines the tests run on as well (docs/backends.md): the PostgreSQL and Spark
# drivers in the venv, and, as root on Debian, the PostgreSQL server and Java (apt-get).
$(VENV)/.engines: $(BIN)/saleskpi pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,spark]'
	touch $(VENV)/.engines

engines: $(VENV)/.engines
	@sh scripts/install-engines.sh

demo: install
	$(BIN)/saleskpi demo $(DEMO_DIR) --replace
	$(BIN)/saleskpi compute $(DEMO_DIR)
	@echo "Results are in $(DEMO_DIR)/ ; try: $(BIN)/saleskpi show $(DEMO_DIR) --list"

test: install engines
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
