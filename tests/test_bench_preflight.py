"""benchmarks/bench_preflight.py's --baseline plumbing: argument parsing, the order of the
alternating child runs, and how the two sides' rows are merged (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_preflight.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_preflight", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_preflight"] = module
    spec.loader.exec_module(module)
    return module


def row(key: str, value: float, unit: str = "us", goal: float | None = None, status: str = "",
        note: str = "") -> dict[str, object]:
    return {"key": key, "measure": f"the {key}", "value": value, "unit": unit, "goal": goal, "status": status,
            "note": note}


def test_baseline_arguments(bench: Any) -> None:
    args = bench.parse_args(["--baseline", "530fead", "--skip", "history,stream", "--quick"])
    assert args.baseline == "530fead" and args.skip == {"history", "stream"} and args.rounds == 2
    assert bench.side_args(args) == ["--side", "--quick", "--skip", "history,stream"]
    plain = bench.parse_args([])
    assert plain.baseline is None and plain.skip == set() and bench.side_args(plain) == ["--side"]


@pytest.mark.parametrize("argv", [["--skip", "exchange,nosuch"], ["--rounds", "0"],
                                  ["--baseline", "HEAD", "--side"]])
def test_bad_arguments_are_refused(bench: Any, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as e:
        bench.parse_args(argv)
    assert e.value.code == 2


def test_runs_alternate_so_load_weighs_on_both_sides(bench: Any) -> None:
    assert bench.side_order(1) == ["base", "current"]
    assert bench.side_order(3) == ["base", "current", "current", "base", "base", "current"]


def test_rows_are_merged_by_key_with_medians_and_the_current_goal(bench: Any) -> None:
    base = [{"rows": [row("off_us", 50.0), row("ratio", 3.0, "x", 2.0, "MISS")]},
            {"rows": [row("off_us", 54.0), row("ratio", 3.4, "x", 2.0, "MISS"), row("gone_us", 9.0)]}]
    current = [{"rows": [row("off_us", 40.0), row("ratio", 2.2, "x", 2.0, "MISS"), row("new_us", 1.0)]},
               {"rows": [row("off_us", 44.0), row("ratio", 1.8, "x", 2.0, "PASS"), row("new_us", 3.0)]}]
    merged = {r["key"]: r for r in bench.merge_sides(base, current)}
    assert list(merged) == ["off_us", "ratio", "new_us", "gone_us"]  # current's order, then REV's own
    assert (merged["off_us"]["base"], merged["off_us"]["current"]) == (52.0, 42.0)
    assert merged["off_us"]["base_runs"] == [50.0, 54.0]
    # The status is the current side's median against the goal.
    assert (merged["ratio"]["current"], merged["ratio"]["goal"], merged["ratio"]["status"]) == (2.0, 2.0, "PASS")
    # A row one side cannot measure is None, shown "n/a".
    assert merged["new_us"]["base"] is None and merged["new_us"]["current"] == 2.0
    assert merged["gone_us"]["current"] is None and merged["gone_us"]["status"] == ""
    out = io.StringIO()
    bench.print_baseline(list(merged.values()), "530fead1fd07abc", {"530fead1fd07": {"cli": "TypeError: x"}}, out)
    lines = out.getvalue().splitlines()
    assert "530fead1fd07" in lines[0] and "current" in lines[0]
    new = next(line for line in lines if line.startswith("the new_us"))
    assert new.split()[2] == "n/a" and "2.0 us" in new
    assert lines[-1] == "530fead1fd07: section cli could not run: TypeError: x"


def test_a_history_row_stopped_at_its_budget_stays_a_miss(bench: Any) -> None:
    stopped = row("history_flat", 1.1, "x", 1.25, "MISS", "stopped after 6000 of 16000 requests (45 s budget)")
    merged = bench.merge_sides([], [{"rows": [stopped]}])
    assert merged[0]["status"] == "MISS" and merged[0]["base"] is None
