"""An HTTP/1.1 client that puts exactly the given header list on the wire.

The oracle sends the requests its browser model built: the header names, values and order
are part of what is tested, so this client adds nothing it does not report (no
``Accept-Encoding``, ``User-Agent`` or ``Connection``; ``Host`` and ``Content-Length`` only
when the list lacks them, and then listed in :attr:`WireResponse.added`), merges and
reorders nothing, and returns the response headers as received, in wire order, repeated
names included. Every request is bounded in total time (connect, send, headers and body
together), header blocks and bodies are bounded in bytes, and every network failure is one
exception type, :class:`WireError`, with a ``kind``.

Standard library only, and nothing from the rest of ``cors_spec``.

>>> pool = WirePool()                                                # doctest: +SKIP
>>> r = send("GET", "http://127.0.0.1:8000/api", [("Origin", "https://app.example")],  # doctest: +SKIP
...          None, timeout=5.0, max_header_bytes=65536, max_body_bytes=1 << 20, pool=pool)
>>> r.status, r.headers                                              # doctest: +SKIP
(200, [('Access-Control-Allow-Origin', 'https://app.example'), ...])
"""

from __future__ import annotations

import errno
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["KINDS", "WireError", "WirePool", "WireResponse", "send"]

#: The kinds of :class:`WireError`.
KINDS = (
    "refused",  # nothing listens there (or the name does not resolve)
    "reset",  # the server reset or closed the connection before a whole answer
    "timeout",  # the request's total time ran out
    "protocol",  # what came back is not HTTP/1.x (garbage, a bad status line or header)
    "oversize",  # the header block or the body is over its byte limit
    "tls",  # the TLS handshake failed
)

_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NO_BODY_STATUSES = frozenset({204, 304})
_RECV = 65536


class WireError(Exception):
    """A request that got no whole HTTP answer; ``kind`` is one of :data:`KINDS`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class WireResponse:
    """An answer as received: ``headers`` in wire order, names as the server spelled them."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    #: headers the client added because the list lacked them (``Host``, ``Content-Length``)
    added: list[tuple[str, str]] = field(default_factory=list)
    #: whether the answer came on a connection reused from the pool
    reused: bool = False


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class WirePool:
    """Idle keep-alive connections per (scheme, host, port); not thread-safe.

    ``max_idle`` connections are kept per key; :meth:`close` closes them all.
    """

    def __init__(self, max_idle: int = 4) -> None:
        self.max_idle = max_idle
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}

    def _take(self, key: tuple[str, str, int]) -> _Conn | None:
        conns = self._idle.get(key)
        return conns.pop() if conns else None

    def _give(self, key: tuple[str, str, int], conn: _Conn) -> None:
        conns = self._idle.setdefault(key, [])
        if len(conns) < self.max_idle and not conn.buf:
            conns.append(conn)
        else:
            conn.close()

    def idle(self, scheme: str, host: str, port: int) -> int:
        """How many idle connections the pool holds for this key."""
        return len(self._idle.get((scheme, host, port), []))

    def close(self) -> None:
        for conns in self._idle.values():
            for c in conns:
                c.close()
        self._idle.clear()

    def __enter__(self) -> WirePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Deadline:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.end = time.monotonic() + timeout

    def left(self, what: str) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise WireError("timeout", f"no whole answer within {self.timeout:g} s ({what})")
        return left


def _check_header(name: str, value: str) -> None:
    if not name or not set(name) <= _TOKEN_CHARS:
        raise ValueError(f"not a header name (token): {name!r}")
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"header value with CR, LF or NUL: {name}: {value!r}")


