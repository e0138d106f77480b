"""HAR fixtures recorded from real engines (tests/fixtures/har/<recorder>/<scenario>.har).

Checks that every fixture is HAR 1.2 JSON with what a HAR reader needs, that its
creator says what recorded it, and that its scenario still exists in spec_traces.
Needs no browser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "har"
TRACES = ROOT / "spec_traces"
RECORDERS = ("playwright-chromium", "cdp-chromium", "bidi-firefox", "inspector-webkit")
BODY_LIMIT = 300

FILES = sorted(FIXTURES.glob("*/*.har"))


def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _headers_ok(headers: object) -> bool:
    return isinstance(headers, list) and all(
        isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str) for h in headers
    )


def test_fixtures_present() -> None:
    assert FILES, "no HAR fixtures"
    for rec in RECORDERS:
        assert list((FIXTURES / rec).glob("*.har")), f"no fixtures for {rec}"
    assert (FIXTURES / "README.md").is_file()


def test_each_recorder_has_the_same_scenarios() -> None:
    sets = {rec: {p.stem for p in (FIXTURES / rec).glob("*.har")} for rec in RECORDERS}
    first = sets[RECORDERS[0]]
    for rec, names in sets.items():
        assert names == first, f"{rec}: {sorted(names ^ first)}"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_fixture_is_har_12(path: Path) -> None:
    assert path.parent.name in RECORDERS
    log = _load(path)["log"]
    assert log["version"] == "1.2"
    creator = log["creator"]
    assert isinstance(creator.get("name"), str) and creator["name"]
    assert isinstance(creator.get("version"), str) and creator["version"]
    if path.parent.name.startswith("playwright"):
        assert creator["name"] == "Playwright"
    else:
        engine = {"cdp-chromium": "Chromium", "bidi-firefox": "Firefox", "inspector-webkit": "WebKit"}[path.parent.name]
        assert engine in creator.get("comment", "")
    assert isinstance(log.get("browser", {}).get("version"), str)
    assert isinstance(log.get("pages"), list)
    entries = log["entries"]
    assert isinstance(entries, list) and entries
    for e in entries:
        assert isinstance(e["startedDateTime"], str)
        assert isinstance(e["time"], (int, float))
        req, resp = e["request"], e["response"]
        assert isinstance(req["method"], str) and req["method"]
        assert urlsplit(req["url"]).scheme in ("http", "https")
        assert _headers_ok(req["headers"])
        assert isinstance(req["httpVersion"], str)
        assert isinstance(req["cookies"], list) and isinstance(req["queryString"], list)
        assert isinstance(resp["status"], int)
        assert isinstance(resp["statusText"], str)
        assert _headers_ok(resp["headers"])
        assert isinstance(resp["content"], dict) and "mimeType" in resp["content"]
        assert isinstance(resp["redirectURL"], str)
        assert isinstance(e["cache"], dict) and isinstance(e["timings"], dict)
        text = resp["content"].get("text")
        assert text is None or len(text) <= BODY_LIMIT
        # only scenario URLs and the runner document, no harness plumbing or run ids
        path_part = urlsplit(req["url"]).path
        assert not path_part.startswith("/__s/"), req["url"]
        assert not path_part.startswith("/__h/") or path_part in ("/__h/page", "/__h/frame"), req["url"]


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_fixture_scenario_exists(path: Path) -> None:
    trace = TRACES / f"{path.stem}.json"
    assert trace.is_file(), f"{path.stem} is not in spec_traces"
    scenario = json.loads(trace.read_text(encoding="utf-8"))
    log = _load(path)["log"]
    assert path.stem in log.get("comment", "")
    # every request URL of the scenario appears in the HAR (unless the
    # recorder drops it: Playwright keeps every actual request)
    urls = {e["request"]["url"].split("#", 1)[0] for e in log["entries"]}
    for r in scenario["requests"]:
        u = str(r["url"]).split("#", 1)[0]
        if u.startswith("http"):
            assert any(x == u or x.startswith(u) for x in urls) or u.rstrip("/") in {x.rstrip("/") for x in urls}, u


def test_preflights_by_recorder() -> None:
    """What issue 12 says about each recorder, on the fixture that fails in its preflight."""
    name = "preflight-acam-missing.har"
    pw = _load(FIXTURES / "playwright-chromium" / name)["log"]["entries"]
    cdp = _load(FIXTURES / "cdp-chromium" / name)["log"]["entries"]
    ff = _load(FIXTURES / "bidi-firefox" / name)["log"]["entries"]
    wk = _load(FIXTURES / "inspector-webkit" / name)["log"]["entries"]
    assert not [e for e in pw if e["request"]["method"] == "OPTIONS"]
    assert [e for e in cdp if e["request"]["method"] == "OPTIONS"]
    assert [e for e in ff if e["request"]["method"] == "OPTIONS"]
    assert not [e for e in wk if e["request"]["method"] == "OPTIONS"]
