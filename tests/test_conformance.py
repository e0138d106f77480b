"""The engine profiles agree with what the real engines did (records in conformance/observed/).

These records come from `cors-spec conformance --engine all --record conformance/observed/.json
spec_traces/`; this test needs no browser. CI also reruns the engines live.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from cors_spec import Profile
from cors_spec.scenario.conformance import compare, load_known_differences
from cors_spec.scenario.format import Scenario, load_scenario, observation, run_scenario

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


# -- the profile drift report (a fake record, no browser) ---------------------------------------
def _model_record(engine: str, scenarios: Sequence[Scenario], profile: Profile | None = None) -> dict[str, Any]:
    """A harness-shaped record whose observations are the model's under ``profile``
    (default: the engine's own profile)."""
    chosen: str | Profile = engine if profile is None else profile
    runs = [{"name": s.name, "errors": [], "observations": [observation(r) for r in run_scenario(s, chosen)]}
            for s in scenarios]
    return {"engine": engine, "version": "Chromium 999.0.0.1", "scenarios": runs}


def test_drift_lists_a_field_whose_evidence_golden_no_longer_agrees(tmp_path: Path) -> None:
    """The engine build measured behaves as the spec for one field: that field no longer holds
    (and the spec's value agrees), every other checkable field holds, "source" fields are
    not checkable, and the build measured is not the one the profile names."""
    import io

    import attrs

    from cors_spec.cli import main
    from cors_spec.engines import PROFILES
    from cors_spec.model.profile import FIELD_EVIDENCE, SPEC
    from cors_spec.scenario.conformance import HOLDS, NO_LONGER_HOLDS, NOT_CHECKABLE, drift

    field = "xhr_upload_listener_needs_body"
    golden = FIELD_EVIDENCE[field]
    assert list(FIELD_EVIDENCE.values()).count(golden) == 1
    chromium = PROFILES["chromium"]
    assert getattr(chromium, field) != getattr(SPEC, field)
    evidence = [SCENARIOS[g] for g in sorted(set(FIELD_EVIDENCE.values()) - {"source"}) if g in SCENARIOS]
    record = _model_record("chromium", [s for s in evidence if s.name != golden])
    spec_like = attrs.evolve(chromium, **{field: getattr(SPEC, field)})
    record["scenarios"] += _model_record("chromium", [SCENARIOS[golden]], spec_like)["scenarios"]

    report = drift(record, SCENARIOS)
    by_field = {f.field: f for f in report.fields}
    assert [f.field for f in report.drifted] == [field]
    assert by_field[field].status == NO_LONGER_HOLDS and by_field[field].spec_value_agrees
    assert by_field["max_age_cap"].status == NOT_CHECKABLE
    assert all(f.status == HOLDS for f in report.fields
               if f.evidence in SCENARIOS and f.field != field), [f for f in report.fields if f.status != HOLDS]
    assert not report.same_build and report.verified_against == chromium.verified_against

    path = tmp_path / "chromium.json"
    path.write_text(json.dumps(record))
    out = io.StringIO()
    assert main(["conformance", "--drift", "--from-record", str(path), str(ROOT / "spec_traces")], out,
                io.StringIO()) == 1
    text = out.getvalue()
    assert "measured Chromium 999.0.0.1" in text and "a NEWER/OTHER build" in text
    assert f"no-longer-holds          {field} = True: golden {golden}" in text
    assert "the engine now follows the standard here" in text
    out = io.StringIO()
    assert main(["conformance", "--drift", "--json", "--from-record", str(path), str(ROOT / "spec_traces")], out,
                io.StringIO()) == 1
    [rep] = json.loads(out.getvalue())
    assert [f["field"] for f in rep["fields"] if f["status"] == "no-longer-holds"] == [field]

    # the same build, everything as profiled: exit 0
    ok = _model_record("chromium", evidence)
    ok["version"] = chromium.verified_against.split(" (")[0]
    path.write_text(json.dumps(ok))
    out = io.StringIO()
    assert main(["conformance", "--drift", "--from-record", str(path), str(ROOT / "spec_traces")], out,
                io.StringIO()) == 0
    assert "(the build the profile was verified against)" in out.getvalue()


# -- generated scenarios (the harness's engine runs faked by the model) -------------------------
class _FakeGenerated:
    """harness.generated with run_engines answered by the model: WebKit's profile, except that
    every request the profile lets through as "cors" is blocked (a made-up difference that is a
    false allow and survives shrinking)."""

    def __init__(self) -> None:
        import harness.generated as real

        self.real = real
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def run_engines(self, engines: list[str], raw: list[dict[str, object]], chunk: int = 60, label: str = "",
                    progress: bool = False) -> dict[str, dict[str, object]]:
        from cors_spec.scenario.format import parse_scenario

        self.calls += 1
        out: dict[str, dict[str, object]] = {}
        for engine in engines:
            rec = _model_record(engine, [parse_scenario(s) for s in raw])
            if engine == "webkit":
                for run in rec["scenarios"]:
                    for obs in run["observations"]:
                        if obs["outcome"] == "cors":
                            obs.update(outcome="network-error", status=0, headers=[], url="", redirected=False)
            out[engine] = {**rec, "version": f"{engine} 1.0", "seconds": 0.0}
        return out


@pytest.fixture
def fake_harness(monkeypatch: pytest.MonkeyPatch) -> _FakeGenerated:
    import types

    import harness.generate
    from cors_spec.cli import conformance as cmd

    fake = _FakeGenerated()
    monkeypatch.setattr(cmd, "_harness", lambda: types.SimpleNamespace(generate=harness.generate, generated=fake))
    return fake


def test_generate_reports_agreement_false_allows_and_classes(fake_harness: _FakeGenerated, tmp_path: Path) -> None:
    import io

    from cors_spec.cli import main

    summary = tmp_path / "summary.json"
    out = io.StringIO()
    args = ["conformance", "--generate", "30", "--seed", "3", "--summary", str(summary)]
    assert main(args, out, io.StringIO()) == 0  # report only
    data = json.loads(summary.read_text())
    assert (data["generated"], data["seed"]) == (30, 3)
    engines = data["engines"]
    assert engines["chromium"]["agreement_pct"] == engines["firefox"]["agreement_pct"] == 100.0
    webkit = engines["webkit"]
    assert webkit["false_allows"] > 0 and webkit["requests_agreeing"] < webkit["requests_compared"]
    assert {c["signature"].split("|")[0] for c in data["classes"]} == {"webkit"}
    assert all("outcome:network-error/cors" in c["signature"] for c in data["classes"])
    assert "FALSE ALLOW" in out.getvalue() and "webkit" in out.getvalue()
    assert main([*args, "--fail-on-false-allow"], io.StringIO(), io.StringIO()) == 1
    assert main([*args, "--min-agreement", "100"], io.StringIO(), io.StringIO()) == 1
    assert main([*args, "--engine", "chromium", "--min-agreement", "100"], io.StringIO(), io.StringIO()) == 0
    out = io.StringIO()
    assert main([*args, "--json"], out, io.StringIO()) == 0
    assert json.loads(out.getvalue())["engines"] == engines
    # the same seed, the same scenarios
    assert json.loads(summary.read_text()) == data


def test_generate_bad_input_exits_2(fake_harness: _FakeGenerated) -> None:
    import io

    from cors_spec.cli import main

    for bad in (["--generate", "0"], ["--generate", "5", "--min-agreement", "101"],
                ["--generate", "5", str(ROOT / "spec_traces")], ["--generate", "5", "--shrink"]):
        assert main(["conformance", *bad], io.StringIO(), io.StringIO()) == 2, bad
    assert fake_harness.calls == 0


def test_generate_shrink_writes_golden_candidates(fake_harness: _FakeGenerated, tmp_path: Path) -> None:
    import io

    from cors_spec.cli import main
    from cors_spec.scenario.format import load_scenario

    out_dir = tmp_path / "candidates"
    out = io.StringIO()
    assert main(["conformance", "--generate", "30", "--seed", "3", "--engine", "webkit", "--shrink",
                 "--shrink-max", "1", "--out", str(out_dir)], out, io.StringIO()) == 0
    [path] = sorted(out_dir.glob("*.json"))
    assert f"golden candidate: {path}" in out.getvalue()
    golden = json.loads(path.read_text())
    scenario = load_scenario(path)
    assert golden["expect"]["needs_review"] is True and "needs review" in golden["about"]
    assert set(golden["expect"]["profiles"]) == {"chromium", "firefox", "webkit"}
    assert golden["expect"]["profiles"]["webkit"]["source"] == "webkit 1.0"
    assert len(golden["expect"]["observations"]) == len(scenario.requests)
    assert len(scenario.requests) == 1  # shrunk to the one request that differs
    [obs] = golden["expect"]["profiles"]["webkit"]["observations"]
    assert obs["outcome"] == "network-error" and golden["expect"]["observations"][0]["outcome"] == "cors"


def test_load_dependent_console_lines_are_not_compared() -> None:
    """Chromium's fallback-font notice comes with a slow machine, not with CORS."""
    record = json.loads((ROOT / "conformance" / "observed" / "chromium.json").read_text())
    run = next(r for r in record["scenarios"] if r["name"] == "element-font-cross-origin-no-acao-error")
    run["console"] = ["Slow network is detected. See https://www.chromestatus.com/feature/5636954674692096 for "
                      "more details. Fallback font will be used while loading: http://b.test/f.woff2",
                      *[line for line in run["console"] if not line.startswith("Slow network")]]
    report = compare({**record, "scenarios": [run]}, SCENARIOS, KNOWN)
    assert report.console_compared == report.console_agreeing == 1 and not report.disagreements
