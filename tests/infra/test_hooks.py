"""The azd hooks run for real here, against stand-in `azd` and `az` commands."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from agent_app.settings import AgentSettings
from functions.settings import ApiSettings
from tests.infra.helpers import BICEP_DIR, ROOT

HOOKS = BICEP_DIR / "hooks"

AZD_VALUES = {
    "AZURE_ENV_NAME": "dev",
    "AZURE_PRINCIPAL_ID": "11111111-2222-3333-4444-555555555555",
    "AZURE_RESOURCE_GROUP": "rg-dev",
    "AZURE_KEY_VAULT_NAME": "kv-abc",
    "AZURE_FUNCTION_APP_NAME": "func-abc",
    "AZURE_EVENT_GRID_SYSTEM_TOPIC_NAME": "evgt-abc",
    "SERVICE_API_URI": "https://func-abc.azurewebsites.net",
    "UPLOADS_CONTAINER": "uploads",
    "LIVEKIT_URL": "wss://parley.livekit.cloud",
    "AGENT_NAME": "parley-agent",
    "COSMOS_ENDPOINT": "https://cosmos-abc.documents.azure.com:443/",
    "COSMOS_DATABASE": "parley",
    "STORAGE_ACCOUNT_URL": "https://stabc.blob.core.windows.net/",
    "REDIS_HOST": "redis-abc.eastus.redis.azure.net",
    "AZURE_OPENAI_ENDPOINT": "https://ais-abc.openai.azure.com/",
    "AZURE_OPENAI_DEPLOYMENT": "gpt-4o-mini",
    "AZURE_SPEECH_REGION": "eastus",
    "AZURE_SPEECH_ENDPOINT": "https://ais-abc.cognitiveservices.azure.com/",
    "AZURE_SPEECH_RESOURCE_ID": "/subscriptions/x/resourceGroups/rg-dev/providers/y/ais-abc",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=k;IngestionEndpoint=https://e/",
}


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    """A copy of the hooks in a repo-shaped folder, with stand-in CLIs on PATH."""
    repo = tmp_path / "repo"
    shutil.copytree(HOOKS, repo / "bicep" / "hooks")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    values = "\n".join(f'{k}="{v}"' for k, v in AZD_VALUES.items())
    (tmp_path / "values").write_text(values + "\n")
    _script(
        bin_dir / "azd",
        f"""values={tmp_path / "values"}
case "$1 $2" in
  "env get-values") cat "$values" ;;
  "env get-value") sed -n "s/^$3=\\"\\(.*\\)\\"$/\\1/p" "$values" ;;
  *) exit 2 ;;
esac
""",
    )
    _script(
        bin_dir / "az",
        f"""echo "$@" >> {tmp_path / "az.log"}
case "$1 $2" in
  "keyvault secret") echo "secret-for-$7" ;;
  "functionapp keys") echo "blobkey123" ;;
  "eventgrid system-topic") ;;
  *) exit 2 ;;
esac
""",
    )
    return repo


def _run(repo: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{repo.parent / 'bin'}:{env['PATH']}"
    return subprocess.run(
        ["sh", str(repo / "bicep" / "hooks" / hook)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_hooks_are_valid_posix_sh() -> None:
    for script in HOOKS.glob("*.sh"):
        done = subprocess.run(
            ["sh", "-n", str(script)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{script.name}: {done.stderr}"


def test_postprovision_writes_a_keyless_env_for_make_up(fake_repo: Path) -> None:
    done = _run(fake_repo, "postprovision.sh")
    assert done.returncode == 0, done.stderr
    env_file = fake_repo / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    lines = [line for line in env_file.read_text().splitlines() if not line.startswith("#")]
    values = dict(line.split("=", 1) for line in lines)
    assert values["COSMOS_ENDPOINT"] == AZD_VALUES["COSMOS_ENDPOINT"]
    assert values["LIVEKIT_API_SECRET"] == "secret-for-livekit-api-secret"
    assert values["REDIS_URL"] == (
        f"rediss://{AZD_VALUES['AZURE_PRINCIPAL_ID']}@{AZD_VALUES['REDIS_HOST']}:10000"
    )
    assert values["COSMOS_KEY"] == "" and values["STORAGE_CONNECTION_STRING"] == ""
    # Every name written is one the API or the agent reads.
    known = {n.upper() for n in ApiSettings.model_fields} | {
        n.upper() for n in AgentSettings.model_fields
    }
    assert set(values) - known == set()


def test_postprovision_keeps_a_hand_written_env(fake_repo: Path) -> None:
    (fake_repo / ".env").write_text("MY_SETTING=1\n")
    assert _run(fake_repo, "postprovision.sh").returncode == 0
    assert (fake_repo / ".env.bak").read_text() == "MY_SETTING=1\n"


def test_postdeploy_subscribes_the_blob_trigger(fake_repo: Path) -> None:
    done = _run(fake_repo, "postdeploy.sh")
    assert done.returncode == 0, done.stderr
    calls = (fake_repo.parent / "az.log").read_text().splitlines()
    (create,) = [
        c for c in calls if c.startswith("eventgrid system-topic event-subscription create")
    ]
    endpoint = re.search(r"--endpoint (\S+)", create)
    assert endpoint is not None
    assert endpoint.group(1) == (
        "https://func-abc.azurewebsites.net/runtime/webhooks/blobs"
        "?functionName=Host.Functions.upload_landed&code=blobkey123"
    )
    assert "--included-event-types Microsoft.Storage.BlobCreated" in create
    assert "--subject-begins-with /blobServices/default/containers/uploads/" in create


def test_postdeploy_targets_the_real_blob_trigger() -> None:
    # The function name in the webhook URL must be the blob-triggered function's name.
    source = (ROOT / "function_app.py").read_text()
    trigger = re.search(r"@app\.blob_trigger\((.*?)\)\s*(?:async\s+)?def (\w+)", source, re.S)
    assert trigger is not None, "no blob trigger in function_app.py"
    args, name = trigger.groups()
    hook = (HOOKS / "postdeploy.sh").read_text()
    assert f"UPLOAD_FUNCTION_NAME:-{name}" in hook
    assert "source=func.BlobSource.EVENT_GRID" in args.replace(" ", "")
    assert 'path="uploads/' in args
    assert 'connection="AzureWebJobsStorage"' in args


def test_postdeploy_fails_loudly_without_a_provisioned_environment(fake_repo: Path) -> None:
    (fake_repo.parent / "values").write_text("")
    done = _run(fake_repo, "postdeploy.sh")
    assert done.returncode == 1
    assert "azd provision" in done.stderr
