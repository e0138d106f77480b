"""``cors-spec run`` streams files, runs them in worker processes with --jobs, and keeps
going past a bad file (error on stderr naming it, exit status 2 at the end)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cors_spec.cli import ExitStatus, main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def _corpus(tmp_path: Path) -> tuple[list[Path], Path]:
    """Three good files around a bad one, named so they sort in this order."""
    files = []
    for i, name in enumerate(sorted(p.name for p in EXAMPLES.glob("*.json"))[:3]):
        target = tmp_path / f"{i * 2}-{name}"
        target.write_text((EXAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
        files.append(target)
    bad = tmp_path / "3-bad.json"
    bad.write_text(json.dumps({"name": "b", "page": "http://a.test", "requests": [{"url": "http://b.test", "mode": "cros"}]}))
    return files, bad


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bad_file_mid_run_is_reported_and_the_rest_still_runs(tmp_path: Path, jobs: str) -> None:
    good, bad = _corpus(tmp_path)
    status, out, err = run("run", "--json", "--jobs", jobs, str(tmp_path))
    assert status == ExitStatus.BAD_INPUT
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith(f"cors-spec: error: {bad}: $.requests[0].mode")
    doc = json.loads(out)
    assert [s["file"] for s in doc["scenarios"]] == [str(p) for p in good]  # input order, bad one left out
    status, text, err = run("run", "--jobs", jobs, str(tmp_path))
    assert status == ExitStatus.BAD_INPUT and str(bad) in err
    assert text.rstrip().endswith("3 scenario(s) run")


def test_jobs_give_the_same_output_as_one_process(tmp_path: Path) -> None:
    one = run("run", "--json", str(EXAMPLES))
    assert one[0] == ExitStatus.OK
    assert run("run", "--json", "--jobs", "3", str(EXAMPLES)) == one
    assert run("run", "-j", "2", str(EXAMPLES)) == run("run", str(EXAMPLES))


def test_the_json_document_is_byte_for_byte_what_json_dump_gives() -> None:
    status, out, _ = run("run", "--json", str(EXAMPLES / "preflight-put.json"))
    doc = json.loads(out)
    assert status == ExitStatus.OK and out == json.dumps(doc, indent=1) + "\n"


def test_a_folder_with_no_scenario_is_bad_input(tmp_path: Path) -> None:
    """Nothing to run is an error (exit 2, one line), not an empty success."""
    status, out, err = run("run", "--json", str(tmp_path))
    assert status == ExitStatus.BAD_INPUT and out == ""
    assert err.count("\n") == 1 and "no scenario" in err


def test_a_missing_path_or_negative_jobs_fail_before_anything_runs(tmp_path: Path) -> None:
    assert run("run", str(EXAMPLES), str(tmp_path / "missing.json"))[:2] == (ExitStatus.BAD_INPUT, "")
    assert run("run", "--jobs", "-1", str(EXAMPLES))[:2] == (ExitStatus.BAD_INPUT, "")
