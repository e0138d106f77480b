"""The cors-spec CLI, run in-process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from cors_spec.cli import ExitStatus, main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_run_json_has_the_v1_shape() -> None:
    status, out, err = run("run", "--json", str(EXAMPLES))
    assert status == ExitStatus.OK and err == ""
    doc = json.loads(out)
    assert doc["profile"] == "spec"
    by_name = {s["name"]: s["observations"] for s in doc["scenarios"]}
    [obs] = by_name["simple-get-blocked"]
    assert obs["outcome"] == "network-error" and obs["reason"] == "missing-allow-origin-header"
    assert obs["sent"] == [{"method": "GET", "url": "https://api.example/data", "origin": "https://app.example",
                            "acrm": None, "acrh": None}]
    [put] = by_name["preflight-put"]
    assert [s["method"] for s in put["sent"]] == ["OPTIONS", "PUT"]
    assert put["sent"][0]["acrh"] == "content-type,x-token"


def test_run_report_and_explain_are_readable() -> None:
    status, out, _ = run("run", str(EXAMPLES / "preflight-put.json"))
    assert status == 0 and "sent OPTIONS https://api.example/items/1" in out
    status, out, _ = run("explain", "--color", "never", str(EXAMPLES / "simple-get-blocked.json"))
    assert status == 0
    assert "CORS check step 2: failure" in out
    assert "https://fetch.spec.whatwg.org/#concept-cors-check" in out
    assert "\x1b[" not in out
    _, colored, _ = run("explain", "--color", "always", str(EXAMPLES / "simple-get-blocked.json"))
    assert "\x1b[" in colored


def test_check_one_off() -> None:
    status, out, _ = run("check", "--page", "https://app.example", "--url", "https://api.example/x",
                         "--method", "PUT", "-H", "X-Token: t", "--json",
                         "--preflight-header", "Access-Control-Allow-Origin: https://app.example",
                         "--preflight-header", "Access-Control-Allow-Methods: PUT",
                         "--preflight-header", "Access-Control-Allow-Headers: x-token",
                         "--response-header", "Access-Control-Allow-Origin: https://app.example")
    assert status == 0
    obs = json.loads(out)
    assert obs["outcome"] == "cors" and [s["method"] for s in obs["sent"]] == ["OPTIONS", "PUT"]


def test_bad_input_exit_status_and_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "b", "page": "http://a.test", "requests": [{"url": "http://b.test", "mode": "cros"}]}))
    status, out, err = run("run", "--json", str(EXAMPLES), str(bad))
    assert status == ExitStatus.BAD_INPUT
    assert [s["name"] for s in json.loads(out)["scenarios"]]  # the good files ran; the bad one is left out
    assert err.startswith(f"cors-spec: error: {bad}: $.requests[0].mode: must be one of")
    assert run("run", str(tmp_path / "missing.json"))[0] == ExitStatus.BAD_INPUT
    assert run("check", "--page", "https://a.example", "--url", "https://b.example", "-H", "nocolon")[0] == 2
    assert run("frobnicate")[0] == 2


def test_help_and_module_entry() -> None:
    status, _, _ = run("--help")
    assert status == 0
    proc = subprocess.run([sys.executable, "-m", "cors_spec", "run", str(EXAMPLES / "simple-get-allowed.json")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "cors response, status 200" in proc.stdout
