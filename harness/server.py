"""Loopback HTTP server for the harness (pure asyncio, stdlib only).

* ``/__s/<run>.<k>/...``: scenario traffic.  The first route of scenario *k*
  whose URL (and method, if given) matches answers, byte for byte: status line,
  the scripted header lines in order, the body, then the connection is closed.
  No header is ever added.  Every such request is logged.
* ``/__h/<run>/...``: the harness itself (runner pages, markers, results).
* anything else: ``404`` with no headers.
"""

from __future__ import annotations

import asyncio
import html
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from typing import Any

from .scenario import Case, normalise_url, origin_of

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024


@dataclass
class LogEntry:
    method: str
    url: str  # scenario URL (prefix removed)
    origin: str | None
    acrm: str | None
    acrh: str | None
    t: float = field(default_factory=time.monotonic)

    def sent(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "origin": self.origin, "acrm": self.acrm, "acrh": self.acrh}


@dataclass
class Mark:
    request: int
    t: float = field(default_factory=time.monotonic)


class Run:
    """State of one engine's batch of cases on the server."""

    def __init__(self, run_id: str, cases: list[Case]) -> None:
        self.run_id = run_id
        self.cases = cases
        self.logs: dict[int, list[LogEntry | Mark]] = {c.index: [] for c in cases}
        self.late: dict[int, list[LogEntry]] = {c.index: [] for c in cases}
        self.results: dict[int, dict[str, Any]] = {}
        self.events: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self.order = sorted(range(len(cases)), key=lambda i: (cases[i].page_origin != "http://a.test", cases[i].page_origin))
        self.position = {k: p for p, k in enumerate(self.order)}
        self.skip: set[int] = set()
        self.t_start: dict[int, float] = {}
        self.t_result: dict[int, float] = {}

    def base(self, origin: str) -> str:
        return f"{origin}/__h/{self.run_id}/"

    def page_url(self, k: int) -> str:
        return self.base(self.cases[k].page_origin) + f"page/{k}"

    def first_index(self) -> int | None:
        return self.order[0] if self.order else None

    def next_index(self, k: int) -> int | None:
        """The case run after case *k*: cases are grouped by the origin of their
        top-level page (stable), so one document runs many cases in a row."""
        pos = self.position[k] + 1
        while pos < len(self.order) and self.order[pos] in self.skip:
            pos += 1
        return self.order[pos] if pos < len(self.order) else None

    def case_js(self, k: int) -> dict[str, Any]:
        c = self.cases[k]
        reqs = []
        for r in c.requests:
            reqs.append({key: v for key, v in r.items() if key != "scenario_url"})
        return {
            "k": k,
            "name": c.name,
            "page": c.page,
            "origin": c.page_origin,
            "requests": reqs,
            "mark": self.base(c.page_origin) + f"mark/{k}/",
            "result": self.base(c.page_origin) + f"result/{k}",
            "frame": self.base(c.page_origin) + f"frame/{k}",
            "url": self.page_url(k),
        }


def _runner_js() -> str:
    return (resources.files(__package__) / "runner.js").read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    return json.dumps(data).replace("</", "<\\/").replace("<!--", "<\\!--")


