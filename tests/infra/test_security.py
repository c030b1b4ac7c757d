"""Security properties of the deployment, pinned so a careless edit fails the build."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.infra.helpers import BICEP_DIR, Tree, body, one, resources_of

Module = Callable[[str], Tree]


def test_no_account_keys_anywhere() -> None:
    # No listKeys(), no shared-key connection strings, no workspace shared keys.
    for path in BICEP_DIR.rglob("*.bicep"):
        text = path.read_text()
        assert not re.search(r"\blist(Keys|ConnectionStrings|Credentials)\s*\(", text, re.I), path
        assert "AccountKey=" not in text, path
        assert "sharedKey" not in text and "primarySharedKey" not in text, path


def test_storage_is_keyless_private_and_tls12(module: Module) -> None:
    storage = module("storage")
    props = one(storage, "Microsoft.Storage/storageAccounts")["properties"]
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["minimumTlsVersion"] == "TLS1_2"
    assert props["supportsHttpsTrafficOnly"] is True
    assert props["defaultToOAuthAuthentication"] is True
    containers = resources_of(storage, "Microsoft.Storage/storageAccounts/blobServices/containers")
    assert len(containers) == 2
    for res in containers.values():
        assert body(res)["properties"]["publicAccess"] == "None"
    topic = one(storage, "Microsoft.EventGrid/systemTopics")["properties"]
    assert topic["topicType"] == "Microsoft.Storage.StorageAccounts"


def test_cosmos_is_keyless_with_continuous_backup_and_session_partitions(module: Module) -> None:
    cosmos = module("cosmos")
    props = one(cosmos, "Microsoft.DocumentDB/databaseAccounts")["properties"]
    assert props["disableLocalAuth"] is True
    assert props["minimalTlsVersion"] == "Tls12"
    assert props["backupPolicy"]["type"] == "Continuous"
    assert cosmos["variables"]["containerNames"]["value"] == ["sessions", "transcripts", "uploads"]
    container = one(cosmos, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    resource = container["properties"]["resource"]
    assert resource["partitionKey"]["paths"] == ["/sessionId"]
    assert resource["defaultTtl"] == "defaultTtl"
    assert cosmos["parameters"]["databaseName"]["default"] == "parley"


def test_monitoring_requires_entra_ingestion(module: Module) -> None:
    insights = one(module("monitoring"), "Microsoft.Insights/components")["properties"]
    assert insights["DisableLocalAuth"] is True
    assert insights["WorkspaceResourceId"]


def test_key_vault_uses_rbac_only(module: Module) -> None:
    vault = one(module("keyvault"), "Microsoft.KeyVault/vaults")["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enableSoftDelete"] is True
    assert "accessPolicies" not in vault
    secrets = resources_of(module("keyvault"), "Microsoft.KeyVault/vaults/secrets")
    names = {str(body(s)["name"]) for s in secrets.values()}
    assert {
        "livekit-api-key",
        "livekit-api-secret",
        "parley-api-keys",
        "parley-agent-key",
        "parley-agent-keys",
    } <= names


def test_redis_is_entra_only_and_encrypted(module: Module) -> None:
    redis = module("redis")
    assert one(redis, "Microsoft.Cache/redisEnterprise")["properties"]["minimumTlsVersion"] == "1.2"
    db = one(redis, "Microsoft.Cache/redisEnterprise/databases")["properties"]
    assert db["accessKeysAuthentication"] == "Disabled"
    assert db["clientProtocol"] == "Encrypted"


def test_registry_and_ai_have_no_local_credentials(module: Module) -> None:
    registry = one(module("registry"), "Microsoft.ContainerRegistry/registries")["properties"]
    assert registry["adminUserEnabled"] is False
    assert registry["anonymousPullEnabled"] is False
    ai = one(module("ai"), "Microsoft.CognitiveServices/accounts")["properties"]
    assert ai["disableLocalAuth"] is True


def test_function_app_is_https_only_tls12_flex_python311(module: Module) -> None:
    fn = module("functionapp")
    plan = one(fn, "Microsoft.Web/serverfarms")
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    site = one(fn, "Microsoft.Web/sites")
    props = site["properties"]
    assert props["httpsOnly"] is True
    assert props["siteConfig"]["minTlsVersion"] == "1.2"
    assert props["siteConfig"]["ftpsState"] == "Disabled"
    assert props["functionAppConfig"]["runtime"] == {"name": "python", "version": "3.11"}
    deployment = props["functionAppConfig"]["deployment"]["storage"]["authentication"]
    assert deployment["type"] == "UserAssignedIdentity"
    assert site["identity"]["type"] == "UserAssigned"
    assert props["keyVaultReferenceIdentity"] == "identityId"


def test_function_host_storage_is_identity_based(module: Module) -> None:
    configs = resources_of(module("functionapp"), "Microsoft.Web/sites/config")
    (settings,) = [body(c) for c in configs.values() if body(c)["name"] == "appsettings"]
    props = settings["properties"]
    assert "AzureWebJobsStorage" not in props  # a connection string would carry a key
    assert props["AzureWebJobsStorage__credential"] == "managedidentity"
    assert props["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert (
        props["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
        == "ClientId=${identityClientId};Authorization=AAD"
    )
    # Secrets arrive as Key Vault references, never as values.
    for name in ("PARLEY_API_KEYS", "PARLEY_AGENT_KEYS", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        assert str(props[name]).startswith("${secretRef}"), name
    secret_ref = str(module("functionapp")["variables"]["secretRef"]["value"])
    assert secret_ref.startswith("@Microsoft.KeyVault(SecretUri=")


def test_easy_auth_is_a_parameter(module: Module) -> None:
    fn = module("functionapp")
    configs = resources_of(fn, "Microsoft.Web/sites/config")
    (auth,) = [c for c in configs.values() if body(c)["name"] == "authsettingsV2"]
    assert auth["config"]["condition"] == "easyAuthEnabled"
    assert fn["parameters"]["easyAuthEnabled"]["default"] is False


def test_agent_secrets_come_from_key_vault(module: Module) -> None:
    agent = module("agent")
    secrets = agent["variables"]["appSecrets"]["value"]["config"]
    assert set(secrets) == {"name", "keyVaultUrl", "identity"}
    assert secrets["identity"] == "identityId"
    registries = one(agent, "Microsoft.App/containerApps")["properties"]["configuration"][
        "registries"
    ]
    assert registries == [{"server": "registryServer", "identity": "identityId"}]


def test_self_hosted_livekit_is_optional_and_carries_udp(main_bicep: Tree, module: Module) -> None:
    assert main_bicep["modules"]["livekit"]["config"]["condition"] == "livekitSelfHosted"
    assert main_bicep["parameters"]["livekitSelfHosted"]["default"] is False
    group = one(module("livekit"), "Microsoft.ContainerInstance/containerGroups")["properties"]
    protocols = {p["protocol"] for p in group["ipAddress"]["ports"]}
    assert protocols == {"TCP", "UDP"}
    env = group["containers"][0]["properties"]["environmentVariables"]
    keys = [e for e in env if e["name"] == "LIVEKIT_KEYS"]
    assert keys and "secureValue" in keys[0] and "value" not in keys[0]
