"""Every CORS console line in docs/errors.md and in the recorded engine runs
(conformance/observed/), pasted into explain-error, gives the right cause (or lists it
among the causes the same words are printed for), and a reproducing scenario that prints
the very same line under that engine's profile.

The right cause of a line is what the model says for the request that printed it: the
line's scenario (the golden in spec_traces/, or the errors.md entry's scenario) is run
under the engine's profile, and the request whose console has the line gives the reason.
Lines of checks the model does not run (X-Frame-Options, a tainted canvas read, a frame's
document; ``RECOGNISED_ONLY``) are recognised but have no reproducing scenario.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from cors_spec.engines import RECOGNISED_ONLY, masked, render
from cors_spec.model.response import Reason
from cors_spec.scenario.conformance import LOAD_DEPENDENT_LINES
from cors_spec.scenario.format import parse_scenario, run_scenario
from cors_spec.teach.diagnose import diagnose

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("chromium", "firefox", "webkit")
CHANNELS = ("javascript error ", "SECURITY ERROR ", "JS ERROR ")
NOT_CORS = ("Sandbox access violation", *LOAD_DEPENDENT_LINES)  # WebKit's sandboxed-frame line: not a fetch;
# Chromium's slow-network font notice: printed under load, not about CORS


def _text(line: str) -> str:
    for c in CHANNELS:
        if line.startswith(c):
            return line[len(c):]
    return line


def _lines() -> Iterator[tuple[str, str, str, str]]:
    """(engine, where, scenario JSON, line) for every line of both sources."""
    for engine in ENGINES:
        records = json.loads((ROOT / "conformance" / "observed" / f"{engine}.json").read_text(encoding="utf-8"))
        for run in records["scenarios"]:
            golden = ROOT / "spec_traces" / f"{run['name']}.json"
            if golden.exists():
                for line in run["console"]:
                    if not _text(line).startswith(NOT_CORS):
                        yield engine, f"observed/{run['name']}", golden.read_text(encoding="utf-8"), _text(line)
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for section in re.split(r"\n## ", doc)[1:]:
        name = section.split("\n", 1)[0].strip()
        m = re.search(r"<summary>The scenario</summary>\s*```json\n(.*?)```", section, re.S)
        if m is None:
            continue
        for title in ("Chromium", "Firefox", "WebKit"):
            block = re.search(r"\*\*" + title + r"\*\*[^\n]*\n\n```text\n(.*?)```", section, re.S)
            for line in block.group(1).strip().split("\n") if block else ():
                yield title.lower(), f"errors.md/{name}", m.group(1), line


LINES = sorted(set(_lines()))


@cache
def _console(engine: str, scenario: str) -> tuple[tuple[str, Reason | None], ...]:
    """Each console line of the scenario under the engine, masked, with its request's reason."""
    results = run_scenario(parse_scenario(json.loads(scenario)), engine)
    return tuple((masked(m.text, engine), r.failure.reason if r.failure else None)
                 for r in results for m in render(r, engine))


def test_there_are_lines() -> None:
    assert len(LINES) > 500
    assert {e for e, _, _, _ in LINES} == set(ENGINES)


@pytest.mark.parametrize(("engine", "where", "scenario", "line"), LINES,
                         ids=[f"{e}:{w}:{i}" for i, (e, w, _, _) in enumerate(LINES)])
def test_line_gives_the_cause_and_a_scenario_that_prints_it(engine: str, where: str, scenario: str,
                                                            line: str) -> None:
    d = diagnose(line)
    assert d is not None, "not recognised"
    assert d.engine == engine or engine in d.also
    truth = [reason for text, reason in _console(engine, scenario) if text == masked(line, engine)]
    if truth:
        assert truth[0] is d.reason or truth[0] in d.alternatives, (truth[0], d.reason, d.alternatives)
    if d.template in RECOGNISED_ONLY:
        assert d.scenario is None
        return
    assert d.scenario is not None
    printed = {text for text, _ in _console(engine, json.dumps(d.scenario))}
    assert masked(line, engine) in printed, printed


def test_diagnose_names_no_engine() -> None:
    text = (ROOT / "cors_spec" / "teach" / "diagnose.py").read_text(encoding="utf-8").lower()
    assert not re.search(r"chromium|firefox|webkit", text)


@pytest.mark.parametrize("status", ["300", "304"])
def test_300_and_304_are_not_redirects(status: str) -> None:
    d = diagnose(f"Preflight response is not successful. Status code: {status}")
    assert d is not None and d.reason is Reason.PREFLIGHT_INVALID_STATUS
    d = diagnose("Preflight response is not successful. Status code: 307")
    assert d is not None and d.reason is Reason.PREFLIGHT_DISALLOWED_REDIRECT


def test_firefox_line_gets_a_visible_placeholder_origin() -> None:
    d = diagnose("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
                 "http://b.test/d. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.")
    assert d is not None and d.scenario is not None
    assert d.scenario["page"] == "https://your-page.example" and "your-page.example" in d.fix
    assert "names no page origin" in d.fix


def test_webkit_shared_line_lists_every_cause_and_the_look() -> None:
    d = diagnose("Origin http://a.test is not allowed by Access-Control-Allow-Origin. Status code: 200")
    assert d is not None and d.reason is Reason.MISSING_ALLOW_ORIGIN_HEADER
    assert {Reason.ALLOW_ORIGIN_MISMATCH, Reason.INVALID_ALLOW_ORIGIN_VALUE} <= set(d.alternatives)
    assert "absent, empty, names another origin" in d.checked and "Look at the" in d.checked
