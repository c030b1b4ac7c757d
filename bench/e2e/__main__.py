"""``python -m bench.e2e``: start the stack, run part 1 and part 2, print and dump."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from types import FrameType

import bench.e2e
from bench.e2e.concurrency import PROMPT_SENTENCES, concurrency_part
from bench.e2e.offline import OFFLINE_SENTENCES, offline_part
from bench.e2e.records import Timing
from bench.e2e.sampling import CORES
from bench.e2e.worker import stop_leftover_children
from harness.caller import synthesize
from harness.stack import full_stack


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


async def main_async(args: argparse.Namespace, work: Path) -> None:
    timing = Timing.of_agent()
    for sentence in {*OFFLINE_SENTENCES, *PROMPT_SENTENCES}:
        synthesize(sentence)  # cached: no speech synthesis while measuring
    load = os.getloadavg()
    print(
        f"machine: {CORES} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"at start; logs in {work}"
    )
    started = time.monotonic()
    print("starting Azurite, the Cosmos emulator, LiveKit and the API ...", flush=True)
    with full_stack(work) as svc:
        print(f"  up in {time.monotonic() - started:.0f} s", flush=True)
        dump: list[dict[str, object]] = []
        if not args.skip_offline:
            part_started = time.monotonic()
            for r in await offline_part(work, svc, args.turns, timing):
                dump.append({"part": "offline", **asdict(r)})
            print(f"(part 1 took {time.monotonic() - part_started:.0f} s)")
        if not args.skip_concurrency:
            part_started = time.monotonic()
            levels = await concurrency_part(
                work, svc, args.turns, args.max_calls, timing, args.keep_going
            )
            for level in levels:
                for r in level.records:
                    row = {"part": "concurrency", "calls": level.calls, **asdict(r)}
                    dump.append({**row, "adjusted_ms": level.adjusted_ms(r)})
            print(f"(part 2 took {time.monotonic() - part_started:.0f} s)")
        if args.dump:
            args.dump.write_text("".join(json.dumps(row) + "\n" for row in dump))
            print(f"per-turn records written to {args.dump}")
    load = os.getloadavg()
    print(
        f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end; "
        f"total {time.monotonic() - started:.0f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.e2e",
        description=bench.e2e.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--turns", type=int, default=20, help="turns in part 1, and samples per level in part 2"
    )
    parser.add_argument("--max-calls", type=int, default=16)
    parser.add_argument("--skip-offline", action="store_true")
    parser.add_argument("--skip-concurrency", action="store_true")
    parser.add_argument(
        "--keep-going", action="store_true", help="measure up to --max-calls past the limit"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the work directory")
    parser.add_argument("--dump", type=Path, help="write every turn as a JSON line here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="parley-bench-e2e-"))
    keep, status = args.keep_logs, 0
    try:
        asyncio.run(main_async(args, work))
    except KeyboardInterrupt:
        keep, status = True, 130
        print("\ninterrupted; everything it started is stopped")
    except BaseException:
        keep = True
        raise
    finally:
        stop_leftover_children()
        if keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
