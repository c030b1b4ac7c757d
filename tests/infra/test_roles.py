"""Every data-plane access is a role assignment to the right managed identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.infra.helpers import Tree, body, function_calls, resources_of, walk

Module = Callable[[str], Tree]

# Built-in role definition ids (Azure RBAC), as published by Microsoft.
ROLES = {
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services Speech User": "f2dc8367-1007-4938-bd23-fe263f013447",
    "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "Azure AI User": "53ca6127-db72-4b80-b1b0-d745d6d5456d",
}
COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"

ROLE_FILES = ("storage", "keyvault", "registry", "monitoring", "ai", "cosmos", "redis")


def _role_of(tree: Tree, assignment: Tree) -> str:
    """The role GUID a roleAssignments resource grants (through its variable)."""
    (call,) = function_calls(
        assignment["properties"]["roleDefinitionId"], "subscription_resource_id"
    )
    assert call["parameters"]["resource_type"] == "Microsoft.Authorization/roleDefinitions"
    var = call["parameters"]["resource_name_1"]
    value = tree["variables"][var]["value"]
    assert isinstance(value, str)
    return value


def _grants(tree: Tree) -> list[tuple[str, Any]]:
    """(role GUID, principal expression) for each role assignment in a file."""
    found = []
    for res in resources_of(tree, "Microsoft.Authorization/roleAssignments").values():
        b = body(res)
        found.append((_role_of(tree, b), b["properties"]["principalId"]))
    return found


def test_role_definition_ids_are_the_builtin_ones(module: Module) -> None:
    known = set(ROLES.values())
    for name in ROLE_FILES:
        for role, _ in _grants(module(name)):
            assert role in known, f"{name}: unknown role id {role}"


def test_every_assignment_is_named_by_guid_of_scope_principal_and_role(module: Module) -> None:
    kinds = (
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    )
    count = 0
    for name in ROLE_FILES:
        tree = module(name)
        for kind in kinds:
            for res in resources_of(tree, kind).values():
                b = body(res)
                assert isinstance(b["name"], dict) and b["name"]["function"]["type"] == "guid", name
                args = [str(v) for v in b["name"]["function"]["parameters"].values()]
                principal = str(b["properties"]["principalId"])
                assert principal in args, f"{name}: guid() must include the principal"
                count += 1
    assert count >= 20


def test_api_identity_roles(module: Module) -> None:
    storage = _grants(module("storage"))
    assert (ROLES["Storage Blob Data Owner"], "apiPrincipalId") in storage
    assert (ROLES["Storage Queue Data Contributor"], "apiPrincipalId") in storage
    vault = _grants(module("keyvault"))
    assert vault.count((ROLES["Key Vault Secrets User"], "apiPrincipalId")) == 4
    cosmos = module("cosmos")
    sql = [
        body(r)
        for r in resources_of(
            cosmos, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"
        ).values()
    ]
    api = [s for s in sql if s["properties"]["principalId"] == "apiPrincipalId"]
    assert len(api) == 1
    assert "${dataContributorRoleId}" in api[0]["properties"]["roleDefinitionId"]
    assert cosmos["variables"]["dataContributorRoleId"]["value"] == COSMOS_DATA_CONTRIBUTOR


def test_agent_identity_roles(module: Module) -> None:
    vault = _grants(module("keyvault"))
    # LiveKit key + secret + its own key (+ a loop over optional provider keys).
    assert vault.count((ROLES["Key Vault Secrets User"], "agentPrincipalId")) == 4
    assert (ROLES["AcrPull"], "agentPrincipalId") in _grants(module("registry"))
    ai = _grants(module("ai"))
    assert (ROLES["Cognitive Services OpenAI User"], "agentPrincipalId") in ai
    assert (ROLES["Cognitive Services Speech User"], "agentPrincipalId") in ai
    # Voice Live (realtime calls): both roles on the AI Services account
    assert (ROLES["Cognitive Services User"], "agentPrincipalId") in ai
    assert (ROLES["Azure AI User"], "agentPrincipalId") in ai
    redis = module("redis")
    policies = resources_of(
        redis, "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments"
    )
    users = [body(p)["properties"]["user"]["objectId"] for p in policies.values()]
    assert "agentPrincipalId" in users


def test_key_vault_roles_are_scoped_to_single_secrets(module: Module) -> None:
    # Least privilege: the agent cannot read integrator keys, the API cannot read provider keys.
    vault = module("keyvault")
    for res in resources_of(vault, "Microsoft.Authorization/roleAssignments").values():
        b = body(res)
        if b["properties"]["principalId"] in ("apiPrincipalId", "agentPrincipalId"):
            assert b["scope"] != "vault", b["name"]


def test_both_identities_publish_telemetry(main_bicep: Tree, module: Module) -> None:
    grants = _grants(module("monitoring"))
    assert (ROLES["Monitoring Metrics Publisher"], "id") in grants
    params = body(main_bicep["modules"]["monitoring"])["params"]
    publishers = [str(p) for p in params["publisherPrincipalIds"]]
    assert len(publishers) == 2
    assert any("apiPrincipalId" in p for p in publishers)
    assert any("agentPrincipalId" in p for p in publishers)


def test_two_user_assigned_identities(module: Module) -> None:
    identities = resources_of(
        module("identities"), "Microsoft.ManagedIdentity/userAssignedIdentities"
    )
    assert len(identities) == 2


def test_each_app_runs_as_its_own_identity(main_bicep: Tree) -> None:
    api = body(main_bicep["modules"]["api"])["params"]
    agent = body(main_bicep["modules"]["agent"])["params"]
    assert "apiIdentityId" in str(api["identityId"])
    assert "apiClientId" in str(api["identityClientId"])
    assert "agentIdentityId" in str(agent["identityId"])
    assert "agentClientId" in str(agent["identityClientId"])
    assert not any("agent" in str(v) for v in walk(api["identityId"]))
