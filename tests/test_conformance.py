"""The engine profiles agree with what the real engines did (records in conformance/observed/).

These records come from `cors-spec conformance --engine all --record conformance/observed/.json
spec_traces/`; this test needs no browser. CI also reruns the engines live.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cors_spec.scenario.conformance import compare, load_known_differences
from cors_spec.scenario.format import load_scenario

ROOT = Path(__file__).resolve().parent.parent
RECORDS = sorted((ROOT / "conformance" / "observed").glob("*.json"))
KNOWN = load_known_differences(ROOT / "conformance" / "known-differences.json")
SCENARIOS = {s.name: s for s in (load_scenario(p) for p in sorted((ROOT / "spec_traces").glob("*.json")))}


def test_every_engine_has_a_record() -> None:
    assert {p.stem for p in RECORDS} == {"chromium", "firefox", "webkit"}


@pytest.mark.parametrize("record", RECORDS, ids=[p.stem for p in RECORDS])
def test_profile_matches_engine(record: Path) -> None:
    report = compare(json.loads(record.read_text()), SCENARIOS, KNOWN)
    assert report.compared >= 300
    problems = [f"{d.scenario}[{d.request}]: {d.fields}" for d in report.unexplained]
    assert not problems, "\n".join(problems)
    assert not report.false_allows, "a known difference may never be a false allow"


def test_known_differences_are_all_still_needed() -> None:
    used = set()
    for record in RECORDS:
        report = compare(json.loads(record.read_text()), SCENARIOS, KNOWN)
        used |= {d.known for d in report.disagreements if d.known is not None}
    steady = {k for k in KNOWN if not k.flaky}  # a flaky one may not show in a given run
    assert steady <= used, f"stale known differences: {steady - used}"


def test_conformance_doc_is_up_to_date() -> None:
    """docs/conformance.md is generated from the profiles and the records."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_conformance_doc.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_retries_report_a_scenario_that_agrees_on_a_second_run_as_flaky(monkeypatch: pytest.MonkeyPatch) -> None:
    """A live difference that goes away when the scenario runs again is flaky, not a failure."""
    import io

    from cors_spec.cli import conformance as _cmd_conformance
    from cors_spec.cli import main

    good = json.loads((ROOT / "conformance" / "observed" / "chromium.json").read_text())
    run = next(r for r in good["scenarios"] if r["name"] == "check-acao-star")
    bad_run = json.loads(json.dumps(run))
    bad_run["observations"][0]["outcome"] = "network-error"
    calls: list[list[str]] = []

    def fake(engines: list[str], scenarios: list[object]) -> list[dict[str, object]]:
        calls.append([getattr(s, "name", "") for s in scenarios])
        return [{**good, "scenarios": [bad_run if len(calls) == 1 else run]}]

    monkeypatch.setattr(_cmd_conformance, "_run_engines", fake)
    out = io.StringIO()
    path = str(ROOT / "spec_traces" / "check-acao-star.json")
    assert main(["conformance", "--engine", "chromium", "--retries", "1", path], out, io.StringIO()) == 0
    assert calls == [["check-acao-star"], ["check-acao-star"]]
    assert "flaky (differed, then agreed when run again): chromium: check-acao-star" in out.getvalue()
    calls.clear()
    assert main(["conformance", "--engine", "chromium", path], io.StringIO(), io.StringIO()) == 1
