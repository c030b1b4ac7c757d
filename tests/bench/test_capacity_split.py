"""The capacity bench splits each turn's voice-to-voice at the worker's two marks."""

from __future__ import annotations

from bench.capacity.callers import CallOutcome, Turn
from bench.capacity.levels import TURN_MARK, split_turns, turn_marks

LOG = f"""\
{TURN_MARK} room=a heard_until=1000.150000
bench-gc-pause gen=2 ms=12.0
{TURN_MARK} room=a replying_at=1000.650000
{{"message": "turn metrics"}}
{TURN_MARK} room=b heard_until=2000.200000
{TURN_MARK} room=a heard_until=1010.300000
{TURN_MARK} room=a replying_at=1010.800000
"""


def test_marks_are_read_per_room() -> None:
    marks = turn_marks(LOG)
    assert marks == {
        "a": {"heard_until": [1000.15, 1010.3], "replying_at": [1000.65, 1010.8]},
        "b": {"heard_until": [2000.2]},
    }


def test_turns_split_at_the_marks_on_the_callers_clock() -> None:
    # the callers' clock reads 0 at Unix time 990
    call = CallOutcome(
        room="a",
        turns=[Turn("one", 10.0, 10.67), Turn("two", 20.0, 20.82)],
        unix_offset=990.0,
    )
    splits = split_turns([call], turn_marks(LOG))
    assert [(round(s.inbound), round(s.agent), round(s.outbound)) for s in splits] == [
        (150, 500, 20),
        (300, 500, 20),
    ]


def test_a_turn_without_both_marks_or_a_clock_is_left_out() -> None:
    marks = turn_marks(LOG)
    no_reply_mark = CallOutcome(room="b", turns=[Turn("x", 1010.0, 1010.9)], unix_offset=990.0)
    no_clock = CallOutcome(room="a", turns=[Turn("y", 10.0, 10.67)])
    unanswered = CallOutcome(room="a", turns=[Turn("z", 10.0, None)], unix_offset=990.0)
    assert split_turns([no_reply_mark, no_clock, unanswered], marks) == []
