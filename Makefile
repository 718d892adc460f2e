# exchange-linker: every target sets up what it needs from nothing (a fresh clone, Python 3.13 on PATH).
SHELL := /bin/bash
PYTHON ?= python3.13
# The Lambda runtime's Python (template.yaml: python3.13): the locks are resolved for it.
PYTHON_VERSION := 3.13
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: help install run test lint typecheck validate build lock chaos conformance bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

# A .venv made by another Python (e.g. one left from before the move to 3.13) is made again.
ifneq ($(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null),$(PYTHON_VERSION))
.PHONY: $(BIN)/python
endif
$(BIN)/python:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/dev.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements/dev.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP) ## Create .venv and install the project with its pinned dev dependencies

# `make run ARGS=--json | jq` sees nothing but the JSON: no recipe is echoed on stdout, not even the install.
.SILENT: $(BIN)/python $(STAMP)

run: $(STAMP) ## Run the whole pipeline locally on the embedded default stack
	@$(BIN)/exchange-linker run $(ARGS)

test: lint typecheck validate ## Run every check and test (what CI runs)
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP) ## ruff (lint + format check) and the import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP) ## mypy, strict on the exchange_linker package (the functions' app.py are <function>.app: functions/ is on mypy_path)
	$(BIN)/mypy layers/exchange_linker/exchange_linker tools/exchange_linker_cli tools/exchange_linker_tools bench functions/*/

validate: $(STAMP) ## sam validate --lint (cfn-lint) on template.yaml
	$(BIN)/sam validate --lint --region $(AWS_DEFAULT_REGION) --template-file template.yaml

build: $(STAMP) ## sam build (no Docker: uses the local python3.13)
	$(BIN)/sam build --template-file template.yaml

lock: $(BIN)/python ## Re-resolve the pinned dependencies (dev lock and the layer's lock); UPGRADE=1 also moves the pins to the newest releases
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip compile --quiet --python-version $(PYTHON_VERSION) --generate-hashes $(if $(UPGRADE),--upgrade) requirements/dev.in -o requirements/dev.txt
	$(BIN)/uv pip compile --quiet --python-version $(PYTHON_VERSION) --generate-hashes --python-platform aarch64-manylinux_2_28 \
		-c requirements/dev.txt requirements/runtime.in -o layers/exchange_linker/requirements.txt

chaos: $(STAMP) ## The large chaos run
	$(BIN)/pytest -m slow tests/chaos $(PYTEST_ARGS)

conformance: $(STAMP) ## schemathesis against the emulator from Dwolla's official OpenAPI (the operations the service uses)
	$(BIN)/pytest -m slow tests/contract $(PYTEST_ARGS)

bench: $(STAMP) ## Benchmarks (prints a table, writes bench/results/)
	$(BIN)/python -m bench $(ARGS)

clean: ## Remove build output and caches (keeps .venv)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
