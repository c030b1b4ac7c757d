"""A synthetic caller: joins a room through the API, speaks open sentences in a natural
voice (Festival's, not the agent's) over real WebRTC, waits for each spoken reply and
reports voice-to-voice latency per turn and what the agent heard beside what was said.

    .venv/bin/python -m scripts.caller --api http://127.0.0.1:7071 --key dev-api-key

Exit 0 only when every turn got a spoken reply, the transcript read back from the API
holds every turn, and the agent heard at least 90% of the words said. The caller itself
is ``harness.caller``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from harness.caller import DEFAULT_SENTENCES, CallResult, call

MIN_WORD_ACCURACY = 0.9


def report(result: CallResult) -> bool:
    print(f"session {result.session_id} in room {result.room}")
    heard = result.heard
    for i, turn in enumerate(result.turns):
        latency = f"{turn.latency_ms:7.0f} ms" if turn.latency_ms is not None else "  no reply"
        print(f"  turn {i}: voice-to-voice {latency}")
        print(f"    said  {turn.said!r}")
        print(f"    heard {heard[i]!r}" if i < len(heard) else "    heard nothing")
    for extra in heard[len(result.turns) :]:
        print(f"    heard {extra!r} (one sentence heard as two turns)")
    accuracy = result.word_accuracy
    print(f"word accuracy {accuracy:.0%} (needs {MIN_WORD_ACCURACY:.0%})")
    print("transcript:")
    for item in result.transcript:
        print(f"  [{item['turnIndex']}] {item['role']:>9}: {item['text']}")
    roles = [i["role"] for i in result.transcript]
    complete = roles.count("user") >= len(result.turns) and roles.count("assistant") >= len(
        result.turns
    )
    problems = [
        *([] if result.all_replied else ["missing replies"]),
        *([] if complete else ["transcript incomplete"]),
        *([] if accuracy >= MIN_WORD_ACCURACY else ["the agent misheard"]),
    ]
    print("OK" if not problems else "FAILED: " + ", ".join(problems))
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api", default="http://127.0.0.1:7071")
    parser.add_argument("--key", default="dev-api-key")
    parser.add_argument("--reply-timeout", type=float, default=15.0)
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    parser.add_argument("sentences", nargs="*", default=DEFAULT_SENTENCES)
    args = parser.parse_args()
    result = asyncio.run(call(args.api, args.key, args.sentences, args.reply_timeout))
    ok = report(result)
    if args.json:
        print(json.dumps({"latencies_ms": [t.latency_ms for t in result.turns]}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
