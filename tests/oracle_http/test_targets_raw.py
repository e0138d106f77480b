"""Each row of targets.json shows its bug in its raw headers on loopback; its twin does not.

This checks the targets themselves (the programs, the pinned packages, the configs), not the
oracle: a few hand-written requests per row and a look at the raw answer. A row whose
software is not installed (tools/oracle_http_targets.sh) is skipped. Every server is started
on a free loopback port, waited for, and stopped; each step is bounded in time.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGETS_DIR = Path(os.environ.get("CORS_SPEC_TARGETS", str(Path.home() / ".cache" / "cors_spec" / "targets")))
ROWS: list[dict[str, object]] = json.loads((HERE / "targets.json").read_text(encoding="utf-8"))["targets"]
BY_NAME = {str(r["name"]): r for r in ROWS}
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 5.0

Headers = list[tuple[str, str]]


class Target:
    def __init__(self, row: dict[str, object]) -> None:
        for attempt in range(3):  # another process may take the free port first
            try:
                self._start(row)
                return
            except _PortTaken:
                if attempt == 2:
                    raise AssertionError(f"{row['name']}: no free port after 3 tries") from None

    def _start(self, row: dict[str, object]) -> None:
        self.row = row
        self.path = str(row["path"])
        self.port = _free_port()
        cmd = str(row["start"]).replace("{port}", str(self.port)).replace("{targets}", str(TARGETS_DIR))
        env = dict(os.environ, CORS_SPEC_TARGET_LIMIT="120")
        # stdin is a pipe: closing it (or this process dying) stops the server.
        self.proc = subprocess.Popen(cmd, shell=True, cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""
                self.stop()
                if "address already in use" in out.lower():
                    raise _PortTaken()
                raise AssertionError(f"{row['name']} exited with {self.proc.returncode}:\n{out[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"{row['name']} did not listen within {START_TIMEOUT} s") from None
                time.sleep(0.1)

    def request(self, method: str, headers: Headers, path: str | None = None) -> tuple[int, Headers]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.putrequest(method, path or self.path, skip_accept_encoding=True)
            for n, v in headers:
                conn.putheader(n, v)
            conn.endheaders()
            resp = conn.getresponse()
            resp.read()
            return resp.status, resp.getheaders()
        finally:
            conn.close()

    def get(self, origin: str, **extra: str) -> tuple[int, Headers]:
        return self.request("GET", [("Origin", origin), *extra.items()])

    def preflight(self, origin: str, method: str, headers: str | None = None) -> tuple[int, Headers]:
        h = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if headers:
            h.append(("Access-Control-Request-Headers", headers))
        return self.request("OPTIONS", h)

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()


class _PortTaken(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def values(headers: Headers, name: str) -> list[str]:
    return [v for n, v in headers if n.lower() == name]


def acao(headers: Headers) -> list[str]:
    return values(headers, "access-control-allow-origin")


def credentials(headers: Headers) -> bool:
    return values(headers, "access-control-allow-credentials") == ["true"]


def varies_on_origin(headers: Headers) -> bool:
    return any(t.strip().lower() == "origin" for v in values(headers, "vary") for t in v.split(","))


# --- probes: True when the bug shows ------------------------------------------------------


def reflects(origin: str, *, with_credentials: bool) -> Callable[[Target], bool]:
    def probe(t: Target) -> bool:
        _, h = t.get(origin)
        return acao(h) == [origin] and (credentials(h) or not with_credentials)
    return probe


def wildcard_with_credentials(t: Target) -> bool:
    _, h = t.get("https://app.example")
    return acao(h) == ["*"] and credentials(h)


def reflected_method_and_headers(t: Target) -> bool:
    _, h = t.preflight("https://app.example", "DELETE", "x-evil")
    return "DELETE" in ",".join(values(h, "access-control-allow-methods"))


def no_vary_for(origin: str) -> Callable[[Target], bool]:
    def probe(t: Target) -> bool:
        _, h = t.get(origin)
        return not varies_on_origin(h)
    return probe


def acao_without_vary(t: Target) -> bool:
    _, h = t.get("https://app.example")
    return acao(h) == ["https://app.example"] and not varies_on_origin(h)


def alternates(t: Target) -> bool:
    seen = [bool(acao(t.get("https://app.example")[1])) for _ in range(4)]
    return len(set(seen)) > 1


def method_case_changed(t: Target) -> bool:
    _, h = t.preflight("https://app.example", "patch")
    allowed = [m.strip() for v in values(h, "access-control-allow-methods") for m in v.split(",")]
    return "patch" not in allowed and "*" not in allowed


def error_without_acao(t: Target) -> bool:
    status, h = t.get("https://app.example")
    assert status >= 400, f"the audited path should answer an error, got {status}"
    return not acao(h)


def two_acao(t: Target) -> bool:
    _, h = t.get("https://app.example")
    return len(acao(h)) > 1


def vite_any_origin(t: Target) -> bool:
    _, h = t.get("https://evil.example")
    return acao(h) in (["*"], ["https://evil.example"])


BATTERY_ORIGINS = {
    "prefix": "https://app.example.evil.test",
    "suffix": "https://evilapp.example",
    "substring": "https://evilapp.example.evil.test",
    "unescaped-dot": "https://appxexample",
    "http-trusted": "http://app.example",
    "any-subdomain": "https://evil.app.example",
}

PROBES: dict[str, Callable[[Target], bool]] = {
    "battery-reflect-any": reflects("https://evil.example", with_credentials=True),
    "battery-null-credentials": reflects("null", with_credentials=True),
    **{f"battery-{k}": reflects(o, with_credentials=True) for k, o in BATTERY_ORIGINS.items()},
    "battery-reflect-method-headers": reflected_method_and_headers,
    "battery-wildcard-credentials": wildcard_with_credentials,
    "battery-no-vary": acao_without_vary,
    "hono-4.12.24": reflects("null", with_credentials=True),
    "koa-cors-4.0.0": reflects("null", with_credentials=False),
    "socket.io-2.3.0": reflects("https://evil.example", with_credentials=True),
    "socket.io-2.4.1": reflects("https://evil.example", with_credentials=True),
    "vite-6.0.8": vite_any_origin,
    "fastify-cors-6.0.2": alternates,
    "express-cors-2.8.1": no_vary_for("https://evil.example"),
    "express-cors-2.8.6-regex-g": alternates,
    "restify-cors-middleware-1.1.1-wildcard": reflects("https://x.apixexample.com", with_credentials=True),
    "restify-cors-middleware2-2.2.1-wildcard": reflects("https://x.apixexample.com", with_credentials=True),
    "gorilla-handlers-validator": acao_without_vary,
    "gorilla-handlers-list": no_vary_for("https://evil.example"),
    "rs-cors-star-credentials": wildcard_with_credentials,
    "rs-cors-method-case": method_case_changed,
    "go-chi-cors-method-case": method_case_changed,
    "plack-crossorigin-credentials": reflects("null", with_credentials=True),
    "nginx-add-header-no-always": error_without_acao,
    "nginx-origin-regex-unanchored": reflects("https://x.example.com.evil.test", with_credentials=False),
    "nginx-proxy-double-acao": two_acao,
    "apache-header-set-no-always": error_without_acao,
}

# What the twin must still do (so that "no bug" does not mean "no CORS at all").
TWIN_WORKS: dict[str, Callable[[Target], bool]] = {
    "battery-correct": lambda t: acao(t.get("https://app.example")[1]) == ["https://app.example"],
    "hono-4.12.25": lambda t: acao(t.get("https://evil.example")[1]) == ["*"],
    "koa-cors-5.0.0": lambda t: acao(t.get("null")[1]) == ["*"],
    "socket.io-2.4.0": lambda t: t.request("GET", [])[0] == 200,
    "vite-6.0.9": lambda t: t.get("https://evil.example")[0] == 200,
    "fastify-cors-6.0.3": lambda t: all(acao(t.get("https://app.example")[1]) for _ in range(3)),
    "express-cors-2.8.6-regex": lambda t: all(acao(t.get("https://app.example")[1]) for _ in range(3)),
    "rs-cors-reflect-credentials": lambda t: not wildcard_with_credentials(t),
}


def _missing(row: dict[str, object]) -> str | None:
    req = row.get("requires") or {}
    assert isinstance(req, dict)
    if "bin" in req and shutil.which(str(req["bin"])) is None:
        return f"{req['bin']} is not installed"
    if "npm" in req and not (TARGETS_DIR / "npm" / str(req["npm"]) / ".stamp").exists():
        return f"npm package directory {req['npm']} is not installed"
    if "go" in req and not (TARGETS_DIR / "go" / "bin" / str(req["go"])).exists():
        return f"Go target {req['go']} is not built"
    if "perl" in req:
        ok = subprocess.run(["perl", f"-M{req['perl']}", "-e", "1"], capture_output=True, timeout=30).returncode == 0
        if not ok:
            return f"Perl module {req['perl']} is not installed"
    return None


@pytest.fixture
def start() -> Iterator[Callable[[str], Target]]:
    started: list[Target] = []

    def run(name: str) -> Target:
        row = BY_NAME[name]
        why = _missing(row)
        if why:
            pytest.skip(why)
        started.append(Target(row))
        return started[-1]

    yield run
    for t in started:
        t.stop()


def test_targets_json_is_consistent() -> None:
    names = [str(r["name"]) for r in ROWS]
    assert len(names) == len(set(names))
    for r in ROWS:
        assert "{port}" in str(r["start"]), r["name"]
        assert (ROOT / str(r["intent"])).exists(), r["intent"]
        if "twin" in r:
            twin = BY_NAME[str(r["twin"])]
            assert "finding" not in twin or "note" in twin, f"{r['name']}: a twin with a finding needs a note"
    buggy = {str(r["name"]) for r in ROWS if "twin" in r}
    assert buggy == set(PROBES), buggy ^ set(PROBES)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_bug_shows_and_twin_is_clean(start: Callable[[str], Target], name: str) -> None:
    probe = PROBES[name]
    twin_name = str(BY_NAME[name]["twin"])
    bug = start(name)
    assert probe(bug), f"{name}: the bug does not show"
    bug.stop()
    twin = start(twin_name)
    assert not probe(twin), f"{twin_name}: the twin shows the bug of {name}"
    if twin_name in TWIN_WORKS:
        assert TWIN_WORKS[twin_name](twin), f"{twin_name}: the twin does not grant what it should"


def test_servers_stop_when_stdin_closes(start: Callable[[str], Target]) -> None:
    t = start("battery-correct")
    assert t.proc.stdin is not None
    t.proc.stdin.close()
    t.proc.wait(5)