def send(
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
    *,
    timeout: float,
    max_header_bytes: int,
    max_body_bytes: int,
    pool: WirePool | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> WireResponse:
    """Send one request with exactly ``headers`` (in order) and read the whole answer.

    ``Host`` is taken from ``headers`` when present, else added first; ``Content-Length`` is
    added last when ``body`` is given and the list has neither it nor ``Transfer-Encoding``;
    both are reported in :attr:`WireResponse.added`. Redirects are not followed. ``timeout``
    bounds the whole exchange. With a ``pool``, an idle connection is reused; if the server
    closed it before sending any byte of the answer, the request is sent once more on a new
    connection (:attr:`WireResponse.reused` says which). A connection that failed is never
    pooled. Raises :class:`WireError` for network failures and :class:`ValueError` for a
    request that cannot be written (bad URL, method or header).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not method or not set(method) <= _TOKEN_CHARS:
        raise ValueError(f"not a method (token): {method!r}")
    host = parts.hostname
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ValueError(f"bad port in URL: {url!r}") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(c in target for c in " \r\n\0"):
        raise ValueError(f"request target with a space or control character: {target!r}")
    for name, value in headers:
        _check_header(name, value)

    lines = list(headers)
    added: list[tuple[str, str]] = []
    lower = {n.lower() for n, _ in lines}
    if "host" not in lower:
        shown = f"[{host}]" if ":" in host else host
        default = 443 if scheme == "https" else 80
        added.append(("Host", shown if port == default else f"{shown}:{port}"))
        lines.insert(0, added[-1])
    if body is not None and "content-length" not in lower and "transfer-encoding" not in lower:
        added.append(("Content-Length", str(len(body))))
        lines.append(added[-1])
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{n}: {v}\r\n" for n, v in lines) + "\r\n"
    data = head.encode("latin-1") + (body or b"")

    deadline = _Deadline(timeout)
    key = (scheme, host, port)
    conn = pool._take(key) if pool is not None else None
    if conn is not None:
        try:
            resp, keep = _exchange(conn, data, method, deadline, max_header_bytes, max_body_bytes, fresh=False)
        except _Stale:
            conn.close()
            conn = None  # the server closed the idle connection: once more on a new one
        except BaseException:
            conn.close()
            raise
        else:
            _finish(pool, key, conn, keep)
            return WireResponse(resp.status, resp.reason, resp.headers, resp.body, added, True)
    conn = _connect(host, port, scheme, ssl_context, deadline)
    try:
        resp, keep = _exchange(conn, data, method, deadline, max_header_bytes, max_body_bytes, fresh=True)
    except BaseException:
        conn.close()
        raise
    _finish(pool, key, conn, keep)
    return WireResponse(resp.status, resp.reason, resp.headers, resp.body, added, False)


def _finish(pool: WirePool | None, key: tuple[str, str, int], conn: _Conn, keep: bool) -> None:
    if pool is not None and keep:
        pool._give(key, conn)
    else:
        conn.close()


class _Stale(Exception):
    """A reused connection that was closed before any byte of the answer."""


def _connect(host: str, port: int, scheme: str, ctx: ssl.SSLContext | None, deadline: _Deadline) -> _Conn:
    try:
        sock = socket.create_connection((host, port), timeout=deadline.left("connect"))
    except TimeoutError:
        raise WireError("timeout", f"connecting to {host}:{port} took over {deadline.timeout:g} s") from None
    except ConnectionRefusedError:
        raise WireError("refused", f"nothing listens on {host}:{port}") from None
    except socket.gaierror as e:
        raise WireError("refused", f"cannot resolve {host}: {e.strerror}") from None
    except OSError as e:
        raise WireError("refused", f"cannot connect to {host}:{port}: {e.strerror or e}") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if scheme == "https":
        context = ctx if ctx is not None else ssl.create_default_context()
        try:
            sock.settimeout(deadline.left("TLS handshake"))
            sock = context.wrap_socket(sock, server_hostname=host)
        except TimeoutError:
            sock.close()
            raise WireError("timeout", f"TLS handshake with {host}:{port} took over {deadline.timeout:g} s") from None
        except ssl.SSLError as e:
            sock.close()
            raise WireError("tls", f"TLS handshake with {host}:{port} failed: {e.reason or e}") from None
        except OSError as e:
            sock.close()
            raise WireError("reset", f"TLS handshake with {host}:{port}: {e.strerror or e}") from None
    return _Conn(sock)


@dataclass(frozen=True)
class _Resp:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def _recv(conn: _Conn, deadline: _Deadline, what: str) -> bytes:
    conn.sock.settimeout(deadline.left(what))
    try:
        return conn.sock.recv(_RECV)
    except TimeoutError:
        raise WireError("timeout", f"no whole answer within {deadline.timeout:g} s ({what})") from None
    except ssl.SSLError as e:
        raise WireError("reset", f"TLS error while reading the {what}: {e.reason or e}") from None
    except OSError as e:
        if e.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
            raise WireError("reset", f"the server reset the connection while sending the {what}") from None
        raise WireError("reset", f"reading the {what}: {e.strerror or e}") from None


def _exchange(conn: _Conn, data: bytes, method: str, deadline: _Deadline, max_header_bytes: int,
              max_body_bytes: int, *, fresh: bool) -> tuple[_Resp, bool]:
    try:
        conn.sock.settimeout(deadline.left("sending the request"))
        conn.sock.sendall(data)
    except TimeoutError:
        raise WireError("timeout", f"sending the request took over {deadline.timeout:g} s") from None
    except OSError:
        if not fresh:
            raise _Stale() from None
        raise WireError("reset", "the server closed the connection while the request was sent") from None
    while True:  # skip interim 1xx answers
        try:
            version_11, status, reason, headers = _read_head(conn, deadline, max_header_bytes)
        except _Empty:
            if not fresh:
                raise _Stale() from None
            raise WireError("reset", "the server closed the connection without answering") from None
        except WireError as e:
            if not fresh and e.kind == "reset" and not conn.buf:
                raise _Stale() from None
            raise
        if not 100 <= status < 200 or status == 101:
            break
        fresh = True  # an answer has begun: no retry from here on
    conn_tokens = {t.strip().lower() for n, v in headers if n.lower() == "connection" for t in v.split(",")}
    keep = ("close" not in conn_tokens) if version_11 else ("keep-alive" in conn_tokens)
    if method == "HEAD" or status in _NO_BODY_STATUSES or status == 101:
        return _Resp(status, reason, headers, b""), keep and status != 101
    te = [v for n, v in headers if n.lower() == "transfer-encoding"]
    cl = [v.strip() for n, v in headers if n.lower() == "content-length"]
    if te:
        if te[-1].split(",")[-1].strip().lower() != "chunked":
            body = _read_to_close(conn, deadline, max_body_bytes)
            return _Resp(status, reason, headers, body), False
        return _Resp(status, reason, headers, _read_chunked(conn, deadline, max_body_bytes, max_header_bytes)), keep
    if cl:
        if len(set(cl)) != 1 or not all(p.strip().isdigit() for p in cl[0].split(",")) or len(
                {p.strip() for p in cl[0].split(",")}) != 1:
            raise WireError("protocol", f"bad Content-Length: {', '.join(cl)}")
        n = int(cl[0].split(",")[0])
        if n > max_body_bytes:
            raise WireError("oversize", f"the body is {n} bytes, over the limit of {max_body_bytes}")
        return _Resp(status, reason, headers, _read_exact(conn, n, deadline)), keep
    return _Resp(status, reason, headers, _read_to_close(conn, deadline, max_body_bytes)), False


class _Empty(Exception):
    """The connection closed before any byte of an answer."""


def _read_head(conn: _Conn, deadline: _Deadline, limit: int) -> tuple[bool, int, str, list[tuple[str, str]]]:
    while True:
        end = conn.buf.find(b"\r\n\r\n")
        lf_end = conn.buf.find(b"\n\n")
        if end >= 0 or lf_end >= 0:
            cut = end + 4 if end >= 0 and (lf_end < 0 or end < lf_end) else lf_end + 2
            if cut > limit:
                raise WireError("oversize", f"the header block is over the limit of {limit} bytes")
            block, conn.buf = conn.buf[:cut], conn.buf[cut:]
            break
        if len(conn.buf) > limit:
            raise WireError("oversize", f"the header block is over the limit of {limit} bytes")
        if conn.buf and b"HTTP/"[: len(conn.buf)] != conn.buf[:5]:
            raise WireError("protocol", f"the answer does not begin like HTTP: {conn.buf[:40]!r}")
        chunk = _recv(conn, deadline, "status line and headers")
        if not chunk:
            if not conn.buf:
                raise _Empty()
            raise WireError("reset", "the connection closed in the middle of the header block")
        conn.buf += chunk
    text = block.decode("latin-1")
    lines = text.replace("\r\n", "\n").split("\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or parts[0] not in ("HTTP/1.1", "HTTP/1.0") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise WireError("protocol", f"not an HTTP/1.x status line: {status_line[:80]!r}")
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t":  # obsolete line folding: part of the previous value
            if not headers:
                raise WireError("protocol", f"a header block that begins with a continuation line: {line[:80]!r}")
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip(" \t"))
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or not set(name) <= _TOKEN_CHARS:
            raise WireError("protocol", f"not a header line: {line[:80]!r}")
        headers.append((name, value.strip(" \t")))
    return parts[0] == "HTTP/1.1", status, reason, headers


def _read_exact(conn: _Conn, n: int, deadline: _Deadline) -> bytes:
    while len(conn.buf) < n:
        chunk = _recv(conn, deadline, "body")
        if not chunk:
            raise WireError("reset", f"the connection closed after {len(conn.buf)} of {n} body bytes")
        conn.buf += chunk
    out, conn.buf = conn.buf[:n], conn.buf[n:]
    return out


def _read_line(conn: _Conn, deadline: _Deadline, limit: int) -> bytes:
    while True:
        i = conn.buf.find(b"\n")
        if i >= 0:
            line, conn.buf = conn.buf[: i + 1], conn.buf[i + 1:]
            return line
        if len(conn.buf) > limit:
            raise WireError("oversize", f"a chunk line over {limit} bytes")
        chunk = _recv(conn, deadline, "chunked body")
        if not chunk:
            raise WireError("reset", "the connection closed in the middle of a chunked body")
        conn.buf += chunk


def _read_chunked(conn: _Conn, deadline: _Deadline, max_body: int, max_line: int) -> bytes:
    body = bytearray()
    while True:
        line = _read_line(conn, deadline, max_line).strip()
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise WireError("protocol", f"bad chunk size line: {line[:40]!r}") from None
        if size < 0:
            raise WireError("protocol", f"bad chunk size line: {line[:40]!r}")
        if size == 0:
            total = 0
            while True:  # trailer section, ignored
                trailer = _read_line(conn, deadline, max_line)
                total += len(trailer)
                if total > max_line:
                    raise WireError("oversize", f"the trailer section is over {max_line} bytes")
                if trailer in (b"\r\n", b"\n"):
                    return bytes(body)
        if len(body) + size > max_body:
            raise WireError("oversize", f"the body is over the limit of {max_body} bytes")
        body += _read_exact(conn, size, deadline)
        if _read_line(conn, deadline, max_line).strip():
            raise WireError("protocol", "a chunk not followed by CRLF")


def _read_to_close(conn: _Conn, deadline: _Deadline, max_body: int) -> bytes:
    body = bytearray(conn.buf)
    conn.buf = b""
    while True:
        if len(body) > max_body:
            raise WireError("oversize", f"the body is over the limit of {max_body} bytes")
        chunk = _recv(conn, deadline, "body")
        if not chunk:
            return bytes(body)
        body += chunk
