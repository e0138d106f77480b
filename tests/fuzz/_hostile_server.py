"""A loopback HTTP server that misbehaves on purpose, one way per path.

``/reset`` resets the connection, ``/stall`` never answers, ``/garbage`` answers bytes that
are not HTTP, ``/big-headers`` sends a 10 MB header block, ``/redirect`` redirects to itself
forever, ``/endless-body`` sends a body that never ends, ``/ok`` answers a plain CORS 200.
It listens on 127.0.0.1 only and stops by itself after ``lifetime`` seconds at the latest.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator

MODES = ("reset", "stall", "garbage", "big-headers", "redirect", "endless-body", "ok")


class HostileServer:
    def __init__(self, lifetime: float = 120.0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.deadline = time.monotonic() + lifetime
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _alive(self) -> bool:
        return not self.stop.is_set() and time.monotonic() < self.deadline

    def _serve(self) -> None:
        while self._alive():
            try:
                conn, _ = self.sock.accept()
            except OSError:  # the accept timeout; or closed
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()
        self.sock.close()

    def _answer(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            target = head.split(b" ", 2)[1].decode("latin-1") if head.count(b" ") >= 2 else "/"
            mode = target.lstrip("/").split("?")[0].split("/")[0]
            origin = next((line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                           if line.lower().startswith(b"origin:")), b"*")
            self._act(conn, mode, target, origin)

    def _act(self, conn: socket.socket, mode: str, target: str, origin: bytes) -> None:
        cors = b"Access-Control-Allow-Origin: " + origin + b"\r\n"
        if mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "stall":
            while self._alive() and not self.stop.wait(0.2):
                pass
        elif mode == "garbage":
            conn.sendall(b"\x00\xff\xfeNOT HTTP AT ALL\r\n\x01\x02\r\n\r\n")
        elif mode == "big-headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + cors)
            line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
            for _ in range(10_000):  # 10 MB
                if not self._alive():
                    return
                conn.sendall(line)
            conn.sendall(b"Content-Length: 0\r\n\r\n")
        elif mode == "redirect":
            n = int(target.split("?")[1]) + 1 if "?" in target and target.split("?")[1].isdigit() else 1
            conn.sendall(b"HTTP/1.1 302 Found\r\n" + cors + f"Location: /redirect?{n}\r\n".encode()
                         + b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        elif mode == "endless-body":
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + cors + b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
            while self._alive():
                conn.sendall(chunk)
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + cors + b"Access-Control-Allow-Methods: GET, PUT\r\n"
                         b"Access-Control-Allow-Headers: *\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


@contextlib.contextmanager
def hostile_server(lifetime: float = 120.0) -> Iterator[HostileServer]:
    server = HostileServer(lifetime)
    server.thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.thread.join(5)
