"""Behaviour and tools through livekit-agents' own harness (AgentSession.run), offline LLM."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from livekit.agents import AgentSession, RunResult, llm

from agent_app.api.client import ParleyApi
from agent_app.call.assistant import ParleyAssistant
from agent_app.providers.offline.responder import OfflineLLM, TextPlan, ToolCallPlan, plan_reply
from harness.doubles import FakeParleyApi, serve

FIXED = datetime(2030, 5, 17, 9, 41, tzinfo=UTC)


async def _no_uploads() -> list[dict[str, object]]:
    return []


async def _answer_from_the_clock(question: str) -> str:
    """The reply to ``question``, which must come from one call of the clock tool (at FIXED)."""
    async with OfflineLLM() as model, AgentSession(llm=model) as session:
        await session.start(
            ParleyAssistant(instructions="be brief", list_uploads=_no_uploads, clock=lambda: FIXED)
        )
        result: RunResult[None] = await session.run(user_input=question)
        result.expect.next_event().is_function_call(name="get_current_time")
        result.expect.next_event().is_function_call_output()
        message = result.expect.next_event().is_message(role="assistant")
        result.expect.no_more_events()
        return message.event().item.text_content or ""


async def test_time_question_calls_the_time_tool() -> None:
    assert "09:41 UTC" in await _answer_from_the_clock("What time is it?")


async def test_document_question_searches_this_sessions_uploads() -> None:
    fake = FakeParleyApi()
    fake.add_document("RM_1", "plan.txt", "Intro line.\n\nThe launch date is March 3. Budget: 40k.")
    fake.add_document("RM_other", "secret.txt", "The launch date is never.")
    async with serve(fake.app()) as url:
        api = ParleyApi(url, "agent-key")
        async with OfflineLLM() as model, AgentSession(llm=model) as session:
            await session.start(
                ParleyAssistant(
                    instructions="be brief",
                    list_uploads=lambda: api.list_uploads("RM_1", include_text=True),
                )
            )
            result: RunResult[None] = await session.run(
                user_input="When is the launch date in my document?"
            )
            result.expect.next_event().is_function_call(name="search_documents")
            output = result.expect.next_event().is_function_call_output()
            assert "March 3" in output.event().item.output
            assert "never" not in output.event().item.output
            reply = result.expect.next_event().is_message(role="assistant")
            assert "plan.txt" in (reply.event().item.text_content or "")
        await api.aclose()


async def test_anything_else_says_what_it_would_need_and_never_echoes() -> None:
    async with OfflineLLM() as model, AgentSession(llm=model) as session:
        await session.start(ParleyAssistant(instructions="x", list_uploads=_no_uploads))
        result: RunResult[None] = await session.run(user_input="Why are bananas yellow?")
        reply = result.expect.next_event().is_message(role="assistant")
        text = reply.event().item.text_content or ""
        assert "language model" in text and "OPENAI_BASE_URL" in text
        assert "banana" not in text.lower() and "I heard" not in text


async def test_date_question_answers_the_date_from_the_clock_tool() -> None:
    reply = await _answer_from_the_clock("What's the date today?")
    assert reply == "Today is Friday, 17 May 2030."


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("Hello there!", "Hello!"),
        ("Good morning.", "Hello!"),
        ("Thanks a lot.", "You're welcome."),
        ("Thank you, goodbye.", "You're welcome. Goodbye!"),
        ("Okay, bye for now.", "Goodbye!"),
    ],
)
def test_small_talk(said: str, answer: str) -> None:
    ctx = llm.ChatContext()
    ctx.add_message(role="user", content=said)
    plan = plan_reply(ctx, {"get_current_time", "search_documents"}, "P")
    assert isinstance(plan, TextPlan) and plan.text.startswith(answer)


@pytest.mark.parametrize(
    "said",
    [
        "The weather has been warm for this time of year.",
        "What's the weather like today?",
        "I read a good book yesterday.",
    ],
)
def test_words_near_an_intent_are_not_taken_for_it(said: str) -> None:
    ctx = llm.ChatContext()
    ctx.add_message(role="user", content=said)
    plan = plan_reply(ctx, {"get_current_time", "search_documents"}, "P")
    assert isinstance(plan, TextPlan) and "language model" in plan.text


async def test_tool_failure_is_reported_not_raised() -> None:
    async def broken() -> list[dict[str, object]]:
        raise OSError("connection refused")

    async with OfflineLLM() as model, AgentSession(llm=model) as session:
        await session.start(ParleyAssistant(instructions="x", list_uploads=broken))
        result: RunResult[None] = await session.run(user_input="summarise the document")
        result.expect.next_event().is_function_call(name="search_documents")
        output = result.expect.next_event().is_function_call_output(is_error=True)
        assert "not reachable" in output.event().item.output


def test_greeting_when_no_user_has_spoken() -> None:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content="Greet the user")
    plan = plan_reply(ctx, {"get_current_time"}, "Juno")
    assert isinstance(plan, TextPlan) and "Juno" in plan.text and "offline" in plan.text
    assert "the time" in plan.text and "file" in plan.text


def test_time_tool_only_when_offered() -> None:
    ctx = llm.ChatContext()
    ctx.add_message(role="user", content="what time is it")
    assert isinstance(plan_reply(ctx, {"get_current_time"}, "P"), ToolCallPlan)
    assert isinstance(plan_reply(ctx, set(), "P"), TextPlan)


def test_recall_quotes_the_previous_user_message() -> None:
    ctx = llm.ChatContext()
    ctx.add_message(role="user", content="hello there")
    ctx.add_message(role="assistant", content="Hello!")
    ctx.add_message(role="user", content="  ")
    ctx.add_message(role="user", content="What did I just say?")
    # a recall question is not a document question, even with the search tool offered
    plan = plan_reply(ctx, {"get_current_time", "search_documents"}, "P")
    assert isinstance(plan, TextPlan) and plan.text == "Before that you said: hello there"

    fresh = llm.ChatContext()
    fresh.add_message(role="user", content="What did I say?")
    plan = plan_reply(fresh, set(), "P")
    assert isinstance(plan, TextPlan) and "haven't said anything" in plan.text
