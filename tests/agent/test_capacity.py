"""A worker's load is its active calls over its measured capacity, and it is built with
the configured job executor; process-wide set-up runs once however many jobs prewarm."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from livekit.agents import JobExecutorType

from agent_app.api.client import ParleyApi, tls_context
from agent_app.observability import telemetry
from agent_app.runtime import capacity, room_audio, worker
from agent_app.settings import AgentSettings


@dataclass
class FakeServer:
    active_jobs: Sequence[object] = field(default_factory=list)


def test_load_is_active_calls_over_capacity() -> None:
    load = capacity.CallLoad(4)
    assert load(FakeServer()) == 0.0
    assert load(FakeServer([object()])) == 0.25
    assert load(FakeServer([object()] * 4)) == 1.0


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        capacity.CallLoad(0)


def test_capacity_scales_with_cores_unless_fixed() -> None:
    settings = AgentSettings(calls_per_core=10.5)
    assert capacity.max_calls(settings, cores=1) == 10
    assert capacity.max_calls(settings, cores=2) == 21
    assert capacity.max_calls(settings, cores=0.25) == 2
    assert capacity.max_calls(AgentSettings(calls_per_core=0.5), cores=1) == 1
    assert capacity.max_calls(AgentSettings(max_calls=3), cores=8) == 3


def test_usable_cores_follow_the_cpu_affinity() -> None:
    original = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(original)})
        assert capacity.usable_cores() == 1.0
    finally:
        os.sched_setaffinity(0, original)
    assert capacity.usable_cores() <= len(original)


@pytest.mark.parametrize(
    ("executor", "expected"),
    [("thread", JobExecutorType.THREAD), ("process", JobExecutorType.PROCESS)],
)
def test_server_uses_the_configured_executor_and_call_load(
    executor: str, expected: JobExecutorType
) -> None:
    settings = AgentSettings(job_executor=executor, max_calls=7, num_idle_processes=2)
    server = worker.build_server(settings)
    assert server._job_executor_type is expected
    assert server._num_idle_processes == 2
    load = server.load_fnc
    assert isinstance(load, capacity.CallLoad) and load.capacity == 7


def test_settings_default_to_threads_and_reject_unknown_executors() -> None:
    assert AgentSettings().job_executor == "thread"
    with pytest.raises(ValueError):
        AgentSettings(job_executor="fiber")


def test_process_setup_runs_once_however_many_jobs_prewarm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(worker, "_done", set())
    monkeypatch.setattr(telemetry, "configure", lambda s: calls.append("telemetry"))
    for _ in range(3):
        proc = SimpleNamespace(userdata={})
        worker.prewarm(proc)  # type: ignore[arg-type]
        assert isinstance(proc.userdata["settings"], AgentSettings)
    assert calls == ["telemetry"]


def test_room_input_arrives_at_16_khz_without_a_second_gain_control() -> None:
    audio = room_audio.room_options().get_audio_input_options()
    assert audio is not None
    assert audio.sample_rate == 16_000 and audio.num_channels == 1
    assert audio.auto_gain_control is False


async def test_api_clients_share_one_tls_context() -> None:
    first, second = ParleyApi("http://a", "k"), ParleyApi("http://b", "k")
    try:
        contexts = {
            id(client._transport._pool._ssl_context)  # type: ignore[attr-defined]
            for api in (first, second)
            for client in (api._http, api._blob)
        }
        assert contexts == {id(tls_context())}
    finally:
        await first.aclose()
        await second.aclose()
