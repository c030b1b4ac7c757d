# Calls per core: one agent worker pinned to one core, the rest of the stack on another.
.PHONY: bench-capacity

bench-capacity: deps ## calls one worker core holds (p95 within 10% of one call) and memory per call; BENCH_CAPACITY_ARGS="--executor process --stt batch" for the old set-up
	$(PY) -m bench.capacity $(BENCH_CAPACITY_ARGS)