class Server:
    """The loopback server; one instance can serve several runs."""

    def __init__(self) -> None:
        self.runs: dict[str, Run] = {}
        self.servers: dict[int, list[asyncio.base_events.Server]] = {}
        self.runner_js = _runner_js()
        self.on_log: Callable[[str], None] | None = None
        # test hook: scenario names whose scenario requests are never answered
        self.hang_scenarios: set[str] = set()

    async def listen(self, ports: set[int]) -> None:
        for port in sorted(ports):
            if port in self.servers:
                continue
            srvs: list[asyncio.base_events.Server] = []
            for host, fam in (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)):
                sock = socket.socket(fam, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if fam == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, port))
                sock.listen(256)
                sock.setblocking(False)
                srvs.append(await asyncio.start_server(self._handle, sock=sock, limit=MAX_HEAD))
            self.servers[port] = srvs

    async def close(self) -> None:
        for srvs in self.servers.values():
            for s in srvs:
                s.close()
        for srvs in self.servers.values():
            for s in srvs:
                try:
                    await asyncio.wait_for(s.wait_closed(), 2)
                except (asyncio.TimeoutError, Exception):
                    pass
        self.servers.clear()

    # ------------------------------------------------------------------ HTTP
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(self._serve_one(reader, writer), 60)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            try:
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 5)
            except (asyncio.TimeoutError, ConnectionError, OSError):
                pass

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if not line:
                continue
            n, _, v = line.partition(":")
            headers.append((n.strip().lower(), v.strip()))
        body = await self._read_body(reader, headers)
        if self.hang_scenarios and target.startswith("/__s/") and self._case_name(target) in self.hang_scenarios:
            await asyncio.sleep(3600)
        out = self._dispatch(method, target, headers, body)
        writer.write(out)
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    async def _read_body(self, reader: asyncio.StreamReader, headers: list[tuple[str, str]]) -> bytes:
        hd = dict(headers)
        if "content-length" in hd:
            n = int(hd["content-length"])
            if n > MAX_BODY:
                raise ValueError("body too large")
            return await reader.readexactly(n) if n else b""
        if "chunked" in hd.get("transfer-encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            return b"".join(chunks)
        return b""

    @staticmethod
    def _response(status: int, headers: list[tuple[str, str]], body: bytes, head_only: bool = False) -> bytes:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Status"
        parts = [f"HTTP/1.1 {status} {reason}\r\n"]
        for n, v in headers:
            parts.append(f"{n}: {v}\r\n")
        parts.append("\r\n")
        data = "".join(parts).encode("latin-1", "replace")
        return data if head_only else data + body

    def _dispatch(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        if target.startswith("/__s/"):
            return self._scenario(method, target, headers)
        if target.startswith("/__h/"):
            return self._harness(method, target, headers, body)
        return self._response(404, [], b"")

    def _case_name(self, target: str) -> str | None:
        token = target[len("/__s/"):].split("/", 1)[0]
        run_id, _, ks = token.partition(".")
        run = self.runs.get(run_id)
        if run is None or not ks.isdigit() or int(ks) >= len(run.cases):
            return None
        return run.cases[int(ks)].name

    @staticmethod
    def _header(headers: list[tuple[str, str]], name: str) -> str | None:
        vals = [v for n, v in headers if n == name]
        return ", ".join(vals) if vals else None

    def _scenario(self, method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
        token, slash, rest = target[len("/__s/"):].partition("/")
        run_id, _, ks = token.partition(".")
        run = self.runs.get(run_id)
        if run is None or not ks.isdigit() or int(ks) >= len(run.cases):
            return self._response(404, [], b"")
        k = int(ks)
        case = run.cases[k]
        host = self._header(headers, "host") or "a.test"
        origin = origin_of("http://" + host) or "http://" + host
        url = origin + "/" + rest if slash else origin + "/"
        entry = LogEntry(
            method=method,
            url=url,
            origin=self._header(headers, "origin"),
            acrm=self._header(headers, "access-control-request-method"),
            acrh=self._header(headers, "access-control-request-headers"),
        )
        if k in run.results:
            run.late[k].append(entry)
        else:
            run.logs[k].append(entry)
        if self.on_log is not None:
            self.on_log(f"{case.name}: {method} {url}")
        norm = normalise_url(url)
        for r in case.routes:
            if r.url == norm and (r.method is None or r.method == method):
                hdrs = [
                    (n, case.rewriter.location(v, url) if n.lower() == "location" else v)
                    for n, v in r.headers
                ]
                return self._response(r.status, hdrs, r.body, head_only=(method == "HEAD"))
        return self._response(404, [], b"")

    def _harness(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        parts = target.split("?", 1)[0].split("/")
        # ['', '__h', run, kind, k, (i)]
        if len(parts) < 5:
            return self._response(404, [], b"")
        run = self.runs.get(parts[2])
        if run is None or not parts[4].isdigit() or int(parts[4]) >= len(run.cases):
            return self._response(404, [], b"")
        kind, k = parts[3], int(parts[4])
        html_hdrs = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
        if kind == "page" and method == "GET":
            run.t_start.setdefault(k, time.monotonic())
            run.events.put_nowait(("start", k))
            return self._response(200, html_hdrs, self._page_html(run, k).encode("utf-8"))
        if kind == "frame" and method == "GET":
            return self._response(200, html_hdrs, self._frame_html(run, k).encode("utf-8"))
        if kind == "mark":
            if len(parts) >= 6 and parts[5].isdigit() and k not in run.results:
                run.logs[k].append(Mark(int(parts[5])))
            return self._response(204, [], b"")
        if kind == "result" and method == "POST":
            if k not in run.results:
                try:
                    run.results[k] = json.loads(body.decode("utf-8"))
                except ValueError as exc:
                    run.results[k] = {"error": f"bad result post: {exc}"}
                run.t_result[k] = time.monotonic()
                run.events.put_nowait(("result", k))
            nxt = run.next_index(k)
            payload: dict[str, Any] = {"next": None}
            if nxt is not None:
                payload["next"] = run.case_js(nxt)
                if run.cases[nxt].page_origin == run.cases[k].page_origin:
                    run.t_start.setdefault(nxt, time.monotonic())
                    run.events.put_nowait(("start", nxt))
            return self._response(
                200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], json.dumps(payload).encode()
            )
        return self._response(404, [], b"")

    def _page_html(self, run: Run, k: int) -> str:
        case = run.cases[k]
        data = _json_for_script(run.case_js(k))
        title = html.escape(case.name)
        return (
            "<!DOCTYPE html><html><head><meta charset=utf-8><link rel=icon href='data:,'>"
            f"<title>{title}</title></head><body>"
            f"<script id=h type='application/json'>{data}</script>"
            f"<script>{self.runner_js}\nHARNESS.top();</script>"
            "</body></html>"
        )

    def _frame_html(self, run: Run, k: int) -> str:
        data = _json_for_script(run.case_js(k))
        return (
            "<!DOCTYPE html><html><head><meta charset=utf-8><link rel=icon href='data:,'></head><body>"
            f"<script id=h type='application/json'>{data}</script>"
            f"<script>{self.runner_js}\nHARNESS.frame();</script>"
            "</body></html>"
        )
