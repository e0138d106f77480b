"""A short fixed-budget run of tools/fuzz.py: no input may end in a traceback or a hang.

The longer run is one command (docs/limits.md, "Fuzzing"):
``python3 tools/fuzz.py --inputs 1000000 --time-limit 3600 --seed 16 --jobs 2 --report fuzz.json``.
"""

from __future__ import annotations

import json
import time

from ._support import ROOT, load_fuzzer

BUDGET = 300
SEED = 0


def test_fixed_budget_has_no_traceback_and_no_hang() -> None:
    fuzz = load_fuzzer()
    started = time.monotonic()
    results = fuzz.run_fuzz(ROOT, SEED, fuzz.TARGETS, BUDGET, 2, 2.0, False)
    summary = fuzz.summarize(results)
    assert summary["inputs"] == BUDGET
    assert time.monotonic() - started < 60
    assert summary["classes"] == {}, "\n" + "\n".join(
        f"{c['count']} x {key} (e.g. python3 tools/fuzz.py --seed {SEED} --replay {c['smallest']})"
        for key, c in summary["classes"].items())


def test_inputs_are_reproducible() -> None:
    """An input is made from (seed, target, index) alone: --replay makes the same one."""
    fuzz = load_fuzzer()
    seeds = fuzz.Seeds.load(ROOT)
    for target in fuzz.TARGETS:
        for index in range(20):
            a = fuzz.make_case(seeds, SEED, target, index)
            b = fuzz.make_case(seeds, SEED, target, index)
            assert (a.argv, a.files) == (b.argv, b.files)
            assert json.dumps(a.call, default=repr) == json.dumps(b.call, default=repr)  # NaN != NaN
