"""cors_spec/oracle/wire.py against tiny loopback servers that misbehave on purpose."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

# The module imports nothing from cors_spec: load it by path, whatever state the package is in.
_WIRE_PATH = Path(__file__).resolve().parent.parent / "cors_spec" / "oracle" / "wire.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cors_spec_oracle_wire", _WIRE_PATH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


wire = _load()
LIMITS = {"timeout": 2.0, "max_header_bytes": 65536, "max_body_bytes": 1 << 20}

Handler = Callable[[socket.socket, "Server"], None]


class Server:
    """Accepts loopback connections and runs ``handler(conn, server)`` for each in a thread."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def read_request(self, conn: socket.socket) -> bytes:
        """Read one request head (no body expected unless Content-Length) and record it."""
        data = b""
        conn.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return b""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
                while len(rest) < n:
                    rest += conn.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + rest)
        return head

    def url(self, path: str = "/api", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(2)


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(handler: Handler, tls: ssl.SSLContext | None = None) -> Server:
        servers.append(Server(handler, tls))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


OK = b"HTTP/1.1 200 OK\r\nB-Header: 1\r\nA-Header: 2\r\nb-header: 3\r\nContent-Length: 2\r\n\r\nok"


def keep_alive(answer: bytes) -> Handler:
    def handler(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn):
            conn.sendall(answer)
    return handler


def test_exact_headers_on_the_wire_and_host_added_first(serve: Callable[..., Server]) -> None:
    s = serve(keep_alive(OK))
    headers = [("origin", "https://app.example"), ("X-B", "2"), ("x-a", "1"), ("X-B", "3")]
    r = wire.send("GET", s.url("/api?q=1"), headers, None, **LIMITS)
    assert s.requests[0] == (
        f"GET /api?q=1 HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\norigin: https://app.example\r\n"
        "X-B: 2\r\nx-a: 1\r\nX-B: 3\r\n\r\n").encode()
    assert r.added == [("Host", f"127.0.0.1:{s.port}")]
    assert (r.status, r.reason, r.body) == (200, "OK", b"ok")
    assert r.headers == [("B-Header", "1"), ("A-Header", "2"), ("b-header", "3"), ("Content-Length", "2")]


def test_host_from_the_list_keeps_its_place_and_body_gets_content_length(serve: Callable[..., Server]) -> None:
    s = serve(keep_alive(OK))
    r = wire.send("POST", s.url(), [("Origin", "null"), ("host", "api.example")], b"abc", **LIMITS)
    assert s.requests[0] == (b"POST /api HTTP/1.1\r\nOrigin: null\r\nhost: api.example\r\n"
                             b"Content-Length: 3\r\n\r\nabc")
    assert r.added == [("Content-Length", "3")]
    r = wire.send("POST", s.url(), [("Host", "h"), ("Content-Length", "3")], b"xyz", **LIMITS)
    assert r.added == []


def test_connections_are_reused_per_origin(serve: Callable[..., Server]) -> None:
    s = serve(keep_alive(OK))
    with wire.WirePool() as pool:
        first = wire.send("GET", s.url(), [], None, pool=pool, **LIMITS)
        second = wire.send("OPTIONS", s.url(), [], None, pool=pool, **LIMITS)
        assert pool.idle("http", "127.0.0.1", s.port) == 1
    assert (first.reused, second.reused) == (False, True)
    assert s.connections == 1 and len(s.requests) == 2


def test_a_connection_closed_while_idle_is_replaced(serve: Callable[..., Server]) -> None:
    def once(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(OK)  # keep-alive announced, then closed
    s = serve(once)
    with wire.WirePool() as pool:
        wire.send("GET", s.url(), [], None, pool=pool, **LIMITS)
        time.sleep(0.1)
        r = wire.send("GET", s.url(), [], None, pool=pool, **LIMITS)
    assert r.status == 200 and not r.reused and s.connections == 2


def test_connection_close_and_http10_are_not_pooled(serve: Callable[..., Server]) -> None:
    s = serve(keep_alive(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
    t = serve(keep_alive(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"))
    with wire.WirePool() as pool:
        wire.send("GET", s.url(), [], None, pool=pool, **LIMITS)
        wire.send("GET", t.url(), [], None, pool=pool, **LIMITS)
        assert pool.idle("http", "127.0.0.1", s.port) == 0 and pool.idle("http", "127.0.0.1", t.port) == 0


def test_chunked_interim_head_and_no_body_statuses(serve: Callable[..., Server]) -> None:
    answers = {
        b"GET": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n",
        b"HEAD": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
        b"OPTIONS": b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n\r\n",
    }

    def handler(conn: socket.socket, server: Server) -> None:
        while head := server.read_request(conn):
            conn.sendall(answers[head.split(b" ")[0]])
    s = serve(handler)
    with wire.WirePool() as pool:
        assert wire.send("GET", s.url(), [], None, pool=pool, **LIMITS).body == b"abcde"
        assert wire.send("HEAD", s.url(), [], None, pool=pool, **LIMITS).body == b""
        r = wire.send("OPTIONS", s.url(), [], None, pool=pool, **LIMITS)
        assert (r.status, r.headers, r.reused) == (204, [("Access-Control-Allow-Origin", "*")], True)


def test_refused() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", f"http://127.0.0.1:{port}/", [], None, **LIMITS)
    assert e.value.kind == "refused"


def test_reset(serve: Callable[..., Server]) -> None:
    def reset(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s = serve(reset)
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", s.url(), [], None, **LIMITS)
    assert e.value.kind == "reset"


def test_reset_in_the_middle_of_the_body(serve: Callable[..., Server]) -> None:
    def half(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    s = serve(half)
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", s.url(), [], None, **LIMITS)
    assert e.value.kind == "reset" and "3 of 10" in e.value.message


def _bounded(s: Server, kind: str, timeout: float = 0.5) -> float:
    start = time.monotonic()
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", s.url(), [], None, timeout=timeout, max_header_bytes=65536, max_body_bytes=1 << 20)
    assert e.value.kind == kind, e.value
    return time.monotonic() - start


def test_stall_before_any_byte(serve: Callable[..., Server]) -> None:
    def stall(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        server.stop.wait(10)
    assert _bounded(serve(stall), "timeout") < 1.5


@pytest.mark.parametrize("where", ["head", "body"])
def test_dripping_server_ends_in_timeout(serve: Callable[..., Server], where: str) -> None:
    def drip(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        if where == "body":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not server.stop.is_set():
            conn.sendall(b"x" if where == "body" else b"X-Drip: 1\r\n")
            time.sleep(0.05)
    assert _bounded(serve(drip), "timeout") < 1.5


def test_garbage_instead_of_http(serve: Callable[..., Server]) -> None:
    def ssh(conn: socket.socket, server: Server) -> None:
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        server.stop.wait(5)
    s = serve(ssh)
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", s.url(), [], None, **LIMITS)
    assert e.value.kind == "protocol"


@pytest.mark.parametrize("answer", [b"HTTP/1.1 2000 OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"])
def test_malformed_answers(serve: Callable[..., Server], answer: bytes) -> None:
    s = serve(keep_alive(answer))
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", s.url(), [], None, **LIMITS)
    assert e.value.kind == "protocol"


def test_ten_megabyte_header_block_is_refused(serve: Callable[..., Server]) -> None:
    def huge(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Big: " + b"a" * 1000 + b"\r\n"
        try:
            for _ in range(10_000):
                conn.sendall(line)
        except OSError:
            pass
    start = time.monotonic()
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", serve(huge).url(), [], None, timeout=5, max_header_bytes=65536, max_body_bytes=1 << 20)
    assert e.value.kind == "oversize" and time.monotonic() - start < 2


@pytest.mark.parametrize("framing", [b"Transfer-Encoding: chunked\r\n", b"", b"Content-Length: 99999999\r\n"])
def test_endless_body_is_refused(serve: Callable[..., Server], framing: bytes) -> None:
    def endless(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + framing + b"\r\n")
        piece = (b"10000\r\n" + b"x" * 0x10000 + b"\r\n") if b"chunked" in framing else b"x" * 0x10000
        try:
            while not server.stop.is_set():
                conn.sendall(piece)
        except OSError:
            pass
    with pytest.raises(wire.WireError) as e:
        wire.send("GET", serve(endless).url(), [], None, timeout=5, max_header_bytes=65536, max_body_bytes=1 << 20)
    assert e.value.kind == "oversize"


@pytest.mark.parametrize("bad", [[("Bad Name", "x")], [("X", "a\r\nInjected: 1")], [("", "x")]])
def test_bad_request_headers_are_input_errors(bad: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError):
        wire.send("GET", "http://127.0.0.1:9/", bad, None, **LIMITS)


def test_bad_urls_and_methods_are_input_errors() -> None:
    for method, url in (("GET", "ftp://x/"), ("GET", "http:///x"), ("G T", "http://x/"), ("GET", "http://x/a b")):
        with pytest.raises(ValueError):
            wire.send(method, url, [], None, **LIMITS)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    return d / "cert.pem", d / "key.pem"


def test_https_with_a_given_context(serve: Callable[..., Server], certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    s = serve(keep_alive(OK), tls=server_ctx)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    with wire.WirePool() as pool:
        r = wire.send("GET", s.url(scheme="https"), [("Origin", "https://app.example")], None, pool=pool,
                      ssl_context=client_ctx, **LIMITS)
        again = wire.send("GET", s.url(scheme="https"), [], None, pool=pool, ssl_context=client_ctx, **LIMITS)
    assert (r.status, r.body, again.reused) == (200, b"ok", True)
    assert s.requests[0].startswith(b"GET /api HTTP/1.1\r\nHost: 127.0.0.1:")
    with pytest.raises(wire.WireError) as e:  # the default context does not trust the certificate
        wire.send("GET", s.url(scheme="https"), [], None, **LIMITS)
    assert e.value.kind == "tls"


def test_a_reused_connection_that_times_out_is_not_kept(serve: Callable[..., Server]) -> None:
    def first_only(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(OK)
        server.read_request(conn)
        server.stop.wait(5)  # the second request on this connection is never answered
    s = serve(first_only)
    with wire.WirePool() as pool:
        wire.send("GET", s.url(), [], None, pool=pool, **LIMITS)
        with pytest.raises(wire.WireError) as e:
            wire.send("GET", s.url(), [], None, pool=pool, timeout=0.3, max_header_bytes=65536,
                      max_body_bytes=1 << 20)
        assert e.value.kind == "timeout" and pool.idle("http", "127.0.0.1", s.port) == 0


def test_ipv6_loopback_host_header(serve: Callable[..., Server]) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    sock = socket.socket(socket.AF_INET6)
    try:
        sock.bind(("::1", 0))
    except OSError:
        sock.close()
        pytest.skip("no ::1")
    sock.listen(1)
    port = sock.getsockname()[1]
    got: list[bytes] = []

    def accept() -> None:
        conn, _ = sock.accept()
        conn.settimeout(5)
        got.append(conn.recv(65536))
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        conn.close()
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    r = wire.send("GET", f"http://[::1]:{port}/x", [], None, **LIMITS)
    t.join(5)
    sock.close()
    assert r.status == 204 and r.added == [("Host", f"[::1]:{port}")]
    assert got[0].startswith(f"GET /x HTTP/1.1\r\nHost: [::1]:{port}\r\n\r\n".encode())
