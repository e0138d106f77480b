"""Every golden in spec_traces/ runs here: observations and trace records must match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cors_spec import Algorithm
from cors_spec.scenario.format import observation, parse_scenario, run_scenario
from cors_spec.teach.render import render_trace

ROOT = Path(__file__).resolve().parent.parent / "spec_traces"
FILES = sorted(ROOT.glob("*.json"))
ANCHORS = frozenset(
    line.strip()
    for line in (Path(__file__).parent / "spec-anchors.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)
OBSERVATION_FIELDS = ("outcome", "status", "headers", "redirected", "url", "sent")


def _load(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 80, f"only {len(FILES)} goldens"


def _matches(step: dict[str, object], matcher: dict[str, object]) -> bool:
    for key in ("algorithm", "step", "decision"):
        if key in matcher and step[key] != matcher[key]:
            return False
    facts = matcher.get("facts", {})
    assert isinstance(facts, dict)
    step_facts = step["facts"]
    assert isinstance(step_facts, dict)
    return all(step_facts.get(k) == v for k, v in facts.items())


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden(path: Path) -> None:
    data = _load(path)
    scenario = parse_scenario(data, str(path))
    anchors = data.get("anchors", [])
    assert isinstance(anchors, list) and anchors, "a golden names the anchors it exercises"
    for a in anchors:
        assert a in ANCHORS, f"anchor {a!r} is not in the pinned snapshot"
    expect = data["expect"]
    assert isinstance(expect, dict)
    profiles: dict[str, object] = {"spec": expect}
    extra = expect.get("profiles", {})
    assert isinstance(extra, dict)
    profiles.update(extra)
    for profile, exp in profiles.items():
        assert isinstance(exp, dict)
        results = run_scenario(scenario, profile, trace=True)
        expected_obs = exp["observations"]
        assert isinstance(expected_obs, list)
        assert len(expected_obs) == len(results), "one observation per request"
        for i, (want, result) in enumerate(zip(expected_obs, results)):
            got = observation(result, with_trace=True)
            assert isinstance(want, dict)
            # Spec expectations give every field; engine expectations recorded from a real
            # browser give the fields the harness measures.
            fields = [f for f in (*OBSERVATION_FIELDS, "loaded", "readable", "reason") if f in want]
            mismatch = {f: (want.get(f), got.get(f)) for f in fields if want.get(f) != got.get(f)}
            assert not mismatch, (
                f"[{profile}] request {i}: (expected, got) {mismatch}\n" + render_trace(result.trace)
            )
        traces = exp.get("trace", [])
        assert isinstance(traces, list)
        for i, matchers in enumerate(traces):
            steps = [s.to_json() for s in results[i].trace]
            pos = 0
            assert isinstance(matchers, list)
            for m in matchers:
                assert isinstance(m, dict)
                assert Algorithm(m["algorithm"])  # a known algorithm
                while pos < len(steps) and not _matches(steps[pos], m):
                    pos += 1
                assert pos < len(steps), (
                    f"[{profile}] request {i}: trace step {m} not found in order\n"
                    + render_trace(results[i].trace)
                )
                pos += 1
