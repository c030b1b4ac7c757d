"""The operator's workbook and alerts query what the code really exports: every
`parley.*` metric a query names is one the agent emits (agent_app/observability/telemetry.py), with
dimensions it carries; the only tables are customMetrics and the API's requests; the
platform metrics are Container Apps metrics. Renaming a metric in the code without
updating bicep/ fails here."""

from __future__ import annotations

import importlib.util
import json
import re
from typing import Any

from agent_app.observability.telemetry import EXPORTED_METRICS
from tests.infra.helpers import BICEP_DIR, Tree, body, resources_of

WORKBOOK = BICEP_DIR / "modules" / "workbook.json"
ALERTS = BICEP_DIR / "modules" / "alerts.bicep"
METRIC = re.compile(r'"(parley(?:\.[a-z0-9_]+)+)"')
DIMENSION = re.compile(r'customDimensions(?:\.(\w+)|\["(\w+)"\])')
TABLE = re.compile(r"^\s*(?:let \w+ = )?(\w+)\s*(?:\||$)", re.MULTILINE)
# Microsoft.App/containerApps platform metrics (Azure Monitor's supported-metrics list)
CONTAINER_APP_METRICS = {"Replicas", "RestartCount", "Requests", "UsageNanoCores"}


def _workbook() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(WORKBOOK.read_text())
    return doc


def _workbook_queries() -> list[str]:
    return [item["content"]["query"] for item in _workbook()["items"] if item["type"] == 3]


def _alert_queries() -> list[str]:
    return re.findall(r"^\s*query: '(.*)'$", ALERTS.read_text(), re.MULTILINE)


def _problems(query: str) -> list[str]:
    """What in one KQL query names something the code does not export."""
    problems = []
    metrics = set(METRIC.findall(query))
    problems += [f"unknown metric {m}" for m in sorted(metrics - set(EXPORTED_METRICS))]
    carried = set().union(*(EXPORTED_METRICS.get(m, frozenset()) for m in metrics))
    for dotted, quoted in DIMENSION.findall(query):
        name = dotted or quoted
        if name not in carried:
            problems.append(f"dimension {name} not carried by {sorted(metrics)}")
    tables = set(TABLE.findall(query))
    problems += [f"unexpected table {t}" for t in sorted(tables - {"customMetrics", "requests"})]
    if not tables:
        problems.append("no table")
    return problems


def test_the_checks_catch_a_metric_the_code_does_not_emit() -> None:
    assert _problems('customMetrics | where name == "parley.agent.e2e_latency"') == []
    assert _problems('customMetrics | where name == "parley.agent.v2v_latency"') == [
        "unknown metric parley.agent.v2v_latency"
    ]
    assert _problems(
        'customMetrics | where name == "parley.agent.sessions" | where customDimensions.stage'
    ) == ["dimension stage not carried by ['parley.agent.sessions']"]
    assert _problems("traces | take 1") == ["unexpected table traces"]


def test_workbook_queries_name_only_exported_metrics_and_dimensions() -> None:
    queries = _workbook_queries()
    assert len(queries) >= 7
    assert {q: _problems(q) for q in queries if _problems(q)} == {}


def test_workbook_covers_what_an_operator_asks() -> None:
    text = "\n".join(_workbook_queries())
    named = set(METRIC.findall(text))
    stages = {"e2e_latency", "end_of_turn_delay", "stt_delay", "llm_ttft", "tts_ttfb"}
    assert {f"parley.agent.{s}" for s in stages} <= named  # v2v p50/p95 and per stage
    assert "percentilew(" in text and ", 95)" in text and ", 50)" in text
    assert {"parley.agent.sessions", "parley.agent.provider_failovers"} <= named
    assert "customDimensions.restored" in text  # recovered calls
    assert "resultCode" in text  # API errors
    platform = [i["content"] for i in _workbook()["items"] if i["type"] == 10]
    metrics = {m["metric"].split("--")[1] for item in platform for m in item["metrics"]}
    assert "Replicas" in metrics and metrics <= CONTAINER_APP_METRICS


def test_workbook_placeholders_are_all_filled_by_the_module() -> None:
    placeholders = set(re.findall(r"__[A-Z_]+__", WORKBOOK.read_text()))
    assert placeholders == {"__AGENT_APP_ID__", "__APP_INSIGHTS_ID__"}
    module = (BICEP_DIR / "modules" / "workbook.bicep").read_text()
    assert all(f"'{p}'" in module for p in placeholders)
    assert "loadTextContent('workbook.json')" in module


def test_the_api_exports_the_requests_table() -> None:
    # `requests` rows come from azure-monitor-opentelemetry's FastAPI instrumentation
    assert importlib.util.find_spec("opentelemetry.instrumentation.fastapi") is not None
    assert importlib.util.find_spec("azure.monitor.opentelemetry") is not None


def test_alert_queries_name_only_exported_metrics() -> None:
    queries = _alert_queries()
    assert len(queries) == 3
    assert {q: _problems(q) for q in queries if _problems(q)} == {}
    text = "\n".join(queries)
    assert {"parley.agent.e2e_latency", "parley.agent.provider_failovers"} <= set(
        METRIC.findall(text)
    )
    assert "requests" in text and ">= 500" in text


def test_alerts_use_one_action_group_and_parameter_thresholds(module: Any) -> None:
    tree: Tree = module("alerts")
    (group,) = resources_of(tree, "Microsoft.Insights/actionGroups").values()
    receivers = json.dumps(body(group)["properties"]["emailReceivers"])
    assert "alertEmail" in receivers
    (restart,) = [body(r) for r in resources_of(tree, "Microsoft.Insights/metricAlerts").values()]
    (criterion,) = restart["properties"]["criteria"]["allOf"]
    assert criterion["metricName"] in CONTAINER_APP_METRICS
    assert criterion["threshold"] == "agentRestartThreshold"
    thresholds = {
        name: p["default"]
        for name, p in tree["parameters"].items()
        if name.endswith(("Threshold", "ThresholdMs"))
    }
    assert set(thresholds) == {
        "voiceToVoiceP95ThresholdMs",
        "failoverThreshold",
        "api5xxPercentThreshold",
        "agentRestartThreshold",
    }
    assert all(isinstance(v, int) and v > 0 for v in thresholds.values())


def test_main_deploys_the_workbook_and_alerts(main_bicep: Tree) -> None:
    paths = {mod["detail"]["path"] for mod in main_bicep["modules"].values()}
    assert {"modules/workbook.bicep", "modules/alerts.bicep"} <= paths
