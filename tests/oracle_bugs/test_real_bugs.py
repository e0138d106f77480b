"""The oracle on real code: public CORS bugs in released middleware, found by `cors-spec audit`.

Each case runs the audit in a venv holding the pinned version (created by
``tools/oracle_venvs.sh``), once on the version (or configuration) with the bug and once on
the fixed one, with the same seed and at most 1,000 examples per search. The buggy run
must report the bug's kind of finding with a scenario file that reproduces it; the fixed
run must report nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from cors_spec import Outcome
from cors_spec.scenario.format import parse_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
VENVS = Path(os.environ.get("ORACLE_VENVS", ROOT / ".oracle-venvs"))
EXAMPLES = 1000
SEED = 0


@attrs.frozen
class Bug:
    name: str
    venv: str  # the release with the bug
    target: str
    intent: str
    kind: str  # the finding that shows it
    outcome: Outcome  # what the browser does in the finding's scenario
    fixed_venv: str
    fixed_target: str
    ignore: tuple[str, ...] = ()


BUGS = [
    Bug("starlette-510-state-leak", "starlette-0.11.4", "starlette_allow_all:app", "starlette_allow_all.toml",
        "state-leak", Outcome.NETWORK_ERROR, "starlette-1.0.0", "starlette_allow_all:app"),
    Bug("starlette-800-unanchored-regex", "starlette-0.13.0", "starlette_regex:app", "subdomains.toml",
        "unintended-origin", Outcome.CORS, "starlette-0.13.1", "starlette_regex:app"),
    Bug("starlette-1832-wildcard-credentials", "starlette-0.52.1", "starlette_credentials:app",
        "starlette_credentials.toml", "intent-blocked", Outcome.NETWORK_ERROR, "starlette-1.0.0",
        "starlette_credentials:app"),
    # No flask-cors release anchors origin patterns: the fixed side is the same release with
    # the pattern anchored as PR #400 documents. unintended-method is a separate finding in
    # flask-cors (see test_flask_cors_refused_preflight_still_grants_origin).
    Bug("flask-cors-209-unanchored-pattern", "flask-cors-6.0.5", "flask_regex:app", "subdomains.toml",
        "unintended-origin", Outcome.CORS, "flask-cors-6.0.5", "flask_regex:anchored_app",
        ignore=("unintended-method",)),
    # No aiohttp-cors release sends Vary: Origin: the fixed side is the same release with the
    # users' workaround (an on_response_prepare handler adding it).
    Bug("aiohttp-cors-351-no-vary", "aiohttp-cors-0.8.1", "aiohttp_two_origins:app", "two_origins.toml",
        "missing-vary", Outcome.NETWORK_ERROR, "aiohttp-cors-0.8.1", "aiohttp_two_origins:app_with_vary"),
    Bug("django-cors-headers-pre-3.0-scheme", "django-cors-headers-2.5.3", "django_project:app", "one_origin.toml",
        "unintended-origin", Outcome.CORS, "django-cors-headers-3.0.0", "django_project:app"),
]


def _python(venv: str) -> Path:
    python = VENVS / venv / "bin" / "python"
    if not python.exists():
        pytest.skip(f"oracle venv {venv} missing: run tools/oracle_venvs.sh first (creates {VENVS})")
    return python


def audit(venv: str, target: str, intent: str, ignore: tuple[str, ...] = ()) -> tuple[int, dict[str, object]]:
    """Run `cors-spec audit --json` in the venv, from the apps folder; exit status and report."""
    args = [str(_python(venv)), "-m", "cors_spec", "audit", target, "--intent", intent,
            "--examples", str(EXAMPLES), "--seed", str(SEED), "--json"]
    for kind in ignore:
        args += ["--ignore", kind]
    proc = subprocess.run(args, cwd=APPS, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    report: dict[str, object] = json.loads(proc.stdout)
    return proc.returncode, report


def _findings(report: dict[str, object]) -> list[dict[str, object]]:
    found = report["findings"]
    assert isinstance(found, list)
    return found


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_the_oracle_finds_the_bug(bug: Bug) -> None:
    status, report = audit(bug.venv, bug.target, bug.intent, bug.ignore)
    assert status == 1
    by_kind = {str(f["kind"]): f for f in _findings(report)}
    assert bug.kind in by_kind, f"found only {sorted(by_kind)}"
    finding = by_kind[bug.kind]
    examples = finding["examples"]
    assert isinstance(examples, int) and 0 <= examples <= EXAMPLES  # 0: the battery found it
    print(f"{bug.name}: {bug.kind} after {examples or 'the battery, 0'} example(s) in {bug.venv}", file=sys.stderr)
    # The scenario is a valid format-v1 file, and running it gives the outcome that shows the bug.
    assert finding["reproduces"] is True
    scenario = parse_scenario(finding["scenario"], f"<{bug.name}>")
    results = run_scenario(scenario, "spec")
    assert results[-1].outcome is bug.outcome
    assert finding["trace"]


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_the_fixed_version_shows_nothing(bug: Bug) -> None:
    status, report = audit(bug.fixed_venv, bug.fixed_target, bug.intent, bug.ignore)
    assert _findings(report) == []
    assert status == 0
    examples_run = report["examples_run"]
    assert isinstance(examples_run, int) and examples_run >= EXAMPLES


def test_flask_cors_refused_preflight_still_grants_origin() -> None:
    """flask-cors answers a preflight for a method it does not allow with
    Access-Control-Allow-Origin and no Access-Control-Allow-Methods. For an XHR with an
    upload listener (use-CORS-preflight flag) the Fetch standard then takes the request's
    own method as allowed (CORS-preflight fetch step 7.3), so the method restriction does
    not hold."""
    status, report = audit("flask-cors-6.0.5", "flask_regex:anchored_app", "subdomains.toml")
    assert status == 1
    finding = next(f for f in _findings(report) if f["kind"] == "unintended-method")
    scenario = finding["scenario"]
    assert isinstance(scenario, dict)
    request = scenario["requests"][-1]
    assert request.get("api") == "xhr" and request.get("upload_listener") is True
    assert run_scenario(parse_scenario(scenario), "spec")[-1].outcome is Outcome.CORS
