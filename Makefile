# One entry point for a fresh machine: `make test` builds .venv, installs the
# core and every plugin editable with their test extras, then runs ruff,
# mypy --strict and pytest. `make demo` runs the main job against the sandbox.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml))
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(PLUGINS))
PLUGIN_PACKAGES := $(filter-out %.egg-info,$(foreach d,$(PLUGIN_DIRS),$(wildcard $(d)/jobadapter_*)))
empty :=
space := $(empty) $(empty)
MYPYPATH := $(subst $(space),,core$(foreach d,$(PLUGIN_DIRS),:$(d)))
PYTEST_ARGS ?= -n 2 -q
STAMP := $(VENV)/.installed

.PHONY: install services test lint typecheck pytest demo wheels bench soak clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=77' wheel

# pip's and setuptools' build chatter goes to $(VENV)/install.log (shown on failure),
# so a first `make demo` shows the demo on the first screen.
$(STAMP): $(BIN)/python pyproject.toml $(PLUGINS)
	@echo "installing jobadapter and its plugins into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install --config-settings editable_mode=compat \
		-e '.[test]' $(foreach d,$(PLUGIN_DIRS),-e '$(d)[test]') \
		> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check core plugins tests bench
	$(BIN)/ruff format --check core plugins tests bench

typecheck: install
	MYPYPATH='$(MYPYPATH)' $(BIN)/mypy --strict core/jobadapter $(PLUGIN_PACKAGES)

# PostgreSQL, Redis and RabbitMQ on 127.0.0.1: started here if they do not answer.
services:
	bash .ci/services

pytest: install services
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

demo: install
	$(BIN)/jobadapter demo

# Every distribution (the core and each plugins/*, the common packages too) as a
# wheel in dist/, so `pip install --find-links dist jobadapter-zuora-bulk` works.
wheels: install
	@mkdir -p dist
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist \
		. $(PLUGIN_DIRS)
	@ls dist

# Every bench/*_bench.py prints one JSON object of figures (docs/performance.md).
# `make bench QUICK=1` runs each at a small size (a smoke test, not figures to quote).
bench: install
	@for b in bench/*_bench.py; do \
		args=""; if [ -n "$(QUICK)" ]; then args="--quick"; fi; \
		echo "== $$b $$args"; $(BIN)/python $$b $$args || exit 1; \
	done

soak: install
	JOBADAPTER_SOAK=1 $(BIN)/pytest -q tests/reliability -k soak
	JOBADAPTER_SOAK=1 $(BIN)/pytest -q -s tests/fleet/test_fleet_kill.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache dist
