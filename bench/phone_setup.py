"""Phone call set-up over the real SIP path: baresip dials livekit-sip, the agent answers.

For each call: INVITE sent → call answered (200 OK) → the agent's first audio heard at the
caller (the first voiced 20 ms in the phone's recording of what it received, which starts
when media starts flowing). Prints p50/p95 over ``--calls`` calls, one after another.
Run it alone (``flock /work/bench.lock``): it shares the machine's cores with the stack.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from harness.sip import phone_audio
from harness.sip.calls import said_by, session_of_call, transcript_when
from harness.sip.softphone import PhoneAccount, start_softphone
from harness.sip.stack import phone_stack
from harness.stack import agent_on

NUMBER = "+15550900"
VOICED_RMS = 300.0
FRAME = phone_audio.PHONE_RATE // 50  # 20 ms


def first_voice_s(recording: Path) -> float | None:
    pcm, rate = phone_audio.read_wav(recording)
    for start in range(0, len(pcm) - FRAME, FRAME):
        frame = pcm[start : start + FRAME].astype(np.float64)
        if float(np.sqrt(np.mean(frame**2))) > VOICED_RMS:
            return start / rate
    return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run(calls: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="parley-bench-phone-"))
    idle = phone_audio.write_wav(work / "idle.wav", phone_audio.quiet_line(120))
    with (
        phone_stack(work) as phones,
        agent_on(phones.stack, work, extra_env={"PARLEY_API_URL": phones.api.base_url}),
    ):
        headers = phones.key("default")
        async with httpx.AsyncClient(base_url=phones.api.base_url, timeout=30) as api:
            body = {"number": NUMBER, "allowedAddresses": ["127.0.0.1/32"]}
            (await api.post("/api/numbers", json=body, headers=headers)).raise_for_status()
            answered, first_audio = [], []
            for i in range(calls):
                user = f"bench{i}"
                phone = await start_softphone(work, user, idle, PhoneAccount(user=user))
                try:
                    sent = time.perf_counter()
                    await phone.dial(phones.bridge.uri(NUMBER))
                    await phone.wait_event("CALL_ESTABLISHED", timeout=30)
                    up = time.perf_counter() - sent
                    session = await session_of_call(api, headers, "default", user, 30)
                    sid = str(session["sessionId"])
                    await transcript_when(api, headers, sid, said_by("assistant", 1), 60)
                    await phone.hangup()
                    await phone.wait_event("CALL_CLOSED", timeout=15)
                finally:
                    await phone.close()
                voice = first_voice_s(phone.heard())
                if voice is None:
                    print(f"call {i}: no audio heard")
                    continue
                answered.append(up * 1000)
                first_audio.append((up + voice) * 1000)
                print(f"call {i}: answered {up * 1000:.0f} ms, heard {first_audio[-1]:.0f} ms")
    for name, values in (("INVITE→answered", answered), ("INVITE→first agent audio", first_audio)):
        print(
            f"{name}: n={len(values)} p50={statistics.median(values):.0f} ms "
            f"p95={pct(values, 0.95):.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    asyncio.run(run(parser.parse_args().calls))


if __name__ == "__main__":
    main()
