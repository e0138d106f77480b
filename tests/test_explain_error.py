"""cors-spec explain-error: every message template of the three engines is recognised from
a line the real engine printed (conformance/observed/), and the scenario it prints
reproduces that message under the engine's profile."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cors_spec.cli import main
from cors_spec.engines import CATALOGS, scenario_console
from cors_spec.model.response import Reason
from cors_spec.scenario.conformance import LOAD_DEPENDENT_LINES
from cors_spec.scenario.format import parse_scenario, run_scenario
from cors_spec.teach.diagnose import diagnose, recognise

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("chromium", "firefox", "webkit")
RECORDS = {e: json.loads((ROOT / "conformance" / "observed" / f"{e}.json").read_text()) for e in ENGINES}
#: The harness writes a channel before each line; DevTools shows the text after it.
CHANNELS = ("javascript error ", "SECURITY ERROR ", "JS ERROR ")


def _text(line: str) -> str:
    for c in CHANNELS:
        if line.startswith(c):
            return line[len(c):]
    return line


def _captured(engine: str) -> dict[str, str]:
    """For each template id: one real line the engine printed that has this wording."""
    out: dict[str, str] = {}
    for run in RECORDS[engine]["scenarios"]:
        for line in run["console"]:
            for r in recognise(_text(line)):
                if r.engine == engine:
                    out.setdefault(r.template.id, _text(line))
                    if r.inner is not None:
                        out.setdefault(r.inner.template.id, _text(line))
    return out


CAPTURED = {e: _captured(e) for e in ENGINES}
CASES = [(e, t.id) for e in ENGINES for t in CATALOGS[e].templates]


@pytest.mark.parametrize(("engine", "template"), CASES, ids=[t for _, t in CASES])
def test_template_recognised_from_a_real_line(engine: str, template: str) -> None:
    line = CAPTURED[engine].get(template)
    assert line is not None, f"no captured {engine} line has the wording of {template}"
    # DevTools noise around the message
    noisy = f"(index):12 {line} Understand this error\n    at main.js:3:1"
    d = diagnose(noisy)
    assert d is not None
    ids = {r.template.id for r in recognise(noisy)} | {r.inner.template.id for r in recognise(noisy) if r.inner}
    assert template in ids
    assert d.engine == engine or engine in d.also
    if d.reason is None:
        return
    assert d.checked and d.fix
    # The scenario it prints runs and prints a message with the same wording and reason.
    assert d.scenario is not None
    results = run_scenario(parse_scenario(d.scenario), d.engine)
    assert results[0].reason is d.reason
    again = [diagnose(m.text) for m in scenario_console(results, d.engine)]
    assert any(a is not None and a.template == d.template and a.reason is d.reason for a in again)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_captured_cors_line_is_recognised(engine: str) -> None:
    missing = [line for run in RECORDS[engine]["scenarios"] for line in run["console"]
               if not recognise(_text(line)) and "Sandbox access violation" not in line
               and not _text(line).startswith(LOAD_DEPENDENT_LINES)]
    assert not missing, missing


def test_values_are_extracted() -> None:
    d = diagnose("Access to fetch at 'http://c.test/2' (redirected from 'http://b.test/1') from origin "
                 "'http://a.test' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a "
                 "value 'http://a.test' that is not equal to the supplied origin. Have the server send the header "
                 "with a valid value.")
    assert d is not None and d.engine == "chromium" and d.reason is Reason.ALLOW_ORIGIN_MISMATCH
    assert d.values["url"] == "http://c.test/2" and d.values["first_url"] == "http://b.test/1"
    assert d.values["origin"] == "http://a.test" and d.values["value"] == "http://a.test"
    # The redirect to another origin made the request's origin null: the fix says so.
    assert "null" in d.checked and "Access-Control-Allow-Origin: null" in d.fix and "redirect must go" in d.fix
    w = diagnose("[Error] Cross-origin redirection to http://c.test/2 denied by Cross-Origin Resource Sharing "
                 "policy: Origin http://a.test is not allowed by Access-Control-Allow-Origin. Status code: 302")
    assert w is not None and w.engine == "webkit" and w.reason is Reason.MISSING_ALLOW_ORIGIN_HEADER
    assert w.values["redirect_location"] == "http://c.test/2" and w.values["status"] == "302"
    f = diagnose("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
                 "https://api.example/x. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: "
                 "200. [Learn More]")
    assert f is not None and f.engine == "firefox" and f.values["url"] == "https://api.example/x"


def test_cli(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    line = CAPTURED["chromium"]["chromium.header-disallowed"]
    assert main(["explain-error", line], out, err) == 0
    text = out.getvalue()
    assert "engine:  chromium" in text and "header-disallowed-by-preflight-response" in text
    assert "Access-Control-Allow-Headers:" in text
    scenario = json.loads(text[text.index("{"):])
    path = tmp_path / "repro.json"
    path.write_text(json.dumps(scenario))
    out2 = io.StringIO()
    assert main(["run", "--profile", "chromium", "--json", str(path)], out2, io.StringIO()) == 0
    obs = json.loads(out2.getvalue())["scenarios"][0]["observations"][0]
    assert obs["reason"] == "header-disallowed-by-preflight-response" and obs["console"]
    out3 = io.StringIO()
    assert main(["explain-error", "--json", line], out3, io.StringIO()) == 0
    assert json.loads(out3.getvalue())["reason"] == "header-disallowed-by-preflight-response"
    assert main(["explain-error", "nothing to see"], io.StringIO(), err) == 1
