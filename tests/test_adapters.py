"""Server adapters: ASGI (3 and 2), WSGI and plain callables, driven in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from cors_spec import Browser, Outcome, ServerResponse, WireRequest
from cors_spec.adapters import AppFactory, AppServer, as_server, asgi, detect, plain, wsgi


async def echo_asgi(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
    """Answers with what it saw, as headers."""
    message = await receive()
    seen = [(b"x-method", scope["method"].encode()), (b"x-path", scope["path"].encode()),
            (b"x-query", scope["query_string"]), (b"x-body", message["body"])]
    seen += [(b"x-h-" + n, v) for n, v in scope["headers"]]
    await send({"type": "http.response.start", "status": 201, "headers": seen})
    await send({"type": "http.response.body", "body": b"done"})


class EchoAsgi2:
    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope

    async def __call__(self, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"x-path", self.scope["path"].encode())]})
        await send({"type": "http.response.body", "body": b""})


def echo_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    headers = [("X-Path", environ["PATH_INFO"]), ("X-Query", environ["QUERY_STRING"]),
               ("X-Body", body.decode()), ("X-Scheme", environ["wsgi.url_scheme"])]
    headers += [("X-Env-" + k, str(v)) for k, v in environ.items() if k.startswith(("HTTP_", "CONTENT_"))]
    start_response("202 Accepted", headers)
    return [b"ok"]


def _headers(resp: ServerResponse) -> dict[str, str]:
    return {n.lower(): v for n, v in resp.headers}


def wire(**kw: Any) -> WireRequest:
    base: dict[str, Any] = {"method": "POST", "url": "https://api.example/a%20b/c?q=1",
                            "headers": (("Content-Type", "text/plain"), ("Origin", "https://app.example")),
                            "body": "hello", "credentials": True}
    base.update(kw)
    return WireRequest(**base)


def test_detect() -> None:
    assert detect(echo_asgi) == "asgi"
    assert detect(EchoAsgi2) == "asgi2"
    assert detect(echo_wsgi) == "wsgi"
    assert detect(lambda w: ServerResponse()) == "callable"
    app = Starlette()
    assert detect(app) == "asgi"
    assert detect(CORSMiddleware(app, allow_origins=["*"])) == "asgi"


def test_asgi_request_as_sent_with_cookie() -> None:
    server = asgi(echo_asgi)
    server.cookie = "s=1"
    resp = server(wire())
    h = _headers(resp)
    assert resp.status == 201 and resp.body == "done"
    assert h["x-method"] == "POST" and h["x-path"] == "/a b/c" and h["x-query"] == "q=1" and h["x-body"] == "hello"
    assert h["x-h-host"] == "api.example"
    assert h["x-h-origin"] == "https://app.example"
    assert h["x-h-cookie"] == "s=1"  # credentials included and the browser holds a cookie
    assert h["x-h-content-length"] == "5"
    assert [e.request.header("cookie") for e in server.exchanges] == ["s=1"]


def test_no_cookie_without_credentials_or_for_preflights() -> None:
    server = asgi(echo_asgi)
    server.cookie = "s=1"
    assert "x-h-cookie" not in _headers(server(wire(credentials=False)))
    assert "x-h-cookie" not in _headers(server(wire(method="OPTIONS", credentials=False, preflight=True)))


def test_asgi2() -> None:
    assert _headers(as_server(EchoAsgi2)(wire()))["x-path"] == "/a b/c"


def test_wsgi_environ() -> None:
    server = wsgi(echo_wsgi)
    server.cookie = "s=1"
    resp = server(wire(headers=(("X-A", "1"), ("x-a", "2"), ("Content-Type", "text/plain"))))
    h = _headers(resp)
    assert resp.status == 202 and resp.body == "ok"
    assert h["x-path"] == "/a b/c" and h["x-query"] == "q=1" and h["x-body"] == "hello" and h["x-scheme"] == "https"
    assert h["x-env-http_x_a"] == "1, 2"
    assert h["x-env-content_type"] == "text/plain" and h["x-env-content_length"] == "5"
    assert h["x-env-http_cookie"] == "s=1" and h["x-env-http_host"] == "api.example"


def test_app_errors_become_500_and_are_kept() -> None:
    def broken(w: WireRequest) -> ServerResponse:
        raise RuntimeError("boom")

    server = plain(broken)
    assert server(wire()).status == 500
    assert "RuntimeError: boom" in server.errors[0]


def _starlette() -> CORSMiddleware:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"X-Total": "3"})

    inner = Starlette()
    inner.add_route("/items", endpoint, methods=["GET", "PUT"])
    return CORSMiddleware(inner, allow_origins=["https://app.example"], allow_methods=["GET", "PUT"],
                          allow_headers=["X-Token"], expose_headers=["X-Total"])


def test_starlette_through_the_browser_preflight_then_put() -> None:
    server = as_server(_starlette())
    result = Browser("https://app.example").fetch("https://api.example/items", method="PUT", headers={"X-Token": "t"},
                                                  body="{}", server=server)
    assert result.outcome is Outcome.CORS and result.status == 200
    assert ("x-total", "3") in result.headers
    assert [(e.request.method, e.request.preflight, e.response.status) for e in server.exchanges] == [
        ("OPTIONS", True, 200), ("PUT", False, 200)]
    blocked = Browser("https://evil.test").fetch("https://api.example/items", method="PUT",
                                                 headers={"X-Token": "t"}, body="{}", server=server)
    assert blocked.outcome is Outcome.NETWORK_ERROR and len(blocked.sent) == 1  # the PUT never left


def test_factory_fresh_and_shared() -> None:
    made: list[int] = []

    def make() -> Callable[[WireRequest], ServerResponse]:
        made.append(1)
        n = len(made)
        return lambda w: ServerResponse(200, (("X-App", str(n)),))

    fresh = AppFactory(make)
    assert fresh.fresh and fresh.new() is not fresh.new()
    w = wire()
    first = fresh.answer_fresh(w)
    assert fresh.answer_fresh(w) is first  # a new app answers the same request the same way: remembered
    shared = AppFactory.shared(plain(lambda w: ServerResponse(204)))
    assert not shared.fresh and shared.new() is shared.new()
    assert isinstance(shared.new(), AppServer)


# --- over real HTTP -------------------------------------------------------------------------


def test_http_adapter_sends_the_engines_exact_header_list() -> None:
    import socket
    import threading

    from cors_spec.adapters import ServerUnreachable, http_factory

    heads: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(10)
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            buf = b""
            while len(heads) < 2:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, _, buf = buf.partition(b"\r\n\r\n")
                heads.append(head)
                conn.sendall(b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.example\r\n"
                             b"Access-Control-Allow-Credentials: true\r\n"
                             b"Access-Control-Allow-Methods: PUT\r\nAccess-Control-Allow-Headers: x-token\r\n"
                             b"Vary: Origin\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    factory = http_factory(f"http://127.0.0.1:{port}", url="https://api.example/items?q=1", cookie="sid=7")
    server = factory.new()
    result = Browser("https://app.example", "chromium").fetch(
        "https://api.example/items?q=1", method="PUT", headers=(("X-Token", "1"),), credentials="include",
        body="{}", server=server)
    thread.join(10)
    listener.close()
    assert result.outcome is Outcome.CORS
    preflight, put = (h.decode("latin-1").split("\r\n") for h in heads)
    assert preflight[0] == "OPTIONS /items?q=1 HTTP/1.1"
    assert preflight[1] == "Host: api.example"  # the host the page believes it fetches, first
    assert [ln.split(":")[0] for ln in preflight[1:]] == ["Host", *(n for n, _ in server.exchanges[0].request.headers)]
    assert put[0] == "PUT /items?q=1 HTTP/1.1" and "Cookie: sid=7" in put
    assert put[-1] == "Content-Length: 2"
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    dead = free.getsockname()[1]
    free.close()
    with pytest.raises(ServerUnreachable, match="refused"):
        http_factory(f"http://127.0.0.1:{dead}").new().ask(wire(url=f"http://127.0.0.1:{dead}/"))
