"""Console messages: the rendered lines equal what the real engines printed.

Offline: the records in conformance/observed/ hold each engine's console lines per golden
scenario (captured by the harness). A scenario's console is its requests' messages in
request order; lines whose values the page chooses (document URL, @font-face family) are
compared with those values masked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cors_spec import Browser, Route
from cors_spec.engines import CATALOGS, PROFILES, RECOGNISED_ONLY, masked, render, scenario_console
from cors_spec.engines.console import template_regex
from cors_spec.model.response import Reason
from cors_spec.scenario.conformance import LOAD_DEPENDENT_LINES, compare, load_known_differences
from cors_spec.scenario.format import load_scenario, observation, run_scenario

ROOT = Path(__file__).resolve().parent.parent
RECORDS = {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "conformance" / "observed").glob("*.json"))}
SCENARIOS = {s.name: s for s in (load_scenario(p) for p in sorted((ROOT / "spec_traces").glob("*.json")))}
KNOWN = load_known_differences(ROOT / "conformance" / "known-differences.json")
ENGINES = ("chromium", "firefox", "webkit")


def _failing_runs(engine: str) -> list[tuple[str, list[str], list[str]]]:
    """(scenario, engine lines, model lines) for every recorded scenario where a request fails."""
    out = []
    for run in RECORDS[engine]["scenarios"]:
        scenario = SCENARIOS.get(run["name"])
        if scenario is None or not run["observations"]:
            continue
        results = run_scenario(scenario, engine)
        if not any(r.outcome.value == "network-error" for r in results) and not any(
                o["outcome"] == "network-error" for o in run["observations"]):
            continue
        model = [masked(m.record(), engine) for m in scenario_console(results, engine)]
        seen = [masked(line, engine) for line in run["console"] if not line.startswith(LOAD_DEPENDENT_LINES)]
        out.append((run["name"], seen, model))
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_rendered_lines_equal_the_engines_lines(engine: str) -> None:
    known = {k.scenario for k in KNOWN if k.engine in ("*", engine)}
    runs = _failing_runs(engine)
    assert len(runs) >= 100
    wrong = [f"{name}:\n  engine {seen}\n  model  {mine}" for name, seen, mine in runs
             if seen != mine and name not in known]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("engine", ENGINES)
def test_conformance_counts_console_lines(engine: str) -> None:
    report = compare(RECORDS[engine], SCENARIOS, KNOWN)
    assert report.console_compared >= 150
    # every failing request prints what the engine printed, except the listed differences
    assert report.console_compared - report.console_agreeing <= len([k for k in KNOWN if k.engine in ("*", engine)])


@pytest.mark.parametrize("engine", ENGINES)
def test_every_rendered_template_was_seen_in_the_engine(engine: str) -> None:
    """Each wording of a catalog (except the recognise-only ones) matches a captured line."""
    lines = [line for run in RECORDS[engine]["scenarios"] for line in run["console"]]
    for t in CATALOGS[engine].templates:
        rx = template_regex(t)
        if t.id in ("webkit.redirect-credentials", "webkit.redirect-non-cors-scheme"):
            continue  # seen inside webkit.redirect-denied
        assert any(rx.search(line) for line in lines), f"{t.id}: no captured line has this wording"


def test_catalogs_say_what_they_were_verified_against() -> None:
    for engine in ENGINES:
        assert PROFILES[engine].verified_against.split(",")[0] in CATALOGS[engine].verified_against
    assert set(CATALOGS) == set(PROFILES)


def test_a_mismatch_would_be_reported() -> None:
    record = json.loads(json.dumps(RECORDS["chromium"]))
    run = next(r for r in record["scenarios"] if r["name"] == "check-acao-missing")
    run["console"] = ["something else"]
    report = compare(record, {"check-acao-missing": SCENARIOS["check-acao-missing"]})
    assert [d.fields.keys() for d in report.disagreements] == [{"console": None}.keys()]
    assert report.unexplained


def test_result_console_and_json_output() -> None:
    routes = [Route("http://b.test/x", headers=(("Access-Control-Allow-Origin", "http://c.test"),))]
    chromium = Browser("http://a.test", "chromium").fetch("http://b.test/x", server=routes)
    assert chromium.console == (
        "Access to fetch at 'http://b.test/x' from origin 'http://a.test' has been blocked by CORS policy: The "
        "'Access-Control-Allow-Origin' header has a value 'http://c.test' that is not equal to the supplied origin. "
        "Have the server send the header with a valid value.",)
    xhr = Browser("http://a.test", "chromium").xhr("http://b.test/x", server=routes)
    assert xhr.console[0].endswith("that is not equal to the supplied origin.")  # the hint is fetch's
    firefox = Browser("http://a.test", "firefox").fetch("http://b.test/x", server=routes)
    assert observation(firefox)["console"] == [
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
        "http://b.test/x. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://c.test’)."]
    webkit = Browser("http://a.test", "webkit").fetch("http://b.test/x", server=routes)
    assert webkit.console == ("Origin http://a.test is not allowed by Access-Control-Allow-Origin. Status code: 200",
                              "Fetch API cannot load http://b.test/x due to access control checks.")
    assert [m.record() for m in render(webkit)][1].startswith("JS ERROR ")
    ok = Browser("http://a.test", "webkit").fetch("http://a.test/x", server=[Route("http://a.test/x")])
    assert ok.console == ()


def test_xhr_warns_about_refused_headers() -> None:
    routes = [Route("http://b.test/d", headers=(("Access-Control-Allow-Origin", "*"),))]
    r = Browser("http://a.test", "chromium").xhr("http://b.test/d", headers=[("Cookie", "a=b")], server=routes)
    assert r.ok and r.console == ('Refused to set unsafe header "Cookie"',)
    f = Browser("http://a.test", "chromium").fetch("http://b.test/d", headers=[("Cookie", "a=b")], server=routes)
    assert f.console == ()


def test_check_order_is_the_profiles() -> None:
    s = SCENARIOS["msg-preflight-check-order"]
    reasons = {p: [r.reason for r in run_scenario(s, p)] for p in ("spec", "chromium", "firefox", "webkit")}
    assert reasons["spec"][1] is Reason.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER
    assert reasons["chromium"][1] is Reason.PREFLIGHT_DISALLOWED_REDIRECT
    assert reasons["webkit"][0] is Reason.PREFLIGHT_INVALID_STATUS
    assert reasons["firefox"] == reasons["spec"]
    one_line = SCENARIOS["check-acao-two-origins-one-line"]
    assert [r.reason for r in run_scenario(one_line, "firefox")] == [Reason.INVALID_ALLOW_ORIGIN_VALUE] * 2
    assert [r.reason for r in run_scenario(one_line, "webkit")] == [
        Reason.MULTIPLE_ALLOW_ORIGIN_VALUES, Reason.INVALID_ALLOW_ORIGIN_VALUE]


def test_recognise_only_templates_are_never_rendered() -> None:
    rendered = set()
    for engine in ENGINES:
        for name in SCENARIOS:
            for m in scenario_console(run_scenario(SCENARIOS[name], engine), engine):
                rendered.add(m.template)
    assert not rendered & RECOGNISED_ONLY


def test_errors_page_is_up_to_date() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_errors_doc.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
