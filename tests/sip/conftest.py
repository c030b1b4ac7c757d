"""One phone stack for the SIP tests: Redis, LiveKit, livekit-sip, the API and an agent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from harness.emulators import Emulators
from harness.processes import ManagedProcess
from harness.sip import phone_audio
from harness.sip.softphone import PhoneAccount, Softphone, SoftphoneStarter, start_softphone
from harness.sip.stack import PhoneStack, phone_stack
from harness.stack import agent_on


@pytest.fixture(scope="session")
def phones(emulators: Emulators, work_dir: Path) -> Iterator[PhoneStack]:
    with phone_stack(work_dir, emulators) as running:
        yield running


@pytest.fixture(scope="session")
def phone_agent(phones: PhoneStack, work_dir: Path) -> Iterator[ManagedProcess]:
    """The agent worker, serving every tenant's calls through the tenant-aware API, with
    Redis (leases and snapshots: a call outlives its worker)."""
    with agent_on(
        phones.stack,
        work_dir,
        name="phone-agent",
        redis_url=phones.redis.url,
        extra_env={"PARLEY_API_URL": phones.api.base_url},
    ) as proc:
        yield proc


@pytest.fixture(scope="session")
def quiet_line(work_dir: Path) -> Path:
    """What a softphone sends while nobody speaks."""
    return phone_audio.write_wav(work_dir / "quiet-line.wav", phone_audio.quiet_line(600))


@pytest.fixture
async def api(phones: PhoneStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=phones.api.base_url, timeout=30) as client:
        yield client


DEV_NUMBER = "+15550100"


@pytest.fixture(scope="session")
async def dev_number(phones: PhoneStack) -> str:
    """The default tenant's number, callable from loopback (as `make up` registers it)."""
    async with httpx.AsyncClient(base_url=phones.api.base_url, timeout=30) as client:
        resp = await client.post(
            "/api/numbers",
            json={"number": DEV_NUMBER, "allowedAddresses": ["127.0.0.1/32"]},
            headers=phones.key("default"),
        )
        assert resp.status_code == 201, resp.text
    return DEV_NUMBER


@pytest.fixture
async def softphones(work_dir: Path, quiet_line: Path) -> AsyncIterator[SoftphoneStarter]:
    """Starts softphones (quiet until told to speak); all closed when the test ends."""
    started: list[Softphone] = []

    async def start(account: PhoneAccount) -> Softphone:
        phone = await start_softphone(work_dir, account.user, quiet_line, account)
        started.append(phone)
        return phone

    yield start
    for phone in started:
        await phone.close()
