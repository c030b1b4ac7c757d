"""A spoken call whose language model is a real OpenAI-compatible server nobody here wrote:
llama-cpp-python's ``llama_cpp.server`` with SmolLM2-135M, reached by the agent's ``openai``
provider through ``OPENAI_BASE_URL`` alone (no key), over real WebRTC and LiveKit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.agent import start_agent
from harness.caller import call
from harness.local_model import LocalModelServer
from harness.processes import ManagedProcess
from harness.stack import Stack

pytestmark = pytest.mark.e2e

SENTENCE = "hello there"


@pytest.fixture(scope="module")
def model_agent(
    stack: Stack, work_dir: Path, local_model_server: LocalModelServer
) -> Iterator[ManagedProcess]:
    proc = start_agent(
        work_dir,
        stack.livekit.ws_url,
        stack.api.base_url,
        stack.api.agent_key,
        name="agent-local-model",
        extra_env={
            "LLM_PROVIDERS": "openai",
            "OPENAI_BASE_URL": local_model_server.base_url,
            "OPENAI_LLM_MODEL": local_model_server.model,
            "OPENAI_API_KEY": "",
        },
    )
    yield proc
    proc.stop(timeout=30)


async def test_a_spoken_turn_is_answered_by_the_local_model_server(
    stack: Stack, model_agent: ManagedProcess, local_model_server: LocalModelServer
) -> None:
    before = local_model_server.chat_requests()
    result = await call(stack.api.base_url, stack.api.api_key, [SENTENCE], reply_timeout=30)

    assert result.all_replied, model_agent.tail(60)
    # the greeting and the reply each came from the server (the chain holds no other model)
    assert local_model_server.chat_requests() >= before + 2, local_model_server.process.tail()
    # the user's turn has a spoken answer in the transcript. The greeting may be missing:
    # when the small model's first token is slower than the caller's patience (a loaded CI
    # machine), the caller speaks over it and the barge-in cuts it before any word played
    heard = [int(str(i["turnIndex"])) for i in result.transcript if i["role"] == "user"]
    answers = [
        str(i["text"])
        for i in result.transcript
        if i["role"] == "assistant" and heard and int(str(i["turnIndex"])) > heard[0]
    ]
    assert answers and all(a.strip() for a in answers), result.transcript
