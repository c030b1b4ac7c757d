# The API under thousands of simulated users: locust in its own virtualenv (.venv-load),
# because its gevent must not reach the API's or the agent's .venv.
.PHONY: load-deps bench-load

LOAD_VENV := .venv-load
LOAD_STAMP := $(LOAD_VENV)/.installed

$(LOAD_STAMP): requirements-load.txt
	@echo "==> installing locust into $(LOAD_VENV)"
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install -q --upgrade pip
	$(LOAD_VENV)/bin/python -m pip install -q -r requirements-load.txt
	@touch $@

load-deps: $(LOAD_STAMP) ## locust in .venv-load, for `make bench-load`

bench-load: deps ## locust users on tokens, sessions, transcripts, webhooks while a call runs; BENCH_LOAD_ARGS="--users 200 --seconds 60" or "--base-url http://127.0.0.1:7071" for a running `make up`
	$(PY) -m bench.load $(BENCH_LOAD_ARGS)

DEPS += load-deps
