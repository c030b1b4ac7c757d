"""The agent's Container App: warm capacity, load-based scaling, health probes, and a
shutdown grace period that lets calls drain (checked against the agent's own rules)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from agent_app.settings import AgentSettings
from tests.infra.helpers import Tree, evaluate, one, param_bounds, param_default

Module = Callable[[str], Tree]

ACA_MAX_GRACE_SECONDS = 600  # Container Apps' upper limit for terminationGracePeriodSeconds


def _app(module: Module) -> Tree:
    return one(module("agent"), "Microsoft.App/containerApps")


def test_min_replicas_keep_a_warm_worker(main_bicep: Tree, module: Module) -> None:
    agent = module("agent")
    scale = _app(module)["properties"]["template"]["scale"]
    assert scale["minReplicas"] == "minReplicas"
    low, _ = param_bounds(agent, "minReplicas")
    assert low is not None and low >= 1
    low, _ = param_bounds(main_bicep, "agentMinReplicas")
    assert low is not None and low >= 1
    assert param_default(main_bicep, "agentMinReplicas") >= 1


def test_scale_rules_on_cpu_and_optionally_on_sessions(module: Module) -> None:
    agent = module("agent")
    rules = _app(module)["properties"]["template"]["scale"]["rules"]["operator"]["operands"]
    assert rules["false_value"] == ["cpuRule"]
    assert rules["true_value"] == ["cpuRule", "sessionRule"]
    cpu = agent["variables"]["cpuRule"]["value"]["custom"]
    assert cpu["type"] == "cpu" and cpu["metadata"]["type"] == "Utilization"
    # Headroom: scale out well before a replica is saturated.
    low, high = param_bounds(agent, "cpuScaleThreshold")
    assert param_default(agent, "cpuScaleThreshold") <= 70
    assert high is not None and high < 100
    # ...and before a worker reports itself full (LOAD_THRESHOLD) and refuses new calls.
    load = float(param_default(agent, "loadThreshold"))
    assert load == AgentSettings.model_fields["load_threshold"].default
    assert param_default(agent, "cpuScaleThreshold") < load * 100
    sessions = agent["variables"]["sessionRule"]["value"]["custom"]
    assert sessions["type"] == "metrics-api"
    assert sessions["metadata"]["valueLocation"] == "activeSessions"
    assert sessions["auth"] == [{"secretRef": "parley-agent-key", "triggerParameter": "apiKey"}]


def test_session_rule_is_on_and_leaves_headroom_below_measured_capacity(
    main_bicep: Tree, module: Module
) -> None:
    agent = module("agent")
    assert param_default(agent, "sessionScaleRuleEnabled") is True
    assert param_default(main_bicep, "agentSessionScaleRuleEnabled") is True
    # The worker's capacity is CALLS_PER_CORE x its vCPU (agent_app/runtime/capacity.py); KEDA
    # must add a replica well before replicas are full, so a new call finds a warm one.
    calls_per_core = float(param_default(agent, "callsPerCore"))
    assert calls_per_core == AgentSettings.model_fields["calls_per_core"].default
    assert float(param_default(main_bicep, "agentCallsPerCore")) == calls_per_core
    for tree, cpu, target in (
        (agent, "cpu", "targetSessionsPerReplica"),
        (main_bicep, "agentCpu", "agentTargetSessionsPerReplica"),
    ):
        capacity = calls_per_core * float(param_default(tree, cpu))
        assert 1 <= param_default(tree, target) <= 0.8 * capacity
    assert param_default(agent, "jobExecutor") == AgentSettings.model_fields["job_executor"].default


def test_probes_hit_the_worker_health_server(module: Module) -> None:
    agent = module("agent")
    port = agent["variables"]["healthPort"]["value"]
    assert port == 8081
    assert AgentSettings.model_fields["health_port"].default == port
    probes = agent["variables"]["probes"]["value"]
    assert {p["type"] for p in probes} == {"Startup", "Liveness", "Readiness"}
    for probe in probes:
        assert probe["httpGet"] == {"path": "/", "port": "healthPort"}
    container = _app(module)["properties"]["template"]["containers"][0]
    assert container["probes"]["operator"]["operands"]["false_value"] == "probes"


def test_no_ingress_the_worker_only_dials_out(module: Module) -> None:
    assert "ingress" not in _app(module)["properties"]["configuration"]


def _grace(agent: Tree, drain: int, job: int) -> int:
    expr = agent["variables"]["terminationGraceSeconds"]["value"]
    return evaluate(expr, {"drainTimeoutSeconds": drain, "jobShutdownTimeoutSeconds": job})


def test_grace_period_is_the_variable_the_agent_also_reads(module: Module) -> None:
    agent = module("agent")
    template = _app(module)["properties"]["template"]
    assert template["terminationGracePeriodSeconds"] == "terminationGraceSeconds"
    env = {e["name"]: e["value"] for e in agent["variables"]["plainEnv"]["value"]}
    assert "terminationGraceSeconds" in str(env["TERMINATION_GRACE_SECONDS"])
    assert "drainTimeoutSeconds" in str(env["DRAIN_TIMEOUT_SECONDS"])
    assert "jobShutdownTimeoutSeconds" in str(env["JOB_SHUTDOWN_TIMEOUT_SECONDS"])


@pytest.mark.parametrize("corner", ["default", "low", "high"])
def test_grace_covers_drain_within_platform_limit(
    module: Module, main_bicep: Tree, corner: str
) -> None:
    agent = module("agent")
    choices: dict[str, list[int]] = {}
    for name, main_name in (
        ("drainTimeoutSeconds", "agentDrainTimeoutSeconds"),
        ("jobShutdownTimeoutSeconds", "agentJobShutdownTimeoutSeconds"),
    ):
        low, high = param_bounds(agent, name)
        assert low is not None and high is not None, f"{name} needs @minValue and @maxValue"
        assert param_bounds(main_bicep, main_name) == (low, high), main_name
        choices[name] = {
            "default": [param_default(main_bicep, main_name)],
            "low": [low],
            "high": [high],
        }[corner]
    for drain, job in itertools.product(*choices.values()):
        grace = _grace(agent, drain, job)
        assert grace >= drain
        assert grace <= ACA_MAX_GRACE_SECONDS
        # The agent validates the same budget at start-up: it must accept these values.
        settings = AgentSettings(
            drain_timeout_seconds=drain,
            job_shutdown_timeout_seconds=job,
            termination_grace_seconds=grace,
        )
        assert settings.termination_grace_seconds == grace
