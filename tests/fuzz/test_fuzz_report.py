"""tools/fuzz.py's report of slow inputs and --retime (a campaign beside other work).

No test here depends on how fast this machine is: the times are given, or the verdict
compares a quick input with a bound of 60 s.
"""

from __future__ import annotations

from collections import Counter

from ._support import ROOT, load_fuzzer


def test_every_input_over_the_slow_bound_is_listed_with_its_times() -> None:
    fuzz = load_fuzzer()
    tally = fuzz.Tally(2.0)
    tally.add(fuzz.Outcome("scenario", 1, "run:json", "ran", seconds=0.1, size=10, cpu=0.1))
    tally.add(fuzz.Outcome("scenario", 2, "run:json", "refused", seconds=2.5, size=10, cpu=0.4))
    tally.add(fuzz.Outcome("api", 3, "browser", "hang", "Hang@browser", seconds=10.2, size=99))
    summary = tally.summary()
    assert summary["inputs"] == 3
    assert summary["totals"] == {"ran": 1, "refused": 1, "hang": 1}
    assert [(r["input"], r["outcome"], r["seconds"], r["cpu"]) for r in summary["slow"]] == [
        ("api:3", "hang", 10.2, None), ("scenario:2", "refused", 2.5, 0.4)]
    assert list(summary["classes"]) == ["Hang@browser"]


def test_a_fast_batch_counts_its_slow_inputs_with_the_hangs() -> None:
    fuzz = load_fuzzer()
    tally = fuzz.Tally(2.0)
    hang = fuzz.Outcome("message", 7, "explain-error", "hang", "Hang@explain-error", seconds=5.0, size=1)
    slow = fuzz.Outcome("message", 8, "explain-error", "ran", seconds=3.0, size=1, cpu=0.2)
    tally.add_counts("message", Counter({"ran": 198, "hang": 1, "refused": 1}), [hang], [hang, slow])
    summary = tally.summary()
    assert summary["inputs"] == 200
    assert [r["input"] for r in summary["slow"]] == ["message:7", "message:8"]


def test_retime_tells_contention_from_a_slow_input() -> None:
    fuzz = load_fuzzer()
    # seed 0, message:1 is a short console line: quick alone, so 5 s in the run was contention
    rows = [{"input": "message:1", "kind": "explain-error", "outcome": "ran", "seconds": 5.0, "cpu": 0.1, "size": 1}]
    (row,) = fuzz.retime(ROOT, 0, rows, False, 60.0, 2.0)
    assert row["verdict"] == "contention"
    assert row["alone_outcome"] in ("ran", "refused") and row["alone_seconds"] < 60
    (fast,) = fuzz.retime(ROOT, 0, rows, True, 60.0, 2.0)
    assert fast["verdict"] == "contention"
    # a bound no input meets: every re-timed input is "slow" (the verdict follows the bound)
    (strict,) = fuzz.retime(ROOT, 0, rows, False, 60.0, 0.0)
    assert strict["verdict"] == "slow"
