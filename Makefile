# facetwitch — `make run` and `make test` do everything on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out
PYTEST_ARGS ?=

.PHONY: run demo clinic test bench lint setup model system-deps clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[clinic,dev]'
	touch $(STAMP)

setup: $(STAMP) system-deps model

system-deps:
	bash scripts/system-deps.sh

model: $(STAMP)
	$(VENV)/bin/facetwitch model fetch

run: setup
	$(VENV)/bin/facetwitch demo -o $(OUT)
	@echo
	@echo "Starting the clinic web app (Ctrl-C to stop) ..."
	bash scripts/run-clinic.sh

demo: setup
	$(VENV)/bin/facetwitch demo -o $(OUT)

clinic: setup
	bash scripts/run-clinic.sh

test: setup
	bash scripts/run-tests.sh $(PYTEST_ARGS)

bench: setup
	$(PY) benchmarks/run.py
	$(PY) benchmarks/speed.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
