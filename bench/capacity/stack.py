"""The services the capacity bench runs on the stack core, the agent worker it pins to
the worker core, and what it reads from that worker while it runs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.capacity import pinning
from bench.running import tree
from harness.agent import start_agent
from harness.processes import ManagedProcess
from harness.redis_server import start_redis
from harness.stack import Stack, full_stack


@contextlib.contextmanager
def stack(work: Path, with_redis: bool) -> Iterator[tuple[Stack, str | None]]:
    """``harness.full_stack()`` and, unless told otherwise, Redis (session leases)."""
    with contextlib.ExitStack() as stop:
        redis_url = None
        if with_redis:
            redis = start_redis(work)
            stop.callback(redis.stop)
            redis_url = redis.url
        yield stop.enter_context(full_stack(work)), redis_url


def worker_env(args: argparse.Namespace, redis_url: str | None) -> dict[str, str]:
    env = {
        "BENCH_STT": args.stt,
        "BENCH_STT_ENDPOINT": args.stt_endpoint,
        "BENCH_MEDIA": args.media,
        "JOB_EXECUTOR": args.executor,
        "TURN_DETECTION": args.turn_detection,
        # the benchmark wants latency to degrade, not calls refused: neither by the worker
        # (LOAD_THRESHOLD) nor by the server, which offers no job to a worker whose load is
        # above its target_load (harness.livekit sets 2.0; CALLS_PER_CORE would pass it)
        "LOAD_THRESHOLD": "inf",
        "MAX_CALLS": str(10 * args.max_calls),
        "MIN_ENDPOINTING_DELAY_SECONDS": str(args.endpointing),
        "MAX_ENDPOINTING_DELAY_SECONDS": str(args.endpointing),
        "LOG_LEVEL": "INFO",
    }
    if args.idle is not None:
        env["NUM_IDLE_PROCESSES"] = str(args.idle)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    return env


def start_worker(
    args: argparse.Namespace, work: Path, svc: Stack, redis_url: str | None
) -> ManagedProcess:
    """``bench.capacity.worker`` pinned to the worker core (its whole tree inherits it)."""
    with pinning.pinned({args.worker_core}):
        return start_agent(
            work,
            svc.livekit.ws_url,
            svc.api.base_url,
            svc.api.agent_key,
            redis_url,
            name="capacity-worker",
            module="bench.capacity.worker",
            extra_env=worker_env(args, redis_url),
        )


def worker_status(worker: ManagedProcess) -> dict[str, object]:
    url = f"http://127.0.0.1:{worker.env['HEALTH_PORT']}/worker"
    with urllib.request.urlopen(url, timeout=2) as resp:
        status: dict[str, object] = json.loads(resp.read())
        return status


def active_jobs(worker: ManagedProcess) -> int:
    value = worker_status(worker).get("active_jobs", 0)
    return int(value) if isinstance(value, int) else 0


def work_dir(worker: ManagedProcess) -> Path:
    return worker.log_path.parent


async def settle(worker_pid: int, quiet_for: float, timeout: float) -> None:
    """Until the worker's process count has held still for ``quiet_for`` seconds (the
    pool replacing processes it handed to calls loads models: a burst of CPU)."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(tree(worker_pid))
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet_for:
            return
        await asyncio.sleep(0.25)
