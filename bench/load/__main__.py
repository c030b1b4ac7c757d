"""``python -m bench.load``: the API under locust while a real call runs (see the package)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bench.load
from bench.e2e.offline import OFFLINE_SENTENCES
from bench.e2e.stats import pct
from bench.e2e.worker import stop_leftover_children
from bench.load.locust_run import Credentials, LocustRun
from bench.load.report import TOTAL, failures, format_table, read_stats
from bench.running import run_in_work_dir
from harness.caller import call, synthesize
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET
from harness.stack import agent_on, full_stack

REPLY_TIMEOUT_S = 20.0
TOKEN_P99_TARGET_MS = 250.0
V2V_P95_TARGET_RATIO = 1.2


@dataclass(frozen=True)
class Target:
    """The API the users load and the call goes through."""

    base_url: str
    creds: Credentials


@contextlib.contextmanager
def own_stack(work: Path) -> Iterator[Target]:
    """Emulators, LiveKit, the API and an agent worker (offline providers) on free ports."""
    print("starting the emulators, LiveKit, the API and an agent worker ...", flush=True)
    with full_stack(work) as svc, agent_on(svc, work, stop_timeout=10):
        creds = Credentials(svc.api.api_key, svc.api.agent_key, svc.livekit_key, svc.livekit_secret)
        yield Target(svc.api.base_url, creds)


def call_sentences(turns: int) -> list[str]:
    return [OFFLINE_SENTENCES[i % len(OFFLINE_SENTENCES)] for i in range(turns)]


async def voice_to_voice(target: Target, turns: int) -> list[float]:
    """One call of ``turns`` turns; each answered turn's voice-to-voice in ms."""
    result = await call(
        target.base_url,
        target.creds.api_key,
        call_sentences(turns),
        REPLY_TIMEOUT_S,
        read_back=False,
    )
    return [t.latency_ms for t in result.turns if t.latency_ms is not None]


def describe(label: str, v2v: list[float], turns: int) -> str:
    if not v2v:
        return f"{label:<14} no turn answered (of {turns})"
    return (
        f"{label:<14} p50 {pct(v2v, 0.5):5.0f} ms  p95 {pct(v2v, 0.95):5.0f} ms  "
        f"answered {len(v2v)}/{turns}"
    )


async def measure(args: argparse.Namespace, work: Path, target: Target) -> int:
    idle: list[float] = []
    if args.turns:
        for sentence in call_sentences(args.turns):
            synthesize(sentence)  # cached: no speech synthesis while measuring
        print(f"idle call, {args.turns} turns ...", flush=True)
        idle = await voice_to_voice(target, args.turns)
    ramp = args.users / args.spawn_rate
    locust = LocustRun(work, target.base_url, target.creds, args.users, args.spawn_rate)
    print(
        f"locust: {args.users} users (+{args.spawn_rate:g}/s), at least {args.seconds:g} s",
        flush=True,
    )
    began = time.monotonic()
    locust.start(max_seconds=ramp + args.seconds + args.turns * 4 * REPLY_TIMEOUT_S)
    loaded: list[float] = []
    try:
        await asyncio.sleep(ramp)  # every user running before the call starts
        if args.turns:
            print(f"call under load, {args.turns} turns ...", flush=True)
            loaded = await voice_to_voice(target, args.turns)
        while locust.running() and time.monotonic() - began < ramp + args.seconds:
            await asyncio.sleep(0.5)
    finally:
        code = locust.stop()
    return report(args, locust, code, idle, loaded)


def report(
    args: argparse.Namespace, locust: LocustRun, code: int, idle: list[float], loaded: list[float]
) -> int:
    if not locust.stats_csv.exists():
        print(f"locust wrote no statistics (exit {code}):\n{locust.log_tail()}")
        return 1
    routes = read_stats(locust.stats_csv)
    load = os.getloadavg()
    print(f"\n== {args.users} users; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ==")
    print(format_table(routes))
    errors = sum(r.errors for r in routes if r.name == TOTAL)
    for line in failures(locust.failures_csv):
        print(f"  failed: {line}")
    tokens = [r for r in routes if r.name.startswith("token")]
    if tokens:
        worst = max(r.p99 for r in tokens)
        verdict = "met" if worst <= TOKEN_P99_TARGET_MS else "NOT met"
        print(f"token p99 (worst route) {worst:.0f} ms: target {TOKEN_P99_TARGET_MS:.0f} {verdict}")
    if args.turns:
        print("\ncall voice-to-voice")
        print(describe("idle", idle, args.turns))
        print(describe("under load", loaded, args.turns))
        if idle and loaded:
            ratio = pct(loaded, 0.95) / pct(idle, 0.95)
            verdict = "met" if ratio <= V2V_P95_TARGET_RATIO else "NOT met"
            print(f"p95 under load / idle {ratio:.2f}: target {V2V_P95_TARGET_RATIO} {verdict}")
    if errors or code != 0:
        print(f"\nFAILED: {errors} request errors (locust exit {code})")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=bench.load.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=50, help="users started a second")
    parser.add_argument("--seconds", type=float, default=60, help="least load time after ramp-up")
    parser.add_argument("--turns", type=int, default=6, help="turns of each call (0: no call)")
    parser.add_argument("--base-url", help="a running stack's API (default: start one)")
    parser.add_argument("--api-key", default="dev-api-key", help="with --base-url")
    parser.add_argument("--agent-key", default="dev-agent-key", help="with --base-url")
    parser.add_argument("--livekit-key", default=DEV_LIVEKIT_KEY, help="with --base-url")
    parser.add_argument("--livekit-secret", default=DEV_LIVEKIT_SECRET, help="with --base-url")
    parser.add_argument("--keep-logs", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.users < 1 or args.spawn_rate <= 0 or args.seconds < 0 or args.turns < 0:
        parser.error("--users and --spawn-rate must be positive, --seconds and --turns >= 0")

    def run(work: Path) -> int:
        with contextlib.ExitStack() as stack:
            if args.base_url:
                creds = Credentials(
                    args.api_key, args.agent_key, args.livekit_key, args.livekit_secret
                )
                target = Target(args.base_url.rstrip("/"), creds)
            else:
                target = stack.enter_context(own_stack(work))
            return asyncio.run(measure(args, work, target))

    return run_in_work_dir(
        "parley-bench-load-", run, keep_logs=args.keep_logs, finally_=stop_leftover_children
    )


if __name__ == "__main__":
    sys.exit(main())
