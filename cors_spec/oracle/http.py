"""The HTTP adapter: the model's requests go over real HTTP to a running server.

:func:`http` gives an :class:`HttpServer`, an :class:`~cors_spec.oracle.adapters.AppServer`
whose handler sends each :class:`~cors_spec.WireRequest` with :func:`cors_spec.oracle.wire.send`:
the header names, values and order the profile's engine puts on the wire, nothing merged,
reordered or added (``Host`` comes first, as browsers send it; ``Content-Length`` when there
is a body), over pooled keep-alive connections, each request bounded in time.

``base_url`` is where the server listens (``http://127.0.0.1:8000``); the requests may name
another URL, the one the page believes it fetches (``https://api.example/items``): its
scheme, host and port are replaced by ``base_url``'s, and ``Host`` names the believed host,
as a browser fetching it would. Requests to other origins (a redirect elsewhere) go to
loopback hosts only; any other host is answered with a network-error stand-in (status 0).

Network failures are not answers: they raise :class:`ServerUnreachable` (an
:class:`~cors_spec.errors.InputError`), which the oracle never turns into a finding. A server
that has answered before and then answers one request with something that is not HTTP
(a negative Content-Length, an oversized header block) gives an ``app-error`` finding for
that request instead: the browser would see a network error there.

>>> server = http("http://127.0.0.1:8000", cookie="session=1")          # doctest: +SKIP
>>> check(intent, AppFactory.shared(server), request)                   # doctest: +SKIP
"""

from __future__ import annotations

import attrs

from cors_spec.errors import InputError
from cors_spec.model.request import WireRequest
from cors_spec.model.response import ServerResponse
from cors_spec.oracle.adapters import AppFactory, AppServer
from cors_spec.oracle.exchange import Exchange
from cors_spec.oracle.wire import WireError, WirePool, send

__all__ = ["HttpServer", "ServerUnreachable", "http", "http_factory"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class ServerUnreachable(InputError):
    """The server could not be reached or gave no whole HTTP answer in time."""

    def __init__(self, kind: str, url: str, message: str) -> None:
        super().__init__("server", f"{message} ({kind})", url)
        self.kind = kind


def _split(url: str) -> tuple[str, str, str]:
    """(scheme, netloc, path-and-query) of an absolute URL, without the fragment."""
    scheme, _, rest = url.partition("://")
    rest = rest.split("#", 1)[0]
    netloc, slash, tail = rest.partition("/")
    path = slash + tail
    if not path or path.startswith("?"):
        path = "/" + path.lstrip("/")
    return scheme.lower(), netloc, path


class HttpServer(AppServer):
    """An :class:`AppServer` whose app is a running server reached over HTTP."""

    def __init__(self, base_url: str, *, believed: str | None = None, cookie: str | None = None,
                 timeout: float = 10.0, max_header_bytes: int = 65536, max_body_bytes: int = 1 << 20) -> None:
        scheme, netloc, _ = _split(base_url)
        if scheme not in ("http", "https") or not netloc:
            raise InputError("URL", "must be an absolute http:// or https:// URL", base_url)
        self.base_url = base_url
        self.base = (scheme, netloc)
        bscheme, bnetloc, _ = _split(believed or base_url)
        self.believed = (bscheme, bnetloc)
        self.fixed_cookie = cookie
        self.timeout = timeout
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes
        self.pool = WirePool()
        self.sent = 0
        super().__init__(self._send, "http")

    def _send(self, wire: WireRequest) -> ServerResponse:
        scheme, netloc, path = _split(wire.url)
        headers = list(wire.headers)
        if (scheme, netloc) == self.believed:
            target = f"{self.base[0]}://{self.base[1]}{path}"
            if self.believed != self.base:
                headers.insert(0, ("Host", netloc))
        else:
            host = netloc.rsplit("@", 1)[-1]
            host = host[: host.index("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
            if host.lower() not in _LOOPBACK:
                return ServerResponse(0, (), "")  # never leave the machine
            target = wire.url.split("#", 1)[0]
        body = None if wire.body is None else wire.body.encode("utf-8")
        try:
            resp = send(wire.method, target, headers, body, timeout=self.timeout,
                        max_header_bytes=self.max_header_bytes, max_body_bytes=self.max_body_bytes, pool=self.pool)
        except WireError as e:
            if e.kind in ("protocol", "oversize") and self.sent:
                # The server answers, but not this request: its answer is not HTTP a browser
                # takes (a browser sees a network error). An app error, not an unreachable server.
                self.sent += 1
                self.errors.append(f"the answer to {wire.method} {target} is not valid HTTP: {e}")
                return ServerResponse(0, (), "")
            raise ServerUnreachable(e.kind, target, str(e)) from None
        self.sent += 1
        return ServerResponse(resp.status, tuple(resp.headers), resp.body.decode("latin-1"))

    def __call__(self, wire: WireRequest) -> ServerResponse:
        cookie = self.fixed_cookie if self.fixed_cookie is not None else self.cookie
        if wire.credentials and cookie:
            wire = attrs.evolve(wire, headers=wire.headers + (("Cookie", cookie),))
        response = self.ask(wire)
        self.exchanges.append(Exchange(wire, response))
        return response

    def ask(self, wire: WireRequest) -> ServerResponse:
        """The server's answer to ``wire`` (nothing recorded); network failures raise."""
        return self._send(wire)

    def close(self) -> None:
        self.pool.close()

    def __repr__(self) -> str:
        return f"<HttpServer {self.base_url}, {len(self.exchanges)} exchange(s)>"


def http(base_url: str, *, url: str | None = None, cookie: str | None = None, timeout: float = 10.0) -> HttpServer:
    """A server listening at ``base_url``, asked over real HTTP.

    ``url``: the URL the page believes it fetches, when it is not ``base_url`` (its origin
    is mapped onto ``base_url``'s). ``cookie``: ``NAME=VALUE`` sent as ``Cookie`` on every
    request that carries credentials. ``timeout``: seconds per request, all included.
    """
    return HttpServer(base_url, believed=url, cookie=cookie, timeout=timeout)


def http_factory(base_url: str, *, url: str | None = None, cookie: str | None = None,
                 timeout: float = 10.0) -> AppFactory:
    """An :class:`AppFactory` sharing one :func:`http` server (a running server cannot be
    made afresh per example, so the state-leak property compares with its own later answers)."""
    server = http(base_url, url=url, cookie=cookie, timeout=timeout)
    factory = AppFactory(lambda: server, fresh=False)
    factory._shared = server
    return factory
