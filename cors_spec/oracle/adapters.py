"""Server adapters: an app answers the model's requests in-process, exactly as the browser sends them.

The model calls its ``server`` with each :class:`~cors_spec.WireRequest` in the order a
browser sends them (the preflight first when one is needed, then the actual request, then
each redirect). An :class:`AppServer` turns that call into a call of your app:

- :func:`asgi` (ASGI 3, and ASGI 2 "double callable" apps such as old Starlette),
  driven with asyncio on one event loop; no HTTP client or server is involved;
- :func:`wsgi`, with a PEP 3333 ``environ`` built from the request;
- :func:`aiohttp_app`, an ``aiohttp.web.Application`` (its handler and signals run as in a
  real server);
- :func:`plain`, any ``WireRequest -> ServerResponse`` callable.

:func:`as_server` picks one by looking at the app. When the browser includes credentials
and the server's ``cookie`` is set, the request carries ``Cookie: <cookie>``, as a browser
holding a cookie for the site would send it. Every request and answer is recorded in
``exchanges``; an exception raised by the app becomes a 500 answer and is kept in ``errors``.

>>> from cors_spec import Browser, ServerResponse
>>> server = plain(lambda w: ServerResponse(200, (("Access-Control-Allow-Origin", "*"),)))
>>> Browser("https://app.example").fetch("https://api.example/", server=server).outcome.value
'cors'
>>> [(e.request.method, e.response.status) for e in server.exchanges]
[('GET', 200)]
"""

from __future__ import annotations

import asyncio
import inspect
import io
import traceback
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import attrs

from cors_spec.model.request import WireRequest
from cors_spec.model.response import ServerResponse
from cors_spec.model.server import Route, Routes
from cors_spec.oracle.exchange import Exchange

__all__ = ["AppFactory", "AppServer", "aiohttp_app", "as_factory", "as_server", "asgi", "detect", "plain", "wsgi"]

Handler = Callable[[WireRequest], ServerResponse]


class AppServer:
    """A server the model can call: answers, records exchanges, attaches the browser's cookie."""

    def __init__(self, handler: Handler, kind: str = "callable") -> None:
        self._handler = handler
        self.kind = kind
        self.cookie: str | None = None
        self.exchanges: list[Exchange] = []
        self.errors: list[str] = []

    def __call__(self, wire: WireRequest) -> ServerResponse:
        if wire.credentials and self.cookie:
            wire = attrs.evolve(wire, headers=wire.headers + (("Cookie", self.cookie),))
        response = self.ask(wire)
        self.exchanges.append(Exchange(wire, response))
        return response

    def ask(self, wire: WireRequest) -> ServerResponse:
        """The app's answer to ``wire`` as given (no cookie added, nothing recorded)."""
        try:
            return self._handler(wire)
        except Exception:
            self.errors.append(traceback.format_exc())
            return ServerResponse(500, (), "")

    def __repr__(self) -> str:
        return f"<AppServer {self.kind}, {len(self.exchanges)} exchange(s)>"


def plain(fn: Handler) -> AppServer:
    """A ``WireRequest -> ServerResponse`` callable (or a route table) as an :class:`AppServer`."""
    return AppServer(fn, "callable")


# --- URL pieces -----------------------------------------------------------------------------


@attrs.frozen
class _Target:
    scheme: str
    host: str
    port: int
    netloc: str
    path: str  # percent-encoded, as on the request line
    query: str


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    return _Target(scheme, parts.hostname or "", port, parts.netloc, parts.path or "/", parts.query)


def _body(wire: WireRequest) -> bytes:
    return b"" if wire.body is None else wire.body.encode("utf-8")


def _latin1(text: str) -> bytes:
    return text.encode("latin-1", "replace")


# --- ASGI -------------------------------------------------------------------------------------

_LOOP: asyncio.AbstractEventLoop | None = None


def _loop() -> asyncio.AbstractEventLoop:
    """The one event loop the adapters run apps on (created on first use)."""
    global _LOOP
    if _LOOP is None or _LOOP.is_closed():
        _LOOP = asyncio.new_event_loop()
    return _LOOP


