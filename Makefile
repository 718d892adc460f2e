# exchange-linker: every target sets up what it needs from nothing (a fresh clone, Python 3.11 on PATH).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: help install run test lint typecheck validate unit integration build lock chaos bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(BIN)/python:
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

lint: $(STAMP) ## ruff (lint + format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy, strict on the exchange_linker package (each function checked on its own: all are app.py)
	$(BIN)/mypy layers/exchange_linker/exchange_linker tools/exchange_linker_cli tools/exchange_linker_tools bench
	for function in functions/*/; do $(BIN)/mypy $$function || exit 1; done

validate: $(STAMP) ## sam validate --lint (cfn-lint) on template.yaml
	$(BIN)/sam validate --lint --region $(AWS_DEFAULT_REGION) --template-file template.yaml

build: $(STAMP) ## sam build (no Docker: uses the local python3.11)
	$(BIN)/sam build --template-file template.yaml

lock: $(BIN)/python ## Re-resolve the pinned dependencies (dev lock and the layer's lock)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes --upgrade requirements/dev.in -o requirements/dev.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes --python-platform aarch64-manylinux_2_28 \
		-c requirements/dev.txt requirements/runtime.in -o layers/exchange_linker/requirements.txt

chaos: $(STAMP) ## The large chaos run
	$(BIN)/pytest -m slow tests/chaos $(PYTEST_ARGS)

bench: $(STAMP) ## Benchmarks (prints a table, writes bench/results/)
	$(BIN)/python -m bench $(ARGS)

clean: ## Remove build output and caches (keeps .venv)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
