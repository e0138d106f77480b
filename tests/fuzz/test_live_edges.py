"""``cors-spec probe URL`` and ``cors-spec audit URL`` against a server that misbehaves on
purpose (tests/fuzz/_hostile_server.py, loopback only): each ends within bounded time in one
clear line with exit 2, or, where the answer is a CORS answer (endless redirects), a finding.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._hostile_server import HostileServer, hostile_server
from ._support import assert_refused, run_cli

PAGE = "https://app.example"
TIMEOUT = 2  # seconds per request given to the command
BOUND = 30  # seconds a whole command may take against any misbehaviour

#: mode -> the words the one error line must hold
REFUSED = {
    "reset": "reset",
    "stall": f"no whole answer within {TIMEOUT} s",
    "garbage": "not an HTTP/1.x status line",
    "big-headers": "the header block is over the limit",
    "endless-body": "the body is over the limit",
}


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with hostile_server(lifetime=300) as s:
        yield s


@pytest.fixture(scope="module")
def intent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("intent") / "i.toml"
    path.write_text(f'origins = ["{PAGE}"]\nmethods = ["GET"]\n', encoding="utf-8")
    return path


def _probe(server: HostileServer, mode: str) -> tuple[int, str, str]:
    return run_cli(["probe", f"{server.base}/{mode}", "--page", PAGE, "--timeout", str(TIMEOUT)])


def _audit(server: HostileServer, mode: str, intent: Path) -> tuple[int, str, str]:
    return run_cli(["audit", f"{server.base}/{mode}", "--intent", str(intent), "--timeout", str(TIMEOUT),
                    "--examples", "2", "--max-requests", "1"])


@pytest.mark.parametrize("mode", list(REFUSED))
@pytest.mark.parametrize("command", ["probe", "audit"])
def test_a_broken_server_is_one_line(server: HostileServer, intent: Path, command: str, mode: str) -> None:
    started = time.monotonic()
    status, _, err = _probe(server, mode) if command == "probe" else _audit(server, mode, intent)
    assert time.monotonic() - started < BOUND
    assert_refused(status, err, REFUSED[mode], f"{server.base}/{mode}")


def test_endless_redirects_are_a_cors_answer_for_probe(server: HostileServer) -> None:
    started = time.monotonic()
    status, out, err = _probe(server, "redirect")
    assert time.monotonic() - started < BOUND
    assert status == 0 and err == "" and "too-many-redirects" in out


def test_endless_redirects_are_findings_for_audit(server: HostileServer, intent: Path) -> None:
    started = time.monotonic()
    status, out, err = _audit(server, "redirect", intent)
    assert time.monotonic() - started < BOUND
    assert status in (0, 1) and err == "" and out.startswith("audit ")


def test_a_good_server_is_read(server: HostileServer) -> None:
    status, out, _ = _probe(server, "ok")
    assert status == 0 and "ok: script reads the response" in out
