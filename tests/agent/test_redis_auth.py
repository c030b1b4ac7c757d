"""Entra ID auth to Redis, against a real redis-server whose ACL plays Azure Managed Redis:
the identity's object id is the user and a current Entra token is the password."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import pytest
import redis
from azure.core.credentials import AccessToken

from agent_app.recovery.liveness import LivenessOptions, _client
from agent_app.recovery.redis_auth import ENTRA_SCOPE, connection_args
from agent_app.recovery.state import RedisStateStore, SessionSnapshot


@dataclass
class FakeEntra:
    """Hands out the current token, as azure-identity would; records the scopes asked."""

    token: str
    scopes: list[tuple[str, ...]] = field(default_factory=list)

    def get_token(self, *scopes: str, **_: object) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture
def entra_redis(redis_url: str) -> tuple[str, str, str]:
    """A user named like a managed identity, allowed in with one token only."""
    user, token = str(uuid.uuid4()), f"tok-{uuid.uuid4().hex}"
    admin = redis.Redis.from_url(redis_url)
    admin.acl_setuser(user, enabled=True, passwords=[f"+{token}"], keys=["*"], commands=["+@all"])
    admin.close()
    host_port = redis_url.removeprefix("redis://").split("/")[0]
    return f"redis://{user}@{host_port}/0", user, token


def test_a_url_with_a_password_or_no_user_is_left_as_it_is() -> None:
    assert connection_args("redis://127.0.0.1:6379/0", None) == ("redis://127.0.0.1:6379/0", {})
    url = "rediss://u:secret@host:10000"
    assert connection_args(url, None) == (url, {})


async def test_the_agent_authenticates_with_an_entra_token(
    entra_redis: tuple[str, str, str],
) -> None:
    url, user, token = entra_redis
    entra = FakeEntra(token)
    bare, auth = connection_args(url, None, credential=entra)
    assert user not in bare, "the user moves from the URL into the credential provider"

    sync_client = redis.Redis.from_url(bare, **auth)
    assert sync_client.acl_whoami() == user
    sync_client.close()

    store = RedisStateStore(url, 60, credential=entra)
    await store.save(SessionSnapshot(session_id="RM_entra", room_name="r"))
    loaded = await store.load("RM_entra")
    await store.aclose()
    assert loaded is not None and loaded.room_name == "r"
    assert entra.scopes and all(s == (ENTRA_SCOPE,) for s in entra.scopes)


def test_a_wrong_token_is_refused(entra_redis: tuple[str, str, str]) -> None:
    url, _, _ = entra_redis
    bare, auth = connection_args(url, None, credential=FakeEntra("expired-or-wrong"))
    client = redis.Redis.from_url(bare, **auth)
    with pytest.raises(redis.AuthenticationError):
        client.ping()
    client.close()


def test_liveness_clients_use_the_same_auth(entra_redis: tuple[str, str, str]) -> None:
    url, user, _ = entra_redis
    client = _client(url, LivenessOptions())
    # no managed identity here: the provider exists, and azure-identity fails to get a token
    provider = client.connection_pool.connection_kwargs.get("credential_provider")
    assert provider is not None and provider.username == user
    client.close()
