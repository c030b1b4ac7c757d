# Calls per core: one agent worker pinned to one core, the rest of the stack on another.
.PHONY: bench-capacity

CALLERS_BIN := $(TOOLS)/bin/parley-callers
CALLERS_SRC := bench/capacity/gocallers

# The synthetic callers: one Go process sending pre-encoded Opus (bench/capacity/opus_callers.py).
$(CALLERS_BIN): $(wildcard $(CALLERS_SRC)/*.go) $(CALLERS_SRC)/go.mod $(CALLERS_SRC)/go.sum
	@command -v go >/dev/null || { echo "Go is required to build the capacity bench's callers" >&2; exit 1; }
	@echo "==> building the capacity bench's callers (first run only, ~1-2 min)"
	@mkdir -p $(@D)
	cd $(CALLERS_SRC) && go build -o $(CURDIR)/$@ .

bench-capacity: deps $(CALLERS_BIN) ## calls one worker core holds (p95 within 10% of one call) and memory per call; BENCH_CAPACITY_ARGS="--executor process --stt batch" for the old set-up
	$(PY) -m bench.capacity $(BENCH_CAPACITY_ARGS)

# `make lint` checks the Go callers' formatting too (gofmt needs no module download).
.PHONY: lint-go
lint: lint-go
lint-go:
	@out="$$(gofmt -l $(CALLERS_SRC))"; [ -z "$$out" ] || { echo "gofmt would change: $$out" >&2; exit 1; }
