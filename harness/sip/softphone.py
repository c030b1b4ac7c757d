"""A baresip softphone (Debian ``baresip``) driven over its TCP control socket.

baresip reads its audio from a WAV file (``aufile``), plays what it hears into nothing
(``aubridge,nil``) and records both directions (``sndfile``), so a test can make it speak
a prepared sentence and afterwards transcribe what the far end said. Commands and events
are netstring-framed JSON on ``ctrl_tcp``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.ports import free_port, port_open
from harness.processes import ManagedProcess
from harness.sip.bridge import bindable, free_udp_port

MODULE_PATH = "/usr/lib/baresip/modules"
COMMAND_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class PhoneAccount:
    """Who the softphone is: its user and, for digest authentication, a password."""

    user: str = "caller"
    password: str | None = None
    auto_answer: bool = False
    host: str = "127.0.0.1"
    """The loopback address it calls from (127.0.0.2 plays a foreign source)."""


def _config(sip_port: int, ctrl_port: int, source: Path, record_dir: Path, host: str) -> str:
    return "\n".join(
        [
            "poll_method epoll",
            f"sip_listen {host}:{sip_port}",
            f"audio_source aufile,{source}",
            "audio_player aubridge,nil",
            "audio_alert aubridge,nil",
            "ausrc_srate 8000",
            "auplay_srate 8000",
            "ausrc_channels 1",
            "auplay_channels 1",
            f"module_path {MODULE_PATH}",
            "module g711.so",
            "module aufile.so",
            "module aubridge.so",
            "module sndfile.so",
            "module_app account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
            f"snd_path {record_dir}",
            "",
        ]
    )


def _free_sip_port(attempts: int = 50) -> int:
    """A port free for SIP over UDP and TCP, with the next one free for TLS (baresip 1.0.0
    always listens on all three, TLS one port up)."""
    for _ in range(attempts):
        port = free_udp_port()
        if bindable([port, port + 1], socket.SOCK_STREAM):
            return port
    raise RuntimeError("no free SIP port pair found")


def _account_line(account: PhoneAccount) -> str:
    params = ["regint=0", "audio_codecs=PCMU,PCMA"]
    if account.password is not None:
        params += [f"auth_user={account.user}", f"auth_pass={account.password}"]
    if account.auto_answer:
        params.append("answermode=auto")
    return f"<sip:{account.user}@{account.host}>;" + ";".join(params) + "\n"


def _netstring(payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    return str(len(body)).encode() + b":" + body + b","


@dataclass
class Softphone:
    """One running baresip with its control connection."""

    process: ManagedProcess
    sip_port: int
    record_dir: Path
    account: PhoneAccount
    _reader: asyncio.StreamReader
    _writer: asyncio.StreamWriter
    events: list[dict[str, Any]] = field(default_factory=list)
    _responses: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _tokens: itertools.count[int] = field(default_factory=itertools.count)
    _pump: asyncio.Task[None] | None = None

    @property
    def uri(self) -> str:
        """Where this phone can be rung."""
        return f"sip:{self.account.user}@{self.account.host}:{self.sip_port}"

    async def command(self, command: str, params: str = "") -> dict[str, Any]:
        """Run a baresip command (``dial``, ``hangup``, ``sndcode``, ``ausrc`` ...)."""
        token = str(next(self._tokens))
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._responses[token] = answer
        self._writer.write(_netstring({"command": command, "params": params, "token": token}))
        await self._writer.drain()
        response = await asyncio.wait_for(answer, COMMAND_TIMEOUT_S)
        if not response.get("ok", False):
            raise RuntimeError(f"baresip {command} {params!r} failed: {response}")
        return response

    async def dial(self, uri: str) -> None:
        await self.command("dial", uri)

    async def hangup(self) -> None:
        await self.command("hangup")

    async def send_digits(self, digits: str) -> None:
        """DTMF, one key at a time (RFC 4733 telephone events)."""
        for digit in digits:
            await self.command("sndcode", digit)

    async def speak(self, wav: Path) -> None:
        """From now on the phone's microphone plays ``wav`` (8 kHz mono 16-bit)."""
        await self.command("ausrc", f"aufile,{wav}")

    async def wait_event(self, *types: str, timeout: float = 30.0) -> dict[str, Any]:
        """The first event (seen so far or still to come) whose type is one of ``types``."""

        async def find() -> dict[str, Any]:
            while True:
                for event in self.events:
                    if event.get("type") in types:
                        return event
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(find(), timeout)
        except TimeoutError:
            seen = [e.get("type") for e in self.events]
            raise TimeoutError(f"no {types} within {timeout}s; events: {seen}") from None

    def heard(self) -> Path:
        """The recording of what this phone received in its last call."""
        decoded = sorted(self.record_dir.glob("*dec*.wav"), key=lambda p: p.stat().st_mtime)
        if not decoded:
            raise FileNotFoundError(f"no recording in {self.record_dir}")
        return decoded[-1]

    async def _read(self) -> None:
        while True:
            length = await self._reader.readuntil(b":")
            body = await self._reader.readexactly(int(length[:-1]))
            await self._reader.readexactly(1)  # the trailing comma
            message: dict[str, Any] = json.loads(body)
            if message.get("response"):
                pending = self._responses.pop(str(message.get("token")), None)
                if pending is not None and not pending.done():
                    pending.set_result(message)
            elif message.get("event"):
                self.events.append(message)
                self._changed.set()

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()
        self.process.stop()


SoftphoneStarter = Callable[[PhoneAccount], Awaitable[Softphone]]
"""Starts a softphone for an account (the tests' ``softphones`` fixture)."""


async def start_softphone(
    work: Path, name: str, idle_source: Path, account: PhoneAccount | None = None
) -> Softphone:
    """A baresip on free loopback ports, its microphone playing ``idle_source``."""
    exe = shutil.which("baresip")
    if exe is None:
        raise RuntimeError("baresip is not installed (make system-deps installs it)")
    account = account or PhoneAccount()
    sip_port, ctrl_port = _free_sip_port(), free_port()
    home = work / f"baresip-{name}-{sip_port}"
    record_dir = home / "recordings"
    record_dir.mkdir(parents=True)
    (home / "config").write_text(
        _config(sip_port, ctrl_port, idle_source, record_dir, account.host)
    )
    (home / "accounts").write_text(_account_line(account))
    (home / "contacts").write_text("")
    proc = ManagedProcess(
        f"baresip-{name}-{sip_port}", [exe, "-f", str(home), "-n", account.host], work
    ).start()
    await asyncio.to_thread(proc.wait_ready, lambda: port_open(ctrl_port), 20)
    reader, writer = await asyncio.open_connection("127.0.0.1", ctrl_port)
    phone = Softphone(proc, sip_port, record_dir, account, reader, writer)
    phone._pump = asyncio.create_task(phone._read())
    return phone
