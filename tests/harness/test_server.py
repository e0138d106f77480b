"""The loopback server and the scenario rewriting, without any browser."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from harness.run import observe
from harness.scenario import ScenarioError, prepare
from harness.server import Mark, Run, Server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _raw(port: int, data: bytes, family: int = socket.AF_INET) -> bytes:
    host = "127.0.0.1" if family == socket.AF_INET else "::1"
    reader, writer = await asyncio.open_connection(host, port, family=family)
    writer.write(data)
    await writer.drain()
    out = await asyncio.wait_for(reader.read(), 5)  # server closes: read to EOF
    writer.close()
    return out


def _scenario(port: int) -> dict[str, Any]:
    b = f"http://b.test:{port}"
    return {
        "name": "srv",
        "page": f"http://a.test:{port}",
        "requests": [{"url": f"{b}/data?x=1"}, {"method": "PUT", "url": f"{b}/items"}],
        "server": [
            {"url": f"{b}/data?x=1", "headers": [["X-B", "2"], ["X-A", "1"], ["X-A", "3"]], "body": "hé"},
            {"method": "OPTIONS", "url": f"{b}/items", "status": 204, "headers": [["Access-Control-Allow-Origin", "*"]]},
            {"url": f"{b}/items", "status": 302, "headers": [["Location", "/new?y"]]},
            {"url": f"{b}/abs", "status": 301, "headers": [["Location", f"http://c.test:{port}/z"]]},
        ],
    }


def test_server_answers_exactly_and_logs() -> None:
    async def main() -> None:
        port = _free_port()
        case = prepare(_scenario(port), 0, "t1")
        run = Run("t1", [case])
        srv = Server()
        srv.runs["t1"] = run
        await srv.listen({port})
        try:
            p = case.rewriter.prefix
            host = f"Host: b.test:{port}\r\n".encode()
            got = await _raw(port, b"GET " + p.encode() + b"/data?x=1 HTTP/1.1\r\n" + host + b"Origin: http://a.test\r\n\r\n")
            assert got == "HTTP/1.1 200 OK\r\nX-B: 2\r\nX-A: 1\r\nX-A: 3\r\n\r\nhé".encode()
            run.logs[0].append(Mark(1))
            pre = (b"OPTIONS " + p.encode() + b"/items HTTP/1.1\r\n" + host + b"Origin: http://a.test\r\n"
                   b"Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: x-token\r\n\r\n")
            got = await _raw(port, pre, socket.AF_INET6)
            assert got == b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n\r\n"
            got = await _raw(port, b"PUT " + p.encode() + b"/items HTTP/1.1\r\n" + host + b"Content-Length: 3\r\n\r\nabc")
            assert got == f"HTTP/1.1 302 Found\r\nLocation: {p}/new?y\r\n\r\n".encode()
            got = await _raw(port, b"GET " + p.encode() + b"/abs HTTP/1.1\r\n" + host + b"\r\n")
            assert got == f"HTTP/1.1 301 Moved Permanently\r\nLocation: http://c.test:{port}{p}/z\r\n\r\n".encode()
            got = await _raw(port, b"GET " + p.encode() + b"/nothing HTTP/1.1\r\n" + host + b"\r\n")
            assert got == b"HTTP/1.1 404 Not Found\r\n\r\n"
            got = await _raw(port, b"GET /elsewhere HTTP/1.1\r\n" + host + b"\r\n")
            assert got == b"HTTP/1.1 404 Not Found\r\n\r\n"
        finally:
            await srv.close()
        entries = [e.sent() for e in run.logs[0] if not isinstance(e, Mark)]
        b = f"http://b.test:{port}"
        assert entries[0] == {"method": "GET", "url": f"{b}/data?x=1", "origin": "http://a.test", "acrm": None, "acrh": None}
        assert entries[1] == {"method": "OPTIONS", "url": f"{b}/items", "origin": "http://a.test", "acrm": "PUT",
                              "acrh": "x-token"}
        assert entries[2]["method"] == "PUT" and entries[2]["origin"] is None

        # observations: traffic split at the marks, URLs mapped back
        run.results[0] = {"results": [
            {"kind": "response", "outcome": "cors", "status": 200, "headers": ["X-A"], "redirected": False,
             "url": case.requests[0]["url"]},
            {"kind": "error", "error": f"TypeError: failed {case.requests[1]['url']}"},
        ]}
        obs, errors = observe(case, run)
        assert obs[0]["url"] == f"{b}/data?x=1" and obs[0]["headers"] == ["x-a"]
        assert [s["method"] for s in obs[0]["sent"]] == ["GET"]
        assert [s["method"] for s in obs[1]["sent"]] == ["OPTIONS", "PUT", "GET", "GET"]
        assert obs[1]["outcome"] == "network-error"
        assert errors == [f"request 1: TypeError: failed {b}/items"]

    asyncio.run(main())


def test_rewriter_round_trip() -> None:
    case = prepare({"name": "x", "page": "http://a.test", "requests": [{"url": "/rel"}], "server": []}, 12, "r")
    rw = case.rewriter
    assert case.requests[0]["url"] == "http://a.test/__s/r.12/rel"
    assert rw.url("http://b.test") == "http://b.test/__s/r.12/"
    assert rw.url("https://b.test/x") == "https://b.test/x"  # never served: left alone
    assert rw.location("../up", "http://b.test/a/b") == "/__s/r.12/up"
    assert rw.location("same-dir", "http://b.test/a/b") == "same-dir"
    assert rw.back("at 'http://b.test/__s/r.12/rel' and /__s/r.1/x") == "at 'http://b.test/rel' and /__s/r.1/x"


@pytest.mark.parametrize("url", ["http://example.com/", "http://8.8.8.8/x", "http://a.test.example/"])
def test_non_loopback_hosts_are_refused(url: str) -> None:
    with pytest.raises(ScenarioError):
        prepare({"name": "x", "page": "http://a.test", "requests": [{"url": url}], "server": []}, 0, "r")
    with pytest.raises(ScenarioError):
        prepare({"name": "x", "page": "http://a.test", "requests": [],
                 "server": [{"url": "http://b.test/", "status": 302, "headers": [["Location", url]]}]}, 0, "r")
