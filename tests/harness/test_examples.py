"""The 15 shared example scenarios reproduce what the real engines did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness import binary_for, load_paths, run_engine
from harness.compare import FIELDS

pytestmark = pytest.mark.browser

ENGINES = ["chromium", "firefox", "webkit"]
_reports: dict[str, dict[str, Any]] = {}


def _report(engine: str, examples_dir: Path) -> dict[str, Any]:
    if binary_for(engine) is None:
        pytest.skip(f"{engine} is not installed (harness/setup.sh)")
    if not (examples_dir / "scenarios").is_dir():
        pytest.skip("shared examples not found")
    if engine not in _reports:
        _reports[engine] = run_engine(engine, load_paths([str(examples_dir / "scenarios")]))
    return _reports[engine]


def _expected(engine: str, examples_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((examples_dir / "observed" / f"{engine}.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("engine", ENGINES)
def test_examples_match_observed(engine: str, examples_dir: Path) -> None:
    got = _report(engine, examples_dir)
    want = _expected(engine, examples_dir)
    assert got["engine"] == engine
    assert got["version"], "engine version is reported"
    by_name = {s["name"]: s for s in got["scenarios"]}
    assert sorted(by_name) == sorted(s["name"] for s in want["scenarios"])
    for ws in want["scenarios"]:
        gs = by_name[ws["name"]]
        assert not [e for e in gs["errors"] if e.startswith("harness")], gs["errors"]
        assert len(gs["observations"]) == len(ws["observations"]), ws["name"]
        for i, (go, wo) in enumerate(zip(gs["observations"], ws["observations"], strict=True)):
            for f in FIELDS:
                assert go[f] == wo[f], f"{engine} {ws['name']}[{i}].{f}"
        if "console" in ws:
            assert gs["console"] == ws["console"], f"{engine} {ws['name']} console"
        if "errors" in ws:
            assert gs["errors"] == ws["errors"], f"{engine} {ws['name']} errors"


@pytest.mark.parametrize("engine", ENGINES)
def test_version_matches_recorded_major(engine: str, examples_dir: Path) -> None:
    got = _report(engine, examples_dir)
    want = _expected(engine, examples_dir)
    # same product; the exact build may move with Debian security updates
    assert got["version"].split(" ")[0] == want["version"].split(" ")[0]
