"""Every setting the API and the agent read is supplied by the Bicep, and the Bicep sets
nothing they do not read. Adding a field to a settings class without wiring it in
bicep/ fails here (fields marked ``json_schema_extra={"azure": False}`` are local only).
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic_settings import BaseSettings

from agent_app.settings import AgentSettings
from functions.settings import ApiSettings
from tests.infra.helpers import Tree, body, resources_of

Module = Callable[[str], Tree]

# Read by the Functions host or its telemetry, not by ApiSettings.
PLATFORM_SETTINGS = {
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri",
    "AzureWebJobsStorage__tableServiceUri",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}


def azure_env_names(settings: type[BaseSettings]) -> set[str]:
    """Environment variables a settings class reads in Azure."""
    names = set()
    for field_name, field in settings.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and extra.get("azure") is False:
            continue
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else field_name.upper())
    return names


def function_app_settings(module: Module) -> set[str]:
    configs = resources_of(module("functionapp"), "Microsoft.Web/sites/config")
    (settings,) = [body(c) for c in configs.values() if body(c)["name"] == "appsettings"]
    return {str(k) for k in settings["properties"]}


def agent_env(module: Module) -> set[str]:
    variables = module("agent")["variables"]
    names: set[str] = set()
    for var in ("plainEnv", "optionalEnv", "secretEnv"):
        names |= {entry["name"] for entry in variables[var]["value"]}
    return names


def test_the_settings_classes_have_azure_fields() -> None:
    # Guards the guards below against an empty comparison.
    assert {"COSMOS_ENDPOINT", "PARLEY_API_KEYS", "LIVEKIT_API_SECRET"} <= azure_env_names(
        ApiSettings
    )
    assert {"PARLEY_AGENT_KEY", "DRAIN_TIMEOUT_SECONDS", "REDIS_URL"} <= azure_env_names(
        AgentSettings
    )
    assert "COSMOS_KEY" not in azure_env_names(ApiSettings)


def test_function_app_sets_every_api_setting(module: Module) -> None:
    missing = azure_env_names(ApiSettings) - function_app_settings(module)
    assert missing == set(), (
        "ApiSettings fields with no app setting in bicep/modules/functionapp.bicep"
    )


def test_function_app_sets_nothing_the_api_does_not_read(module: Module) -> None:
    unknown = function_app_settings(module) - azure_env_names(ApiSettings) - PLATFORM_SETTINGS
    assert unknown == set()


def test_agent_app_sets_every_agent_setting(module: Module) -> None:
    missing = azure_env_names(AgentSettings) - agent_env(module)
    assert missing == set(), "AgentSettings fields with no env entry in bicep/modules/agent.bicep"


def test_agent_app_sets_nothing_the_agent_does_not_read(module: Module) -> None:
    assert agent_env(module) - azure_env_names(AgentSettings) == set()


def test_secrets_are_never_plain_values(module: Module) -> None:
    variables = module("agent")["variables"]
    plain = {e["name"] for e in variables["plainEnv"]["value"] + variables["optionalEnv"]["value"]}
    secret = {e["name"] for e in variables["secretEnv"]["value"]}
    assert {"LIVEKIT_API_SECRET", "PARLEY_AGENT_KEY", "OPENAI_API_KEY"} <= secret
    assert not plain & secret
    assert not {n for n in plain if n.endswith(("_KEY", "_SECRET"))}


def test_shared_values_come_from_one_parameter(main_bicep: Tree) -> None:
    # Settings both apps read must not be able to disagree.
    api = body(main_bicep["modules"]["api"])["params"]
    agent = body(main_bicep["modules"]["agent"])["params"]
    for name in ("livekitUrl", "agentName", "uploadMaxBytes"):
        assert api[name] == agent[name], name
