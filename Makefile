# Parley: `make up` runs the whole stack locally, `make test` runs every check.
# Area-specific targets live in mk/*.mk (agent, web, infra, livekit); this file
# owns the shared setup. Every install step is idempotent: a second run is fast.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
RUN_DIR := .run
export PATH := $(CURDIR)/$(TOOLS)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

# Targets appended by mk/*.mk: extra install steps `make test` needs.
DEPS := python-deps node-deps system-deps
include $(sort $(wildcard mk/*.mk))

.PHONY: help deps python-deps node-deps system-deps lint typecheck pytest test api up demo clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt agent_app/requirements.txt agent_app/requirements-voice.txt | $(PY)
	@echo "==> installing Python packages into $(VENV)"
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

python-deps: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	@echo "==> installing npm packages into node_modules"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: node_modules/.installed

system-deps: ## Debian packages the stack and the tests run (redis, chromium, espeak-ng)
	@bash scripts/system-deps.sh

deps: $(DEPS) ## install everything (idempotent)

lint: python-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: python-deps
	$(VENV)/bin/mypy

pytest: deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: deps lint typecheck pytest ## install what is missing, then ruff, mypy and every test

api: deps ## storage emulators + the HTTP API on :7071 (dev key: dev-api-key)
	$(PY) -m scripts.devstack api

up: deps ## the whole stack locally: LiveKit, Redis, emulators, API + web client, agent
	$(PY) -m scripts.devstack up

clean: ## remove local state (emulator data, logs)
	rm -rf $(RUN_DIR)

demo: python-deps ## synthetic caller against a running `make up`: speaks, waits for replies, checks the transcript
	$(PY) -m scripts.caller --api http://127.0.0.1:7071 --key $${PARLEY_API_KEY:-dev-api-key}