def _is_asgi2(app: Any) -> bool:
    if inspect.isclass(app):
        return True  # ASGI 2: the class is called with the scope, its instance with (receive, send)
    call: Any = app if inspect.isfunction(app) or inspect.ismethod(app) else getattr(app, "__call__", None)  # noqa: B004
    if call is None or inspect.iscoroutinefunction(call):
        return False
    try:
        params = [p for p in inspect.signature(call).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return False
    return len(params) == 1


def asgi(target: object) -> AppServer:
    """An ASGI application (version 3, or 2 when its call takes only the scope)."""
    app: Any = target
    asgi2 = _is_asgi2(app)

    async def run(wire: WireRequest) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        t = _target(wire.url)
        body = _body(wire)
        headers = [(b"host", _latin1(t.netloc))]
        headers += [(_latin1(n.lower()), _latin1(v)) for n, v in wire.headers]
        if body or wire.body is not None:
            headers.append((b"content-length", str(len(body)).encode()))
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "2.0" if asgi2 else "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": wire.method, "scheme": t.scheme,
            "path": unquote_to_bytes(t.path).decode("utf-8", "replace"), "raw_path": _latin1(t.path),
            "query_string": _latin1(t.query), "root_path": "", "headers": headers,
            "server": (t.host, t.port), "client": ("127.0.0.1", 50000), "extensions": {}, "state": {},
        }
        sent_body = False
        done = asyncio.Event()
        status = 500
        out_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()  # the client stays connected until the response is complete
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                out_headers = [(bytes(n), bytes(v)) for n, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    done.set()

        try:
            if asgi2:
                instance = app(scope)
                await instance(receive, send)
            else:
                await app(scope, receive, send)
        finally:
            done.set()
        return status, out_headers, b"".join(chunks)

    def handle(wire: WireRequest) -> ServerResponse:
        status, headers, body = _loop().run_until_complete(run(wire))
        return ServerResponse(status, tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in headers),
                              body.decode("utf-8", "replace"))

    return AppServer(handle, "asgi2" if asgi2 else "asgi")


# --- WSGI -------------------------------------------------------------------------------------


def wsgi(target: object) -> AppServer:
    """A WSGI application (PEP 3333)."""
    app: Any = target

    def handle(wire: WireRequest) -> ServerResponse:
        t = _target(wire.url)
        body = _body(wire)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": wire.method, "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(t.path).decode("latin-1"), "QUERY_STRING": t.query,
            "SERVER_NAME": t.host, "SERVER_PORT": str(t.port), "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": t.netloc,
            "wsgi.version": (1, 0), "wsgi.url_scheme": t.scheme, "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if body or wire.body is not None:
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in wire.headers:
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
                continue
            key = "HTTP_" + key
            environ[key] = f"{environ[key]}, {value}" if key in environ and key != "HTTP_HOST" else value
        started: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            started["status"] = status
            started["headers"] = headers
            return written.append

        result: Iterable[bytes] = app(environ, start_response)
        try:
            for chunk in result:
                written.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status = int(str(started.get("status", "500")).split()[0])
        return ServerResponse(status, tuple((str(n), str(v)) for n, v in started.get("headers", [])),
                              b"".join(written).decode("utf-8", "replace"))

    return AppServer(handle, "wsgi")


# --- aiohttp ----------------------------------------------------------------------------------


def aiohttp_app(target: object) -> AppServer:
    """An ``aiohttp.web.Application``: its router, middlewares and response signals run in-process."""
    import importlib

    app: Any = target
    aio: Any = importlib.import_module("aiohttp")
    streams: Any = importlib.import_module("aiohttp.streams")
    web: Any = importlib.import_module("aiohttp.web")
    make_mocked_request: Any = importlib.import_module("aiohttp.test_utils").make_mocked_request
    CIMultiDict: Any = importlib.import_module("multidict").CIMultiDict
    del aio

    started = False

    async def run(wire: WireRequest) -> ServerResponse:
        nonlocal started
        if not started:
            started = True
            app.freeze()
            await app.startup()
        t = _target(wire.url)
        headers = CIMultiDict([("Host", t.netloc)])
        for n, v in wire.headers:
            headers.add(n, v)
        body = _body(wire)
        protocol: Any = _Proto()
        payload = streams.StreamReader(protocol, 2**16, loop=asyncio.get_running_loop())
        if body:
            payload.feed_data(body)
        payload.feed_eof()
        path = t.path + (f"?{t.query}" if t.query else "")
        request = make_mocked_request(wire.method, path, headers=headers, app=app, payload=payload)
        try:
            response = await app._handle(request)
        except web.HTTPException as exc:
            response = web.Response(status=exc.status, reason=exc.reason, text=exc.text, headers=exc.headers)
        await response.prepare(request)
        text = ""
        raw = getattr(response, "body", None)
        if isinstance(raw, bytes | bytearray):
            text = bytes(raw).decode("utf-8", "replace")
        return ServerResponse(response.status, tuple((str(n), str(v)) for n, v in response.headers.items()), text)

    def handle(wire: WireRequest) -> ServerResponse:
        return _loop().run_until_complete(run(wire))

    return AppServer(handle, "aiohttp")


