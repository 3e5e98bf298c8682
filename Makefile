# facetwitch — `make run` and `make test` do everything on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out
PYTEST_ARGS ?=

.PHONY: run demo clinic test bench lint setup model system-deps fhir-validator frontend clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[clinic,batch,dev]'
	touch $(STAMP)

FHIR_VALIDATOR := tools/fhir-validate/node_modules/.package-lock.json

setup: $(STAMP) system-deps model fhir-validator frontend

# Offline FHIR R4 validator used by tests/care (npm packages pinned by the committed package-lock.json).
fhir-validator: system-deps $(FHIR_VALIDATOR)

$(FHIR_VALIDATOR): tools/fhir-validate/package.json tools/fhir-validate/package-lock.json
	npm ci --prefix tools/fhir-validate --no-audit --no-fund --loglevel=error
	touch $(FHIR_VALIDATOR)

# npm ci (frontend/package-lock.json) and the copy of MediaPipe's web files into the capture app's static files.
frontend: system-deps
	bash scripts/frontend-assets.sh

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
	$(PY) benchmarks/batch.py
	$(PY) benchmarks/live.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache tools/fhir-validate/node_modules frontend/node_modules \
	  src/facetwitch/clinic/capture/static/capture/vendor
