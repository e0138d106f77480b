"""Minimal asyncio WebSocket client (RFC 6455), enough for WebDriver BiDi."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from typing import Any
from urllib.parse import urlsplit


class WebSocketError(Exception):
    pass


class WebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, url: str, timeout: float = 10.0) -> WebSocket:
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise WebSocketError(f"refusing non-loopback WebSocket {url}")
        port = parts.port or 80
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, limit=64 * 1024 * 1024), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path or "/"
        req = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        writer.write(req.encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            writer.close()
            raise WebSocketError(f"handshake failed: {head[:200]!r}")
        return cls(reader, writer)

    async def send_text(self, text: str) -> None:
        payload = text.encode("utf-8")
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack("!H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", n)
        mask = os.urandom(4)
        header += mask
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(bytes(header) + masked)
        await self.writer.drain()

    async def send_json(self, obj: Any) -> None:
        await self.send_text(json.dumps(obj))

    async def recv_text(self) -> str:
        buf = bytearray()
        while True:
            b0, b1 = await self.reader.readexactly(2)
            fin, opcode = b0 & 0x80, b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
            mask = await self.reader.readexactly(4) if b1 & 0x80 else None
            data = await self.reader.readexactly(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:
                raise WebSocketError("closed by peer")
            if opcode == 0x9:  # ping -> pong
                self.writer.write(bytes([0x8A, 0x80 | len(data)]) + b"\0\0\0\0" + data)
                continue
            if opcode == 0xA:
                continue
            buf += data
            if fin:
                return buf.decode("utf-8", "replace")

    def close(self) -> None:
        try:
            self.writer.close()
        except OSError:
            pass
