"""``cors-spec probe`` against plain loopback servers: exact requests, verdicts, checked fixes."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cors_spec.cli import main

Answer = tuple[int, list[tuple[str, str]]]
Handler = Callable[[str, str, dict[str, str]], Answer]


def _server(handler: Handler) -> tuple[ThreadingHTTPServer, list[tuple[str, str, list[tuple[str, str]]]]]:
    seen: list[tuple[str, str, list[tuple[str, str]]]] = []

    class H(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen.append((self.command, self.path, list(self.headers.items())))
            status, headers = handler(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            for n, v in headers:
                self.send_header(n, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_OPTIONS = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return srv, seen


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], tuple[str, list[tuple[str, str, list[tuple[str, str]]]]]]]:
    servers: list[ThreadingHTTPServer] = []

    def start(handler: Handler) -> tuple[str, list[tuple[str, str, list[tuple[str, str]]]]]:
        srv, seen = _server(handler)
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}", seen

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


PAGE = "http://app.test"


def test_preflight_missing_methods_is_fixed_and_checked(serve: Callable[[Handler], tuple[str, list[
        tuple[str, str, list[tuple[str, str]]]]]]) -> None:
    def h(method: str, path: str, headers: dict[str, str]) -> Answer:
        return 204 if method == "OPTIONS" else 200, [("Access-Control-Allow-Origin", PAGE)]
    base, seen = serve(h)
    code, out, err = _run("probe", base + "/items", "--page", PAGE, "-X", "PUT", "--data", "{}",
                          "-H", "Content-Type: application/json", "--json")
    assert code == 0, err
    doc = json.loads(out)
    by = {p["profile"]: p for p in doc["profiles"]}
    assert set(by) == {"chromium", "firefox", "webkit"}
    for p in by.values():
        assert p["reason"] == "method-disallowed-by-preflight-response"
        assert p["exchange"][0]["request"]["preflight"] is True
        assert p["console"]
        assert p["fix"]["passes"] is True
        names = {c["name"] for c in p["fix"]["changes"]}
        assert "Access-Control-Allow-Methods" in names
    # The preflight went out with the engine's exact headers (Origin, ACRM).
    options = [s for s in seen if s[0] == "OPTIONS"]
    assert options and all(("Origin", PAGE) in s[2] for s in options)


def test_allowed_request_passes_with_no_fix(serve: Callable[[Handler], tuple[str, list[
        tuple[str, str, list[tuple[str, str]]]]]]) -> None:
    base, _ = serve(lambda m, p, h: (200, [("Access-Control-Allow-Origin", "*")]))
    code, out, _ = _run("probe", base + "/x", "--page", PAGE, "--profile", "chromium")
    assert code == 0
    assert "== chromium: ok" in out and "fix" not in out


def test_redirect_taints_origin_and_the_fix_allows_null(serve: Callable[[Handler], tuple[str, list[
        tuple[str, str, list[tuple[str, str]]]]]]) -> None:
    other, _ = serve(lambda m, p, h: (200, [("Access-Control-Allow-Origin", PAGE)]))
    base, _ = serve(lambda m, p, h: (302, [("Access-Control-Allow-Origin", PAGE), ("Location", other + "/final")]))
    code, out, _ = _run("probe", base + "/start", "--page", PAGE, "--profile", "chromium", "--json")
    assert code == 0
    p = json.loads(out)["profiles"][0]
    assert p["reason"] == "allow-origin-mismatch"
    assert p["fix"]["changes"][0]["value"] == "null" and p["fix"]["passes"]


def test_unreachable_server_is_exit_2_one_line() -> None:
    with socket.socket() as s:  # a free port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = _run("probe", f"http://127.0.0.1:{port}/x", "--page", PAGE, "--timeout", "2")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unreachable" in err


def test_cookie_is_sent_with_credentials_and_masked(serve: Callable[[Handler], tuple[str, list[
        tuple[str, str, list[tuple[str, str]]]]]]) -> None:
    base, seen = serve(lambda m, p, h: (200, [("Access-Control-Allow-Origin", PAGE)]))
    code, out, _ = _run("probe", base + "/x", "--page", PAGE, "--credentials", "include",
                        "--cookie", "session=secret-value-123", "--profile", "firefox")
    assert code == 0
    assert ("Cookie", "session=secret-value-123") in seen[0][2]
    assert "secret-value-123" not in out
    assert "invalid-allow-credentials" in out and "Access-Control-Allow-Credentials: true" in out


def test_scan_runs_the_battery(serve: Callable[[Handler], tuple[str, list[
        tuple[str, str, list[tuple[str, str]]]]]]) -> None:
    def reflect(method: str, path: str, h: dict[str, str]) -> Answer:
        origin = h.get("origin", "")
        return (204 if method == "OPTIONS" else 200,
                [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")])
    base, _ = serve(reflect)
    code, out, err = _run("probe", "--scan", base + "/api", "--page", PAGE, "--profile", "chromium", "--json")
    assert code == 0, err
    probes = {p["name"]: p for p in json.loads(out)["probes"]}
    assert probes["any-origin"]["granted"] and probes["any-origin"]["with_credentials"]
    assert probes["null"]["granted"] and not probes["null"]["intended"]
    code, out, _ = _run("probe", "--scan", base + "/api", "--page", PAGE, "--profile", "chromium")
    assert code == 0 and "GRANTED" in out and "any-origin" in out
