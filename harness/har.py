"""Record HAR 1.2 files of golden scenarios in real engines.

    python -m harness.har --recorder all --out tests/fixtures/har [NAME ...]

It re-runs itself under ``unshare --net`` (a network namespace whose only
interface is loopback; needs root) unless ``--no-netns`` is given.

Recorders (``RECORDERS``):

- ``playwright-chromium``: Chromium driven by Playwright (npm ``playwright-core``,
  looked up under ``$CORS_SPEC_HAR_NODE`` or ``~/.cache/cors-spec-har/node``),
  with Playwright's own HAR recorder (``recordHar``);
- ``cdp-chromium``: the harness's Chromium with ``--remote-debugging-port=0``;
  the HAR is built here from DevTools-protocol ``Network.*`` events;
- ``bidi-firefox``: the harness's Firefox ESR; the HAR is built here from
  WebDriver BiDi ``network.*`` events;
- ``inspector-webkit``: the harness's WebKitGTK MiniBrowser with its remote
  inspector server on 127.0.0.1; the HAR is built here from Web Inspector
  protocol ``Network.*`` events.

Each scenario runs alone in a fresh browser (one launch per scenario), so each
HAR holds one page and that scenario's requests, as a user's export would. The
harness's own traffic (marks, result posts, favicon) is dropped; the runner page
document is kept with its URL shown as ``<page origin>/__h/page`` (``/__h/frame``
for the sandboxed frame of a ``"page": "null"`` scenario) and its body cut. The
per-scenario URL prefix is removed everywhere, so URLs are the scenario's own.
Bodies longer than ``BODY_LIMIT`` characters are cut (``content.comment`` says so).
What the page itself observed in the same run (the harness report: outcome,
status, exposed headers, what reached the server, console lines) is saved
beside the HARs in ``<recorder>/observed.json``, keyed by scenario name.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .engines import CHROMIUM_BIN, Chromium, Engine, Firefox, WebKit, _clean_env
from .run import run_engine_async
from .scenario import load_paths
from .server import Server
from .wsclient import WebSocket, WebSocketError

BODY_LIMIT = 300
HAR_VERSION = "1.2"
RECORDER_VERSION = "1"

# Golden scenarios recorded as fixtures (spec_traces/<name>.json).
FIXTURE_SCENARIOS: tuple[str, ...] = (
    "check-acao-exact",  # simple GET allowed
    "check-acao-star",  # simple GET allowed by *
    "check-acao-missing",  # simple GET blocked
    "check-acac-true",  # credentialed GET allowed
    "check-credentials-include-star",  # credentials with *
    "preflight-content-type-json",  # preflight allowed (POST JSON)
    "xhr-put-preflight",  # preflight allowed (XHR PUT)
    "preflight-acam-missing",  # preflight fails: method
    "preflight-acah-missing",  # preflight fails: header
    "preflight-status-not-ok",  # preflight fails: status 404/500/300
    "preflight-acao-missing",  # preflight fails: no ACAO
    "preflight-credentials-acao-star",  # preflight with credentials and *
    "preflight-actual-response-checked",  # preflight passes, actual response blocked
    "redirect-taint-b-to-c",  # cross-origin redirect, tainted origin
    "redirect-preflighted-tainted-preflight-rejects",  # preflight after a tainting redirect
    "redirect-authorization-dropped-cross-origin",  # Authorization across a redirect
    "filter-expose-list",  # exposed headers
    "filter-expose-set-cookie",  # Set-Cookie in a cross-origin response
    "cache-entries-per-method",  # preflight cache: second method misses, second preflight
    "cache-all-listed-methods-stored",  # preflight cache: second method hits, no second preflight
    "null-acao-null",  # opaque-origin page (Origin: null)
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _hdrs_from_dict(d: dict[str, Any] | None) -> list[dict[str, str]]:
    """CDP header objects join repeated headers with newlines: split them."""
    out: list[dict[str, str]] = []
    for k, v in (d or {}).items():
        for part in str(v).split("\n"):
            out.append({"name": str(k), "value": part})
    return out


def _hdrs_from_text(text: str) -> tuple[list[dict[str, str]], str]:
    """Header lines of a raw response head (CDP ``headersText``); returns (headers, http version)."""
    lines = text.replace("\r\n", "\n").split("\n")
    version = lines[0].split(" ", 1)[0] if lines and lines[0].startswith("HTTP/") else ""
    out: list[dict[str, str]] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        name, _, value = line.partition(":")
        out.append({"name": name, "value": value.strip(" \t")})
    return out, version


def _query(url: str) -> list[dict[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


def _empty_response() -> dict[str, Any]:
    return {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1}


def _entry(url: str, method: str, headers: list[dict[str, str]], started: float, post: str | None) -> dict[str, Any]:
    req: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
                           "headers": headers, "queryString": _query(url), "headersSize": -1,
                           "bodySize": len(post.encode("utf-8")) if post else 0}
    if post:
        ctype = next((h["value"] for h in headers if h["name"].lower() == "content-type"), "")
        req["postData"] = {"mimeType": ctype, "text": post}
    return {"startedDateTime": _iso(started), "time": 0, "request": req, "response": _empty_response(),
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}


def _set_cookies(headers: list[dict[str, str]]) -> list[dict[str, str]]:
    """``response.cookies`` from Set-Cookie lines (name and value only)."""
    out = []
    for h in headers:
        if h["name"].lower() == "set-cookie":
            pair = h["value"].split(";", 1)[0]
            name, _, value = pair.partition("=")
            out.append({"name": name.strip(), "value": value.strip()})
    return out


def _location(headers: list[dict[str, str]]) -> str:
    return next((h["value"] for h in headers if h["name"].lower() == "location"), "")


# ------------------------------------------------------------------ CDP -> HAR
def cdp_to_har_entries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Build HAR entries from Chromium DevTools-protocol ``Network.*`` events.

    One entry per hop (redirects are separate entries, as in DevTools), preflights
    are their own entries (``_resourceType`` "preflight"). Request headers are the
    ones sent on the wire (``requestWillBeSentExtraInfo``) when known; response
    status and headers come from the raw head (``responseReceivedExtraInfo``),
    so a response blocked by CORS keeps them; ``_error`` is the net error text
    and ``_corsErrorStatus`` / ``_blockedReason`` Chromium's reason."""
    hops: dict[str, list[dict[str, Any]]] = {}
    req_extra: dict[str, list[dict[str, Any]]] = {}
    resp_extra: dict[str, list[dict[str, Any]]] = {}
    order: list[dict[str, Any]] = []
    for ev in events:
        m, p = ev["method"], ev["params"]
        rid = str(p.get("requestId", ""))
        if m == "Network.requestWillBeSent":
            lst = hops.setdefault(rid, [])
            if p.get("redirectResponse") and lst:
                lst[-1]["redirect_response"] = p["redirectResponse"]
            r = p["request"]
            hop = {"rid": rid, "index": len(lst), "wall": float(p.get("wallTime") or 0), "ts": float(p["timestamp"]),
                   "url": r["url"] + r.get("urlFragment", ""), "method": r["method"],
                   "headers": r.get("headers", {}), "post": r.get("postData"), "type": p.get("type", ""),
                   "initiator": p.get("initiator", {})}
            lst.append(hop)
            order.append(hop)
        elif m == "Network.requestWillBeSentExtraInfo":
            req_extra.setdefault(rid, []).append(p)
        elif m == "Network.responseReceivedExtraInfo":
            resp_extra.setdefault(rid, []).append(p)
        elif m == "Network.responseReceived":
            if hops.get(rid):
                hops[rid][-1]["response"] = p["response"]
                hops[rid][-1]["type"] = p.get("type", hops[rid][-1]["type"])
        elif m in ("Network.loadingFinished", "Network.loadingFailed"):
            if hops.get(rid):
                hops[rid][-1]["end"] = p
                hops[rid][-1]["end_method"] = m
        elif m == "Network.getResponseBody" and hops.get(rid):
            hops[rid][-1]["body"] = p
    entries: list[dict[str, Any]] = []
    for hop in order:
        rid, i = hop["rid"], hop["index"]
        rx = req_extra.get(rid, [])
        wire = rx[i]["headers"] if i < len(rx) else None
        headers = _hdrs_from_dict(wire if wire is not None else hop["headers"])
        e = _entry(hop["url"], hop["method"], headers, hop["wall"], hop["post"])
        e["_requestId"] = rid
        e["_resourceType"] = str(hop["type"]).lower()
        e["_initiator"] = hop["initiator"]
        e["_requestHeadersSource"] = "wire" if wire is not None else "renderer"
        if i < len(rx) and rx[i].get("associatedCookies"):
            e["request"]["cookies"] = [
                {"name": c["cookie"]["name"], "value": c["cookie"]["value"]}
                for c in rx[i]["associatedCookies"] if not c.get("blockedReasons")
            ]
        resp = hop.get("redirect_response") or hop.get("response")
        px = resp_extra.get(rid, [])
        extra = px[i] if i < len(px) else None
        r = e["response"]
        if extra is not None and extra.get("headersText"):
            r["headers"], r["httpVersion"] = _hdrs_from_text(str(extra["headersText"]))
            r["status"] = int(extra.get("statusCode", 0))
            first = str(extra["headersText"]).split("\r\n", 1)[0]
            r["statusText"] = first.split(" ", 2)[2] if first.count(" ") >= 2 else ""
        elif extra is not None:
            r["headers"] = _hdrs_from_dict(extra.get("headers"))
            r["status"] = int(extra.get("statusCode", 0))
        elif resp is not None:
            r["headers"] = _hdrs_from_dict(resp.get("headers"))
        if resp is not None:
            r["status"] = int(resp.get("status", r["status"]))
            r["statusText"] = str(resp.get("statusText", r["statusText"]))
            r["httpVersion"] = r["httpVersion"] or str(resp.get("protocol", "")).upper()
            r["content"]["mimeType"] = str(resp.get("mimeType", ""))
            e["serverIPAddress"] = str(resp.get("remoteIPAddress", ""))
        r["redirectURL"] = _location(r["headers"]) if hop.get("redirect_response") else ""
        r["cookies"] = _set_cookies(r["headers"])
        end = hop.get("end") if "redirect_response" not in hop else None
        if end is not None:
            e["time"] = max(0.0, round((float(end["timestamp"]) - hop["ts"]) * 1000, 3))
            if hop["end_method"] == "Network.loadingFailed":
                e["_error"] = end.get("errorText", "")
                if end.get("corsErrorStatus"):
                    e["_corsErrorStatus"] = end["corsErrorStatus"]
                if end.get("blockedReason"):
                    e["_blockedReason"] = end["blockedReason"]
                if end.get("canceled"):
                    e["_canceled"] = True
            else:
                r["bodySize"] = int(end.get("encodedDataLength", -1))
        body = hop.get("body")
        if body is not None and "redirect_response" not in hop:
            r["content"]["text"] = body.get("body", "")
            if body.get("base64Encoded"):
                r["content"]["encoding"] = "base64"
            r["content"]["size"] = len(r["content"]["text"])
        entries.append(e)
    return entries


