"""Reading HAR 1.2 (Chromium and Firefox DevTools, Playwright, the harness's recorders).

:func:`read_har` checks the shape a reader needs (one-line :class:`InputError` naming the
place and the rule), keeps per entry what CORS depends on, and says which recorder wrote it
and which profile its browser is. :func:`group` puts redirect hops together and pairs each
preflight with the request it was for.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs

from cors_spec.errors import InputError

Headers = tuple[tuple[str, str], ...]


@attrs.frozen
class Entry:
    """One HAR entry, with the fields CORS depends on (extensions with ``_`` included)."""

    index: int
    method: str
    url: str
    status: int
    request_headers: Headers
    response_headers: Headers
    started: str = ""
    post: str | None = None
    body: str | None = None
    error: str = ""  # _error, or Playwright's response._failureText
    cors_error: str = ""  # DevTools protocol: _corsErrorStatus.corsError
    cors_param: str = ""  # ... and its failedParameter
    kind: str = ""  # _resourceType, or Firefox's _destination / _initiatorType
    request_id: str = ""
    initiator_id: str = ""
    redirect_url: str = ""

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.request_headers if n.lower() == name]
        return ", ".join(values) if values else None

    def response_header(self, name: str) -> str | None:
        values = [v for n, v in self.response_headers if n.lower() == name]
        return ", ".join(values) if values else None

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and (self.kind == "preflight" or
                                             self.header("access-control-request-method") is not None)

    @property
    def is_document(self) -> bool:
        return self.kind in ("document", "iframe", "frame")

    @property
    def answered(self) -> bool:
        return self.status > 0


@attrs.frozen
class HarLog:
    file: str
    creator: str
    browser: str
    comment: str
    recorder: str  # playwright, devtools, firefox, webkit, unknown
    profile: str  # chromium, firefox, webkit
    entries: tuple[Entry, ...]


def _fail(file: str, place: str, rule: str, value: object = None) -> InputError:
    shown = None if value is None else (value if isinstance(value, str) else json.dumps(value)[:60])
    return InputError(place, rule, shown, file=file)


def _obj(file: str, value: object, place: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _fail(file, place, "must be an object", type(value).__name__)
    return value


def _str(file: str, d: dict[str, object], key: str, place: str, default: str | None = None) -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise _fail(file, f"{place}.{key}", "must be a string", v)
    return v


def _headers(file: str, value: object, place: str) -> Headers:
    if not isinstance(value, list):
        raise _fail(file, place, "must be a list of {name, value} objects", value)
    out = []
    for i, h in enumerate(value):
        h = _obj(file, h, f"{place}[{i}]")
        out.append((_str(file, h, "name", f"{place}[{i}]"), _str(file, h, "value", f"{place}[{i}]")))
    return tuple(out)


def _entry(file: str, i: int, value: object) -> Entry:
    place = f"log.entries[{i}]"
    e = _obj(file, value, place)
    req = _obj(file, e.get("request"), place + ".request")
    resp = _obj(file, e.get("response"), place + ".response")
    status = resp.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        raise _fail(file, place + ".response.status", "must be an integer", status)
    post = req.get("postData")
    content = resp.get("content")
    cors = e.get("_corsErrorStatus")
    initiator = e.get("_initiator")
    kind = e.get("_resourceType") or e.get("_destination") or e.get("_initiatorType") or ""
    if e.get("_initiatorType") == "xmlhttprequest":
        kind = "xhr"
    return Entry(
        i, _str(file, req, "method", place + ".request").upper(), _str(file, req, "url", place + ".request"), status,
        _headers(file, req.get("headers"), place + ".request.headers"),
        _headers(file, resp.get("headers"), place + ".response.headers"),
        str(e.get("startedDateTime") or ""),
        post.get("text") if isinstance(post, dict) and isinstance(post.get("text"), str) else None,
        content.get("text") if isinstance(content, dict) and isinstance(content.get("text"), str) else None,
        str(e.get("_error") or resp.get("_failureText") or ""),
        str(cors.get("corsError") or "") if isinstance(cors, dict) else "",
        str(cors.get("failedParameter") or "") if isinstance(cors, dict) else "",
        str(kind), str(e.get("_requestId") or ""),
        str(initiator.get("requestId") or "") if isinstance(initiator, dict) else "",
        str(resp.get("redirectURL") or ""),
    )


def _who(creator: str, comment: str, browser: str) -> tuple[str, str]:
    """(recorder, profile) from ``log.creator`` and ``log.browser``."""
    text = f"{creator} {comment}".lower()
    b = browser.lower()
    profile = ("firefox" if "firefox" in b or "firefox" in text else
               "webkit" if "webkit" in b or "safari" in b or "webkit" in text else "chromium")
    if creator.lower().startswith("playwright"):
        recorder = "playwright"
    elif "devtools" in text or creator == "WebInspector":
        recorder = "devtools"
    elif profile == "firefox":
        recorder = "firefox"
    elif profile == "webkit":
        recorder = "webkit"
    else:
        recorder = "unknown"
    return recorder, profile


def parse_har(data: object, file: str = "<har>") -> HarLog:
    """A HAR document (parsed JSON) checked and read."""
    top = _obj(file, data, "(top level)")
    log = _obj(file, top.get("log"), "log")
    creator = _obj(file, log.get("creator", {}), "log.creator")
    browser = log.get("browser") or {}
    browser = _obj(file, browser, "log.browser")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise _fail(file, "log.entries", "must be a list", entries)
    name = str(creator.get("name") or "")
    comment = str(creator.get("comment") or "")
    recorder, profile = _who(name, comment, str(browser.get("name") or ""))
    parsed = tuple(_entry(file, i, e) for i, e in enumerate(entries))
    return HarLog(file, name, f"{browser.get('name') or ''} {browser.get('version') or ''}".strip(), comment,
                  recorder, profile, tuple(sorted(parsed, key=lambda e: (e.started, e.index))))


#: Largest HAR file read (docs/limits.md); a HAR holds bodies, so more than a scenario.
HAR_MAX_BYTES = 64 * 1024 * 1024


def read_har(path: Path) -> HarLog:
    """A HAR file read and checked (InputError: not readable, not JSON, not HAR)."""
    from cors_spec.scenario.files import read_json

    data = read_json(path, max_bytes=HAR_MAX_BYTES, encoding="utf-8-sig", what="HAR files")
    return parse_har(data, str(path))


@attrs.frozen
class Chain:
    """One request of the page: its hops (first URL, then each redirect) and the preflights
    the HAR shows for it."""

    hops: tuple[Entry, ...]
    preflights: tuple[Entry, ...] = ()


def group(entries: tuple[Entry, ...]) -> list[Chain]:
    """The page's requests: documents left out, redirect hops joined, preflights paired."""
    chains: list[list[Entry]] = []
    for e in entries:
        if e.is_document or e.is_preflight:
            continue
        home = None
        for c in chains:
            last = c[-1]
            same_id = bool(e.request_id) and e.request_id == c[0].request_id
            follows = bool(last.redirect_url) and last.redirect_url == e.url and 300 <= last.status < 400
            if same_id or (follows and not (e.request_id and c[0].request_id)):
                home = c
        if home is None:
            chains.append([e])
        else:
            home.append(e)
    pre: list[list[Entry]] = [[] for _ in chains]
    for p in entries:
        if not p.is_preflight:
            continue
        best = None
        for k, c in enumerate(chains):
            if p.initiator_id and p.initiator_id == c[0].request_id:
                best = k
                break
        if best is None:
            acrm = p.header("access-control-request-method")
            near = [(abs(h.index - p.index), k) for k, c in enumerate(chains) for h in c
                    if h.url == p.url and h.method == acrm]
            if near:
                best = min(near)[1]
        if best is not None:
            pre[best].append(p)
    return [Chain(tuple(c), tuple(ps)) for c, ps in zip(chains, pre)]