class _Proto:
    """The little of a protocol an aiohttp StreamReader calls."""

    _reading_paused = False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


# --- detection --------------------------------------------------------------------------------


def detect(target: object) -> str:
    """Which adapter fits: "aiohttp", "asgi", "asgi2", "wsgi" or "callable"."""
    app: Any = target
    if isinstance(app, AppServer):
        return app.kind
    if isinstance(app, Routes) or (isinstance(app, list | tuple) and all(isinstance(r, Route) for r in app)):
        return "callable"
    mod = type(app).__module__ or ""
    if mod.startswith("aiohttp") and hasattr(app, "router"):
        return "aiohttp"
    if not callable(app):
        raise TypeError(f"{app!r} is not an app: expected an ASGI or WSGI app, an aiohttp Application, "
                        "or a WireRequest -> ServerResponse callable")
    if inspect.isclass(app):
        return "asgi2"  # called with the scope, its instance with (receive, send)
    call: Any = app if inspect.isfunction(app) or inspect.ismethod(app) else getattr(app, "__call__", None)  # noqa: B004
    if inspect.iscoroutinefunction(call):
        return "asgi"
    try:
        sig = inspect.signature(call)
    except (TypeError, ValueError):
        return "callable"
    params = [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(params) >= 2:
        return "wsgi"
    if len(params) == 1 and not (inspect.isfunction(app) or inspect.ismethod(app)):
        annotation = str(params[0].annotation)
        return "callable" if "WireRequest" in annotation else "asgi2"
    return "callable"


def as_server(app: object) -> AppServer:
    """``app`` behind the adapter :func:`detect` picks."""
    if isinstance(app, AppServer):
        return app
    kind = detect(app)
    if kind == "aiohttp":
        return aiohttp_app(app)
    if kind in ("asgi", "asgi2"):
        return asgi(app)
    if kind == "wsgi":
        return wsgi(app)
    if isinstance(app, list | tuple):
        return plain(Routes(tuple(app)))
    fn: Any = app
    return plain(fn)


class AppFactory:
    """Servers for the oracle: a new app for each example (``fresh``), or one shared app.

    With a factory, the state-leak property compares each answer with a brand-new app's
    answer to the same request; with a shared app that property is off.
    """

    def __init__(self, make_app: Callable[[], object], *, fresh: bool = True) -> None:
        self._make_app = make_app
        self._shared: AppServer | None = None
        self._memo: dict[tuple[object, ...], ServerResponse] = {}
        self.fresh = fresh

    @classmethod
    def shared(cls, app: object) -> AppFactory:
        server = as_server(app)
        factory = cls(lambda: server, fresh=False)
        factory._shared = server
        return factory

    def new(self) -> AppServer:
        if self._shared is not None:
            return self._shared
        return as_server(self._make_app())

    def answer_fresh(self, wire: WireRequest) -> ServerResponse:
        """A new app's answer to ``wire``; remembered, since a new app answers the same request
        the same way. A shared app is simply asked."""
        if self._shared is not None:
            return self._shared.ask(wire)
        key = (wire.method, wire.url, wire.headers, wire.body, wire.credentials, wire.preflight)
        answer = self._memo.get(key)
        if answer is None:
            answer = self._memo[key] = self.new().ask(wire)
        return answer


def as_factory(target: object) -> AppFactory:
    """An :class:`AppFactory` as given, or one sharing the app or server given."""
    if isinstance(target, AppFactory):
        return target
    return AppFactory.shared(target)