# ----------------------------------------------------------------- BiDi -> HAR
def _bidi_headers(hs: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    out = []
    for h in hs or []:
        v = h.get("value", {})
        out.append({"name": str(h.get("name", "")), "value": str(v.get("value", "")) if isinstance(v, dict) else str(v)})
    return out


def bidi_to_har_entries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Build HAR entries from WebDriver BiDi ``network.*`` events (Firefox).

    One entry per (request id, redirect count). Status and headers are what the
    network layer received; ``_error`` is ``network.fetchError``'s errorText."""
    by_key: dict[tuple[str, int], dict[str, Any]] = {}
    entries: list[dict[str, Any]] = []
    for ev in events:
        m, p = ev["method"], ev["params"]
        req = p.get("request", {})
        key = (str(req.get("request", "")), int(p.get("redirectCount", 0)))
        if m == "network.beforeRequestSent":
            e = _entry(str(req.get("url", "")), str(req.get("method", "")), _bidi_headers(req.get("headers")),
                       float(p.get("timestamp", 0)) / 1000.0, None)
            e["_requestId"] = key[0]
            e["_redirectCount"] = key[1]
            e["_destination"] = req.get("destination", "")
            e["_initiatorType"] = req.get("initiatorType")
            e["_initiator"] = p.get("initiator", {})
            e["request"]["cookies"] = [{"name": str(c.get("name", "")), "value": str(c.get("value", {}).get("value", ""))}
                                       for c in req.get("cookies", [])]
            e["request"]["bodySize"] = int(req.get("bodySize") or 0)
            e["_t0"] = float(p.get("timestamp", 0))
            by_key[key] = e
            entries.append(e)
        elif m in ("network.responseStarted", "network.responseCompleted") and key in by_key:
            e = by_key[key]
            resp = p.get("response", {})
            r = e["response"]
            r["status"] = int(resp.get("status", 0))
            r["statusText"] = str(resp.get("statusText", ""))
            r["httpVersion"] = str(resp.get("protocol", "")).upper()
            r["headers"] = _bidi_headers(resp.get("headers"))
            r["content"]["mimeType"] = str(resp.get("mimeType", ""))
            r["content"]["size"] = int((resp.get("content") or {}).get("size") or 0)
            r["bodySize"] = int(resp.get("bodySize") or -1)
            r["redirectURL"] = _location(r["headers"]) if 300 <= r["status"] < 400 else ""
            r["cookies"] = _set_cookies(r["headers"])
            if resp.get("fromCache"):
                e["_fromCache"] = True
            if m == "network.responseCompleted":
                e["time"] = max(0.0, float(p.get("timestamp", 0)) - e["_t0"])
        elif m == "network.fetchError" and key in by_key:
            e = by_key[key]
            e["_error"] = str(p.get("errorText", ""))
            e["time"] = max(0.0, float(p.get("timestamp", 0)) - e["_t0"])
    for e in entries:
        e.pop("_t0", None)
    return entries


# -------------------------------------------------------------------- drivers
class _Recording:
    """Mixin: what a recorder driver collects across its launches."""

    recorder = "recorder"

    def _init_recording(self) -> None:
        self.launch_urls: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.hars: list[dict[str, Any]] = []
        self.browser_version = ""


class CdpChromium(_Recording, Chromium):
    """The harness's Chromium, plus a DevTools-protocol client recording Network events."""

    recorder = "cdp-chromium"

    def __init__(self) -> None:
        super().__init__()
        self._init_recording()
        self.cdp: WebSocket | None = None
        self._ws_url: asyncio.Future[str] | None = None
        self._cid = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._page_session: asyncio.Future[str] | None = None
        self._body_tasks: list[asyncio.Task[None]] = []

    def args(self, tmp: str, url: str) -> list[str]:
        a = super().args(tmp, "about:blank")
        a.insert(-1, "--remote-debugging-port=0")
        a.insert(-1, "--remote-allow-origins=http://127.0.0.1")
        return a

    def _diag(self, line: str) -> None:
        m = re.search(r"DevTools listening on (ws://\S+)", line)
        if m and self._ws_url is not None and not self._ws_url.done():
            self._ws_url.set_result(m.group(1))
        super()._diag(line)

    async def launch(self, url: str) -> None:
        self.launch_urls.append(url)
        loop = asyncio.get_running_loop()
        self._ws_url = loop.create_future()
        self._page_session = loop.create_future()
        await super().launch(url)
        ws = await asyncio.wait_for(self._ws_url, 30)
        self.cdp = await WebSocket.connect(ws)
        self.tasks.append(asyncio.ensure_future(self._recv()))
        ver = await self._cmd("Browser.getVersion", {})
        self.browser_version = str(ver.get("product", ""))
        # attaches to the existing page (and later ones); each page session then
        # auto-attaches its out-of-process frames (the sandboxed frame of a null page)
        await self._cmd("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True})
        session = await asyncio.wait_for(self._page_session, 20)
        await self._cmd("Page.navigate", {"url": url}, session)

    async def _cmd(self, method: str, params: dict[str, Any], session: str | None = None) -> dict[str, Any]:
        if self.cdp is None:
            raise WebSocketError("DevTools connection closed")
        self._cid += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._cid] = fut
        msg: dict[str, Any] = {"id": self._cid, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        await self.cdp.send_json(msg)
        res = await asyncio.wait_for(fut, 20)
        if "error" in res:
            raise RuntimeError(f"CDP {method}: {res['error']}")
        out: dict[str, Any] = res.get("result", {})
        return out

    async def _setup_session(self, session: str, ttype: str) -> None:
        try:
            await self._cmd("Network.enable", {"maxPostDataSize": 4096}, session)
            await self._cmd("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                                     "flatten": True}, session)
            await self._cmd("Runtime.runIfWaitingForDebugger", {}, session)
        except (RuntimeError, asyncio.TimeoutError, WebSocketError, ConnectionError):
            return
        if ttype == "page" and self._page_session is not None and not self._page_session.done():
            self._page_session.set_result(session)

    async def _body(self, session: str, rid: str) -> None:
        try:
            b = await self._cmd("Network.getResponseBody", {"requestId": rid}, session)
        except (RuntimeError, asyncio.TimeoutError, WebSocketError, ConnectionError):
            return
        self.events.append({"method": "Network.getResponseBody", "params": {"requestId": rid, **b}})

    async def _recv(self) -> None:
        assert self.cdp is not None
        try:
            while True:
                msg = json.loads(await self.cdp.recv_text())
                if "id" in msg:
                    fut = self._pending.pop(msg["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                    continue
                m = str(msg.get("method", ""))
                p = msg.get("params", {})
                if m == "Target.attachedToTarget":
                    info = p.get("targetInfo", {})
                    self.tasks.append(asyncio.ensure_future(self._setup_session(p["sessionId"], str(info.get("type")))))
                elif m.startswith("Network."):
                    self.events.append({"method": m, "params": p, "session": msg.get("sessionId")})
                    if m == "Network.loadingFinished" and msg.get("sessionId"):
                        self._body_tasks.append(asyncio.ensure_future(self._body(msg["sessionId"], str(p["requestId"]))))
        except (WebSocketError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            return

    async def stop(self) -> None:
        if self._body_tasks:
            await asyncio.wait(self._body_tasks, timeout=5)
            self._body_tasks = []
        if self.cdp is not None:
            self.cdp.close()
            self.cdp = None
        self._pending.clear()
        await super().stop()


class BidiFirefox(_Recording, Firefox):
    """The harness's Firefox, plus WebDriver BiDi network events."""

    recorder = "bidi-firefox"
    bidi_events = ("log.entryAdded", "network.beforeRequestSent", "network.responseStarted",
                   "network.responseCompleted", "network.fetchError")

    def __init__(self) -> None:
        super().__init__()
        self._init_recording()

    async def launch(self, url: str) -> None:
        self.launch_urls.append(url)
        await super().launch(url)
        self.browser_version = self.version()

    def on_bidi_event(self, msg: dict[str, Any]) -> None:
        if str(msg.get("method", "")).startswith("network."):
            self.events.append({"method": msg["method"], "params": msg.get("params", {})})


def _free_port() -> int:
    import socket

    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        port: int = so.getsockname()[1]
        return port


class InspectorWebKit(_Recording, WebKit):
    """The harness's WebKitGTK MiniBrowser with its remote inspector server
    (``WEBKIT_INSPECTOR_HTTP_SERVER`` on 127.0.0.1), recording ``Network.*``
    events of the Web Inspector protocol."""

    recorder = "inspector-webkit"

    def __init__(self) -> None:
        super().__init__()
        self._init_recording()
        self.port = 0
        self.insp: WebSocket | None = None
        self._iid = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._targets: asyncio.Queue[str] = asyncio.Queue()

    def launch_extras(self) -> tuple[list[str], dict[str, str]]:
        return ["--enable-developer-extras=true"], {"WEBKIT_INSPECTOR_HTTP_SERVER": f"127.0.0.1:{self.port}"}

    async def launch(self, url: str) -> None:
        self.launch_urls.append(url)
        self.browser_version = self.version()
        self.port = _free_port()
        self._targets = asyncio.Queue()
        await super().launch("about:blank")
        # the inspector's target list page names the page's socket once the page exists
        deadline = asyncio.get_running_loop().time() + 20
        path = None
        while path is None:
            try:
                listing = await self._http_get("/")
                m = re.search(r"/socket/\d+/\d+/WebPage", listing)
                path = m.group(0) if m else None
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                path = None
            if path is None:
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError("WebKit inspector server did not list the page")
                await asyncio.sleep(0.2)
        self.insp = await WebSocket.connect(f"ws://127.0.0.1:{self.port}{path}")
        self.tasks.append(asyncio.ensure_future(self._recv()))
        target = await asyncio.wait_for(self._targets.get(), 20)
        await self._send(target, "Page.navigate", {"url": url})

    async def _http_get(self, path: str) -> str:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 2)
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            data = await asyncio.wait_for(reader.read(1 << 20), 2)
        finally:
            writer.close()
        return data.decode("utf-8", "replace")

    async def _send(self, target: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.insp is None:
            raise WebSocketError("inspector connection closed")
        self._iid += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._iid] = fut
        inner = json.dumps({"id": self._iid, "method": method, "params": params})
        await self.insp.send_json({"id": self._iid, "method": "Target.sendMessageToTarget",
                                   "params": {"targetId": target, "message": inner}})
        res = await asyncio.wait_for(fut, 20)
        if "error" in res:
            raise RuntimeError(f"inspector {method}: {res['error']}")
        out: dict[str, Any] = res.get("result", {})
        return out

    async def _enable(self, target: str) -> None:
        try:
            await self._send(target, "Network.enable", {})
        except (RuntimeError, asyncio.TimeoutError, WebSocketError, ConnectionError):
            return
        self._targets.put_nowait(target)

    async def _recv(self) -> None:
        assert self.insp is not None
        try:
            while True:
                msg = json.loads(await self.insp.recv_text())
                m = msg.get("method")
                p = msg.get("params", {})
                if m == "Target.targetCreated":
                    tid = str(p.get("targetInfo", {}).get("targetId", ""))
                    self.tasks.append(asyncio.ensure_future(self._enable(tid)))
                elif m == "Target.dispatchMessageFromTarget":
                    inner = json.loads(p.get("message", "{}"))
                    if "id" in inner:
                        fut = self._pending.pop(int(inner["id"]), None)
                        if fut is not None and not fut.done():
                            fut.set_result(inner)
                    elif str(inner.get("method", "")).startswith("Network."):
                        self.events.append({"method": inner["method"], "params": inner.get("params", {}),
                                            "target": p.get("targetId")})
        except (WebSocketError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            return

    async def stop(self) -> None:
        if self.insp is not None:
            self.insp.close()
            self.insp = None
        self._pending.clear()
        await super().stop()


def webkit_to_har_entries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Web Inspector protocol events (WebKit) are close to Chromium's: same
    builder, with ``walltime`` spelled as Chromium spells it and no ExtraInfo."""
    norm = []
    for ev in events:
        p = dict(ev["params"])
        if "walltime" in p:
            p["wallTime"] = p.pop("walltime")
        norm.append({"method": ev["method"], "params": p})
    entries = cdp_to_har_entries(norm)
    for e in entries:
        e.pop("_requestHeadersSource", None)
    return entries


def node_modules() -> str | None:
    base = os.environ.get("CORS_SPEC_HAR_NODE") or os.path.expanduser("~/.cache/cors-spec-har/node")
    nm = os.path.join(base, "node_modules")
    return nm if os.path.isfile(os.path.join(nm, "playwright-core", "package.json")) else None


class PlaywrightChromium(_Recording, Chromium):
    """Chromium launched by Playwright with its HAR recorder (``recordHar``)."""

    recorder = "playwright-chromium"
    executable = CHROMIUM_BIN

    def __init__(self) -> None:
        super().__init__()
        self._init_recording()
        self.har_path: str | None = None
        self._done: asyncio.Event = asyncio.Event()
        self.playwright_version = ""

    async def launch(self, url: str) -> None:
        nm = node_modules()
        if nm is None or shutil.which("node") is None:
            raise RuntimeError("playwright-core not installed (see tests/fixtures/har/README.md)")
        self.launch_urls.append(url)
        tmp = self._mktmp()
        env = _clean_env(tmp)
        env["NODE_PATH"] = nm
        env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
        self.har_path = os.path.join(tmp, "out.har")
        chrome_args = [a for a in Chromium.args(self, tmp, url)[1:-1]
                       if not a.startswith(("--headless", "--user-data-dir", "--enable-logging", "--v="))]
        self._done = asyncio.Event()
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.proc = await asyncio.create_subprocess_exec(
            shutil.which("node") or "node", str(HERE / "har_playwright.js"), url, self.har_path, self.executable,
            *chrome_args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env=env, start_new_session=True, limit=16 * 1024 * 1024,
        )
        self.tasks.append(asyncio.ensure_future(self._read_pw(self.proc, ready)))
        await asyncio.wait_for(ready, 40)

    async def _read_pw(self, proc: asyncio.subprocess.Process, ready: asyncio.Future[None]) -> None:
        assert proc.stdout is not None
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                if not ready.done():
                    ready.set_exception(RuntimeError("playwright driver exited: " + " | ".join(self.log_lines[-5:])))
                self._done.set()
                return
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("CONSOLE "):
                try:
                    self.console.put_nowait(str(json.loads(line[8:])))
                except ValueError:
                    pass
            elif line == "READY":
                if not ready.done():
                    ready.set_result(None)
            elif line.startswith("VERSION "):
                _, self.browser_version, self.playwright_version = line.split(" ", 2)
            elif line == "HAR-DONE":
                self._done.set()
            else:
                self._diag(line)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None and self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
                await asyncio.wait_for(self._done.wait(), 20)
            except (asyncio.TimeoutError, ConnectionError):
                pass
        if self.har_path and os.path.exists(self.har_path):
            with open(self.har_path, encoding="utf-8") as f:
                self.hars.append(json.load(f))
        self.har_path = None
        await super().stop()


RECORDERS: dict[str, tuple[str, type[Engine]]] = {
    "playwright-chromium": ("chromium", PlaywrightChromium),
    "cdp-chromium": ("chromium", CdpChromium),
    "bidi-firefox": ("firefox", BidiFirefox),
    "inspector-webkit": ("webkit", InspectorWebKit),
}


# ----------------------------------------------------------------- finishing
def _cut_bodies(entries: list[dict[str, Any]]) -> None:
    for e in entries:
        for part, key in ((e["response"].get("content"), "text"), (e["request"].get("postData"), "text")):
            if part and isinstance(part.get(key), str) and len(part[key]) > BODY_LIMIT:
                n = len(part[key])
                part[key] = part[key][:BODY_LIMIT]
                part["comment"] = f"text cut to {BODY_LIMIT} of {n} characters"


def _harness_path_kind(url: str, run_id: str) -> str:
    """'scenario', 'page', 'frame' or 'harness' for a recorded URL."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    if path.startswith(f"/__s/{run_id}."):
        return "scenario"
    if path.startswith(f"/__h/{run_id}/page/"):
        return "page"
    if path.startswith(f"/__h/{run_id}/frame/"):
        return "frame"
    return "harness"


def finish_har(entries: list[dict[str, Any]], pages: list[dict[str, Any]], run_id: str,
               creator: dict[str, Any], browser: dict[str, Any], comment: str) -> dict[str, Any]:
    """Keep scenario traffic and the runner documents; map URLs back; cut bodies."""
    kept = []
    for e in entries:
        kind = _harness_path_kind(str(e["request"]["url"]), run_id)
        if kind == "harness":
            continue
        if kind in ("page", "frame"):
            c = e["response"].get("content", {})
            if isinstance(c.get("text"), str):
                c["text"] = ""
                c["comment"] = "harness runner document: body removed"
        kept.append(e)
    kept.sort(key=lambda e: str(e["startedDateTime"]))
    _cut_bodies(kept)
    har = {"log": {"version": HAR_VERSION, "creator": creator, "browser": browser, "pages": pages,
                   "entries": kept, "comment": comment}}
    text = json.dumps(har, ensure_ascii=False)
    text = re.sub(r"/__s/" + re.escape(run_id) + r"\.\d+/", "/", text)
    text = re.sub(r"/__h/" + re.escape(run_id) + r"/(page|frame)/\d+", r"/__h/\1", text)
    out: dict[str, Any] = json.loads(text)
    return out


def _run_id(url: str) -> str:
    m = re.search(r"/__h/([A-Za-z0-9]+)/page/", url)
    if not m:
        raise RuntimeError(f"cannot find the run id in {url!r}")
    return m.group(1)


async def record_one(recorder: str, scenario: dict[str, Any], server: Server) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run one scenario under ``recorder``; returns (HAR, harness report)."""
    engine_name, cls = RECORDERS[recorder]
    eng = cls()
    assert isinstance(eng, _Recording)
    report = await run_engine_async(engine_name, [scenario], server=server, engine=eng)
    if not eng.launch_urls:
        raise RuntimeError(f"{recorder}: the browser was never launched: {report['scenarios'][0]['errors']}")
    run_id = _run_id(eng.launch_urls[0])
    page_url = eng.launch_urls[0]
    comment = f"scenario {scenario.get('name')} (spec_traces), recorded by harness/har.py"
    if recorder == "playwright-chromium":
        if not eng.hars:
            raise RuntimeError("playwright wrote no HAR")
        log = eng.hars[-1]["log"]
        creator = dict(log.get("creator", {}))
        creator["comment"] = "Playwright recordHar (content embed, mode full) via harness/har.py"
        browser = dict(log.get("browser", {}))
        har = finish_har(log.get("entries", []), log.get("pages", []), run_id, creator, browser, comment)
    else:
        first = min((float(e["params"].get("wallTime") or e["params"].get("walltime") or e["params"].get("timestamp", 0) / 1000)
                     for e in eng.events if e["method"] in ("Network.requestWillBeSent", "network.beforeRequestSent")),
                    default=0.0)
        page = {"startedDateTime": _iso(first), "id": "page_1", "title": page_url, "pageTimings": {}}
        if recorder == "cdp-chromium":
            entries = cdp_to_har_entries(eng.events)
            creator = {"name": "cors-spec harness/har.py", "version": RECORDER_VERSION,
                       "comment": "HAR built from Chromium DevTools-protocol Network events"}
            bname, bver = "Chromium", eng.browser_version.split("/", 1)[-1]
        elif recorder == "inspector-webkit":
            entries = webkit_to_har_entries(eng.events)
            creator = {"name": "cors-spec harness/har.py", "version": RECORDER_VERSION,
                       "comment": "HAR built from WebKitGTK Web Inspector protocol Network events"}
            bname, bver = "WebKitGTK", eng.browser_version.replace("WebKitGTK ", "").replace(" (MiniBrowser)", "")
        else:
            entries = bidi_to_har_entries(eng.events)
            creator = {"name": "cors-spec harness/har.py", "version": RECORDER_VERSION,
                       "comment": "HAR built from Firefox WebDriver BiDi network events"}
            bname, bver = "Firefox", eng.browser_version.replace("Mozilla Firefox ", "")
        for e in entries:
            e["pageref"] = "page_1"
        har = finish_har(entries, [page], run_id, creator, {"name": bname, "version": bver}, comment)
    return har, report


def fixture_scenarios(names: list[str] | None = None) -> list[dict[str, Any]]:
    names = names or list(FIXTURE_SCENARIOS)
    out = []
    for n in names:
        (s,) = load_paths([str(ROOT / "spec_traces" / f"{n}.json")])
        out.append({k: v for k, v in s.items() if k not in ("anchors", "expect")})
    return out


async def record_all(recorders: list[str], scenarios: list[dict[str, Any]], out: Path) -> int:
    failures = 0
    server = Server()
    try:
        for rec in recorders:
            observed: dict[str, Any] = {}
            obs_path = out / rec / "observed.json"
            if obs_path.exists():
                observed = json.loads(obs_path.read_text(encoding="utf-8"))
            for s in scenarios:
                try:
                    har, report = await record_one(rec, s, server)
                except (RuntimeError, OSError, asyncio.TimeoutError) as exc:
                    print(f"{rec} {s['name']}: FAILED {exc}", file=sys.stderr)
                    failures += 1
                    continue
                errs = [x for x in report["scenarios"][0]["errors"] if x.startswith("harness")]
                path = out / rec / f"{s['name']}.har"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(har, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
                sc = report["scenarios"][0]
                observed[str(s["name"])] = {"version": report["version"], "observations": sc["observations"],
                                            "console": sc["console"], "errors": sc["errors"]}
                obs_path.write_text(json.dumps(dict(sorted(observed.items())), indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
                n = len(har["log"]["entries"])
                print(f"{rec} {s['name']}: {n} entries{'  ' + '; '.join(errs) if errs else ''}")
                failures += bool(errs)
    finally:
        await server.close()
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.har", description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--recorder", default="all", help="all or a comma list of: " + ", ".join(RECORDERS))
    ap.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "har"))
    ap.add_argument("names", nargs="*", help="spec_traces scenario names (default: the fixture set)")
    ap.add_argument("--no-netns", action="store_true",
                    help="run in the current network namespace (needs port 80 free) instead of a private one")
    ap.add_argument("--time-limit", type=float, default=900.0, help="stop everything after this many seconds")
    args = sys.argv[1:] if argv is None else argv
    a = ap.parse_args(args)
    recs = list(RECORDERS) if a.recorder == "all" else a.recorder.split(",")
    for r in recs:
        if r not in RECORDERS:
            ap.error(f"unknown recorder {r!r}")
    if not a.no_netns and os.environ.get("CORS_SPEC_HAR_NETNS") != "1":
        # A private network namespace with only a loopback interface: nothing can
        # leave the machine, and the harness's ports do not clash with other runs.
        if shutil.which("unshare") is None or shutil.which("ip") is None:
            ap.error("unshare/ip not found: use --no-netns")
        env = dict(os.environ, CORS_SPEC_HAR_NETNS="1")
        # The extra local addresses on lo only give getaddrinfo(AI_ADDRCONFIG) an
        # address other than 127.0.0.1/::1, without which WebKitGTK's resolver
        # finds no address for the /etc/hosts names; the namespace has no other
        # interface and no route off the machine.
        setup = ("ip link set lo up && ip addr add 10.254.254.254/32 dev lo"
                 " && ip -6 addr add fd00:254::1/128 dev lo nodad && exec \"$@\"")
        cmd = ["unshare", "--net", "sh", "-c", setup, "sh",
               sys.executable, "-m", "harness.har", *args]
        return subprocess.call(cmd, env=env, cwd=str(ROOT), timeout=a.time_limit + 60)
    scenarios = fixture_scenarios(a.names or None)
    work = asyncio.wait_for(record_all(recs, scenarios, Path(a.out)), a.time_limit)
    return 1 if asyncio.run(work) else 0


if __name__ == "__main__":
    sys.exit(main())
