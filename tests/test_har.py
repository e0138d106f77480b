"""``cors-spec har`` over the HAR fixtures recorded from the real engines.

For every fixture, each request's verdict agrees with what the page really saw
(``observed.json``); causes, missing preflights, quirks and bad input are checked on a few.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cors_spec.cli import main
from cors_spec.debug.har_explain import explain
from cors_spec.debug.har_read import read_har

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "har"
FILES = sorted(FIXTURES.glob("*/*.har"))


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_verdicts_agree_with_what_the_page_saw(path: Path) -> None:
    observed = json.loads((path.parent / "observed.json").read_text(encoding="utf-8"))[path.stem]["observations"]
    code, out, err = _run("har", "--json", str(path))
    assert code == 0, err
    doc = json.loads(out)
    assert [r["verdict"] for r in doc["requests"]] == [o["outcome"] for o in observed]
    assert doc["profile"] == {"bidi-firefox": "firefox", "inspector-webkit": "webkit"}.get(path.parent.name, "chromium")
    for r in doc["requests"]:
        assert r["certainty"] in ("recorded", "inferred")


def test_chromium_cause_from_the_cors_error_status() -> None:
    log = read_har(FIXTURES / "cdp-chromium" / "redirect-preflighted-tainted-preflight-rejects.har")
    _, _, items = explain(log)
    assert items[0].reason is not None and items[0].reason.value == "preflight-allow-origin-mismatch"
    assert items[0].fix is not None and items[0].fix.passes


def test_firefox_blocked_response_is_inferred_and_the_quirk_is_named() -> None:
    _, _, items = explain(read_har(FIXTURES / "bidi-firefox" / "check-credentials-include-star.har"))
    assert (items[0].verdict, items[0].certainty) == ("network-error", "inferred")
    _, _, items = explain(read_har(FIXTURES / "bidi-firefox" / "redirect-preflighted-tainted-preflight-rejects.har"))
    assert items[0].verdict == "cors" and "firefox quirk" in items[0].quirk
    assert items[0].others["chromium"] == "network-error"


def test_playwright_missing_preflight_is_rebuilt() -> None:
    _, out, _ = _run("har", "--json", str(FIXTURES / "playwright-chromium" / "preflight-content-type-json.har"))
    r = json.loads(out)["requests"][0]
    (missing,) = r["preflight_missing"]
    assert ["Access-Control-Request-Headers", "content-type"] in missing["request"]["headers"]
    assert missing["must_receive"]["status"] == 204


def test_sensitive_values_are_never_printed_in_full() -> None:
    for path in FIXTURES.glob("*/redirect-authorization-dropped-cross-origin.har"):
        for extra in ((), ("--json",)):
            code, out, _ = _run("har", *extra, str(path))
            assert code == 0 and "Bearer t" not in out


@pytest.mark.parametrize(("text", "where"), [
    ("not json", "line 1 column 1"),
    ("[]", "(top level)"),
    ('{"log": {"entries": {}}}', "log.entries"),
    ('{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/", "headers": []}, '
     '"response": {"status": "200", "headers": []}}]}}', "log.entries[0].response.status"),
    ('{"log": {"entries": [{"request": {"method": "GET", "url": 3, "headers": []}, '
     '"response": {"status": 200, "headers": []}}]}}', "log.entries[0].request.url"),
])
def test_bad_har_is_one_line_exit_2(tmp_path: Path, text: str, where: str) -> None:
    f = tmp_path / "bad.har"
    f.write_text(text, encoding="utf-8")
    code, out, err = _run("har", str(f))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and where in err, err


def test_a_devtools_export_without_extensions(tmp_path: Path) -> None:
    """A minimal HAR as Chrome's DevTools exports it (creator WebInspector, no CORS status)."""
    har = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [],
                   "entries": [{"startedDateTime": "2026-01-01T00:00:00.000Z",
                                "request": {"method": "GET", "url": "https://api.example/x",
                                            "headers": [{"name": "Origin", "value": "https://app.example"},
                                                        {"name": "Cookie", "value": "session=abcdefghijkl"}]},
                                "response": {"status": 200, "headers": [
                                    {"name": "Access-Control-Allow-Origin", "value": "*"}]}}]}}
    f = tmp_path / "devtools.har"
    f.write_text(json.dumps(har), encoding="utf-8")
    code, out, _ = _run("har", "--json", str(f))
    doc = json.loads(out)
    assert code == 0 and (doc["recorder"], doc["profile"], doc["page"]) == ("devtools", "chromium",
                                                                           "https://app.example")
    (r,) = doc["requests"]
    # A Cookie was sent, so credentials were included, and * does not share a credentialed response:
    # the HAR shows no error, so the disagreement is said, not hidden.
    assert r["credentials"] == "include" and r["verdict"] == "cors"
    assert "model blocks it on these answers (wildcard-origin-not-allowed)" in r["why"]
    assert "abcdefghijkl" not in out
