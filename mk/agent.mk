# The agent worker: models, local run, benchmarks.
# Silero VAD and the v1-mini turn model ship inside livekit-local-inference, the
# pocketsphinx model and eSpeak NG data inside their wheels: nothing to download
# for the offline pipeline. `agent-models` checks they load offline (idempotent).
.PHONY: agent agent-models agent-bench

AGENT_ENV := LIVEKIT_URL=$${LIVEKIT_URL:-ws://127.0.0.1:7880} \
	LIVEKIT_API_KEY=$${LIVEKIT_API_KEY:-devkey} \
	LIVEKIT_API_SECRET=$${LIVEKIT_API_SECRET:-parley-local-development-secret-0123456789} \
	PARLEY_API_URL=$${PARLEY_API_URL:-http://127.0.0.1:7071} \
	PARLEY_AGENT_KEY=$${PARLEY_AGENT_KEY:-dev-agent-key}

$(VENV)/.agent-models: agent_app/requirements.txt | python-deps
	$(PY) -c "from livekit.local_inference import init_eot, init_vad; init_vad(); init_eot()"
	$(PY) -c "import pocketsphinx, espeakng_loader, os; assert os.path.isdir(pocketsphinx.get_model_path()); assert os.path.exists(espeakng_loader.get_library_path())"
	@touch $@

agent-models: $(VENV)/.agent-models ## check the agent's bundled models load offline

DEPS += agent-models

agent: deps ## the agent worker against the local LiveKit server and API (offline providers)
	$(AGENT_ENV) $(PY) -m agent_app dev

agent-bench: deps ## agent benchmarks: orchestration overhead, memory, start-up time
	$(PY) -m bench.agent_overhead
	$(PY) -m bench.agent_memory
	$(PY) -m bench.agent_startup

.PHONY: bench-e2e
bench-e2e: deps ## end-to-end voice benchmark: v2v latency (offline providers), concurrent calls per worker
	$(PY) -m bench.e2e $(BENCH_E2E_ARGS)
