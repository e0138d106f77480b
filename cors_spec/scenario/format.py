"""Scenario files (format v1): JSON to values, values to observations.

The JSON boundary takes ``object``, checks every field, and builds attrs values; an
invalid file raises :class:`~cors_spec.InputError` naming the file, the JSON path of the
field and the rule. Nothing in the model sees raw JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from cors_spec.browser import Browser
from cors_spec.errors import InputError
from cors_spec.model.headers import HeaderList, is_token
from cors_spec.model.origin import parse_origin, parse_url
from cors_spec.model.profile import Profile
from cors_spec.model.request import Api, Credentials, CrossOrigin, Mode, Redirect
from cors_spec.model.response import Result
from cors_spec.model.server import Route, Routes

_TOP_KEYS = frozenset({"name", "about", "page", "page_precursor", "requests", "server"})
#: Keys a golden scenario may carry besides the format-v1 ones.
_EXTENSION_KEYS = frozenset({"expect", "anchors"})
_REQUEST_KEYS = frozenset(
    {"api", "method", "url", "headers", "mode", "credentials", "redirect", "after",
     "upload_listener", "body", "crossorigin"}
)
#: Element loads take only these; the element decides everything else.
_ELEMENT_KEYS = frozenset({"api", "url", "crossorigin", "after"})
_ROUTE_KEYS = frozenset({"method", "url", "status", "headers", "body", "body_base64"})


@attrs.frozen
class ScenarioRequest:
    """One request a scenario's page makes."""

    api: Api
    method: str
    url: str
    headers: HeaderList
    mode: Mode
    credentials: Credentials
    redirect: Redirect
    after: float
    upload_listener: bool
    body: str | None
    crossorigin: CrossOrigin | None = None


@attrs.frozen
class Scenario:
    """A page, the requests it makes in order, and the server's routes."""

    name: str
    page: str
    requests: tuple[ScenarioRequest, ...]
    server: Routes
    about: str = ""
    source: str = ""  # the file it came from, for messages
    raw: dict[str, object] = attrs.field(factory=dict, eq=False, repr=False)
    #: With page "null": the origin the opaque page was made from, when the file says it.
    page_precursor: str | None = None


#: The largest ``after`` (and Browser.advance): 2^31 seconds, as max-age saturates (RFC 9111 1.2.2).
MAX_SECONDS = 2**31
#: A scenario's limits (docs/limits.md): requests, routes, and per header list its lines
#: and bytes (a browser refuses a response header block over 256 KiB).
MAX_REQUESTS = 1000
MAX_ROUTES = 1000
MAX_HEADER_LINES = 20_000
MAX_HEADER_BYTES = 256 * 1024
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: NUL, CR and LF, which a response header value cannot hold on the wire (nor characters above
#: U+00FF; a class up to U+10FFFF would cost 10 ms to compile at import).
_NUL_CR_LF = re.compile("[\x00\r\n]")
#: The values each enumerated field may take, and the member each names.
_APIS = {a.value: a for a in Api}
_MODES = {m.value: m for m in Mode}
_CREDENTIALS = {m.value: m for m in Credentials}
_REDIRECTS = {m.value: m for m in Redirect}
_CROSSORIGINS = {x.value: x for x in CrossOrigin}


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, rule: str, value: object = None) -> InputError:
        shown = None if value is None else (value if isinstance(value, str) else json.dumps(value)[:80])
        return InputError(path, rule, shown, file=self.file)

    def obj(self, value: object, path: str, allowed: frozenset[str], required: Sequence[str]) -> dict[str, object]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be a JSON object", value)
        for key in value:
            if key not in allowed:
                raise self.fail(f"{path}.{key}", "unknown field; allowed: " + ", ".join(sorted(allowed)))
        for key in required:
            if key not in value:
                raise self.fail(f"{path}.{key}", "is required")
        return value

    def string(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "must be a string", value)
        lone = _LONE_SURROGATE.search(value)
        if lone is not None:
            raise self.fail(path, f"must be text; a lone surrogate (U+{ord(lone.group()):04X}) is not a character")
        return value

    def seconds(self, value: object, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SECONDS:
            raise self.fail(path, "must be a finite number of seconds, zero or more (at most 2^31)", value)
        return float(value)

    def choice(self, value: object, path: str, allowed: Sequence[str]) -> str:
        s = self.string(value, path)
        if s not in allowed:
            raise self.fail(path, "must be one of " + ", ".join(repr(a) for a in allowed), s)
        return s

    def pairs(self, value: object, path: str, *, wire: bool) -> HeaderList:
        """The header list; a list that passes every check at once (what a valid file
        holds) is taken without a per-pair path, and any other goes through
        :meth:`_checked_pairs`, which finds the first offending pair and names it."""
        if type(value) is list and len(value) <= MAX_HEADER_LINES:
            out: list[tuple[str, str]] = []
            for pair in value:
                if type(pair) is not list or len(pair) != 2:
                    break
                name, val = pair
                if type(name) is not str or type(val) is not str:
                    break
                out.append((name, val))
            else:
                names = [n for n, _ in out]
                values = "".join([v for _, v in out])
                if (len(values) + sum(map(len, names)) + 4 * len(out) <= MAX_HEADER_BYTES
                        and _LONE_SURROGATE.search("".join(names) + values) is None
                        and (not wire or (all(map(is_token, names)) and _NUL_CR_LF.search(values) is None
                                      and (not values or max(values) <= "\xff")))):
                    return tuple(out)
        return self._checked_pairs(value, path, wire=wire)

    def _checked_pairs(self, value: object, path: str, *, wire: bool) -> HeaderList:
        if not isinstance(value, list):
            raise self.fail(path, "must be a list of [name, value] pairs", value)
        if len(value) > MAX_HEADER_LINES:
            raise self.fail(path, f"holds {len(value):,} headers; a list holds at most {MAX_HEADER_LINES:,} "
                            "(the header limit)")
        size = 0
        out: list[tuple[str, str]] = []
        for i, pair in enumerate(value):
            p = f"{path}[{i}]"
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self.fail(p, "must be a [name, value] pair", pair)
            name = self.string(pair[0], p + "[0]")
            val = self.string(pair[1], p + "[1]")
            if wire:
                # What a server can put on the wire: a token name; a value without NUL,
                # CR or LF, whose characters are bytes (U+0000-U+00FF; obs-text is fine).
                if not is_token(name):
                    raise self.fail(p + "[0]", "a response header name must be an HTTP token", name)
                bad = next((c for c in val if c in "\x00\r\n" or c > "\xff"), None)
                if bad is not None:
                    raise self.fail(p + "[1]", "a response header value cannot contain NUL, CR, LF or "
                                    "characters above U+00FF (write each byte as one character "
                                    f"U+0000-U+00FF); found U+{ord(bad):04X}", val)
            size += len(name) + len(val) + 4  # "name: value\r\n"
            if size > MAX_HEADER_BYTES:
                raise self.fail(path, f"is over {MAX_HEADER_BYTES // 1024} KiB of headers (names, values and 4 "
                                "bytes a line: the header limit)")
            out.append((name, val))
        return tuple(out)


def parse_scenario(data: object, file: str = "<scenario>") -> Scenario:
    """Check a decoded format-v1 scenario and build its values."""
    c = _Checker(file)
    top = c.obj(data, "$", _TOP_KEYS | _EXTENSION_KEYS, ("name", "page", "requests"))
    name = c.string(top["name"], "$.name")
    about = c.string(top.get("about", ""), "$.about")
    page = c.string(top["page"], "$.page")
    page_origin = parse_origin(page)
    if page_origin is None:
        raise c.fail("$.page", "must be an origin such as 'https://app.example', or 'null'", page)
    page_base = None if page_origin.opaque else page_origin.serialized + "/"
    page_precursor = None
    if "page_precursor" in top:
        page_precursor = c.string(top["page_precursor"], "$.page_precursor")
        if not page_origin.opaque:
            raise c.fail("$.page_precursor", "applies only when page is 'null' (an opaque origin)", page_precursor)
        precursor = parse_origin(page_precursor)
        if precursor is None or precursor.opaque:
            raise c.fail("$.page_precursor", "must be a tuple origin such as 'http://a.test' (the origin the "
                         "opaque page was made from)", page_precursor)
    raw_requests = top["requests"]
    if not isinstance(raw_requests, list) or not raw_requests:
        raise c.fail("$.requests", "must be a non-empty list of requests", raw_requests)
    if len(raw_requests) > MAX_REQUESTS:
        raise c.fail("$.requests", f"holds {len(raw_requests):,} requests; a scenario makes at most "
                     f"{MAX_REQUESTS:,} (the request limit)")
    requests = tuple(_parse_request(c, r, f"$.requests[{i}]", page_base) for i, r in enumerate(raw_requests))
    raw_server = top.get("server", [])
    if not isinstance(raw_server, list):
        raise c.fail("$.server", "must be a list of routes", raw_server)
    if len(raw_server) > MAX_ROUTES:
        raise c.fail("$.server", f"holds {len(raw_server):,} routes; a scenario has at most {MAX_ROUTES:,} "
                     "(the route limit)")
    routes = tuple(_parse_route(c, r, f"$.server[{i}]") for i, r in enumerate(raw_server))
    return Scenario(name, page, requests, Routes(routes), about, file, top, page_precursor)


def _parse_request(c: _Checker, value: object, path: str, page_base: str | None) -> ScenarioRequest:
    r = c.obj(value, path, _REQUEST_KEYS, ("url",))
    api = _APIS[c.choice(r.get("api", "fetch"), path + ".api", tuple(_APIS))]
    if api.is_element:
        return _parse_element(c, r, path, page_base, api)
    if "crossorigin" in r:
        raise c.fail(path + ".crossorigin", "applies to element loads only (img, script, ...)")
    method = c.string(r.get("method", "GET"), path + ".method")
    url = c.string(r["url"], path + ".url")
    if parse_url(url, page_base) is None:
        raise c.fail(path + ".url", "must be a URL (absolute, or relative to the page)", url)
    headers = c.pairs(r.get("headers", []), path + ".headers", wire=False)
    mode = _MODES[c.choice(r.get("mode", "cors"), path + ".mode", tuple(_MODES))]
    credentials = _CREDENTIALS[c.choice(r.get("credentials", "same-origin"), path + ".credentials",
                                        tuple(_CREDENTIALS))]
    redirect = _REDIRECTS[c.choice(r.get("redirect", "follow"), path + ".redirect", tuple(_REDIRECTS))]
    after = c.seconds(r.get("after", 0), path + ".after")
    upload_listener = r.get("upload_listener", False)
    if not isinstance(upload_listener, bool):
        raise c.fail(path + ".upload_listener", "must be true or false", upload_listener)
    body = r.get("body")
    if body is not None and not isinstance(body, str):
        raise c.fail(path + ".body", "must be a string or null", body)
    if api is Api.XHR:
        if "mode" in r and mode is not Mode.CORS:
            raise c.fail(path + ".mode", "XMLHttpRequest always uses mode 'cors'; leave mode out", mode.value)
        if "redirect" in r and redirect is not Redirect.FOLLOW:
            raise c.fail(path + ".redirect", "XMLHttpRequest always follows redirects; leave redirect out",
                         redirect.value)
        if credentials is Credentials.OMIT:
            raise c.fail(path + ".credentials", "XMLHttpRequest has only withCredentials: use "
                         "'include' (true) or 'same-origin' (false)", "omit")
    elif upload_listener:
        raise c.fail(path + ".upload_listener", "applies to api 'xhr' only", True)
    return ScenarioRequest(api, method, url, headers, mode, credentials, redirect, float(after),
                           upload_listener, body)


def _parse_element(c: _Checker, r: dict[str, object], path: str, page_base: str | None, api: Api) -> ScenarioRequest:
    for key in r:
        if key not in _ELEMENT_KEYS:
            raise c.fail(f"{path}.{key}", f"does not apply to an element load ({api.value}): the element "
                         "decides method, headers, mode, credentials and redirects; allowed: "
                         + ", ".join(sorted(_ELEMENT_KEYS)))
    url = c.string(r["url"], path + ".url")
    if parse_url(url, page_base) is None:
        raise c.fail(path + ".url", "must be a URL (absolute, or relative to the page)", url)
    crossorigin = None
    if "crossorigin" in r:
        if api in (Api.FONT, Api.IFRAME):
            raise c.fail(path + ".crossorigin", f"is not allowed for {api.value}: "
                         + ("fonts are always fetched with CORS" if api is Api.FONT else "a navigation is not CORS"))
        crossorigin = _CROSSORIGINS[c.choice(r["crossorigin"], path + ".crossorigin", tuple(_CROSSORIGINS))]
    after = c.seconds(r.get("after", 0), path + ".after")
    return ScenarioRequest(api, "GET", url, (), Mode.NO_CORS, Credentials.INCLUDE, Redirect.FOLLOW, float(after),
                           False, None, crossorigin)


def _parse_route(c: _Checker, value: object, path: str) -> Route:
    r = c.obj(value, path, _ROUTE_KEYS, ("url",))
    url = c.string(r["url"], path + ".url")
    parsed = parse_url(url)
    if parsed is None or not parsed.is_http:
        raise c.fail(path + ".url", "must be an absolute http: or https: URL", url)
    if parsed.includes_credentials:
        raise c.fail(path + ".url", "must not contain user:password@ (a server never sees userinfo: it is not "
                     "part of the request target)", url)
    method = r.get("method")
    if method is not None:
        method = c.string(method, path + ".method")
    status = r.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 999:
        raise c.fail(path + ".status", "must be an integer HTTP status from 100 to 999", status)
    headers = c.pairs(r.get("headers", []), path + ".headers", wire=True)
    if "body" in r and "body_base64" in r:
        raise c.fail(path + ".body_base64", "give either body or body_base64, not both")
    if "body_base64" in r:
        encoded = c.string(r["body_base64"], path + ".body_base64")
        try:
            # Bodies are byte strings held one character per byte.
            body = base64.b64decode(encoded, validate=True).decode("latin-1")
        except (binascii.Error, ValueError):
            raise c.fail(path + ".body_base64", "must be valid base64", encoded[:40]) from None
    else:
        body = c.string(r.get("body", ""), path + ".body")
    return Route(parsed.request_target, status, headers, body, method)


def load_scenario(path: Path) -> Scenario:
    """Read and check one scenario file (within docs/limits.md's file limits)."""
    from cors_spec.scenario.files import read_json

    return parse_scenario(read_json(path, what="scenario files"), str(path))


def scenario_files(paths: Sequence[Path]) -> Iterator[Path]:
    """The .json files named, and those found (sorted, recursively) in named folders."""
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.rglob("*.json") if q.is_file())
            if not found:
                raise InputError("PATH", "no scenario files (*.json) in the folder", str(p))
            yield from found
        elif p.exists():
            yield p
        else:
            raise InputError("PATH", "no such file or folder", str(p))


def run_scenario(scenario: Scenario, profile: str | Profile = "spec", *, trace: bool = False) -> list[Result]:
    """Run the scenario's requests in order in one page; one result per request."""
    browser = Browser(scenario.page, profile, trace=trace, page_precursor=scenario.page_precursor)
    results: list[Result] = []
    for req in scenario.requests:
        browser.advance(req.after)
        if req.api.is_element:
            results.append(browser.load(req.api, req.url, crossorigin=req.crossorigin, server=scenario.server))
        elif req.api is Api.XHR:
            results.append(browser.xhr(
                req.url, method=req.method, headers=req.headers,
                with_credentials=req.credentials is Credentials.INCLUDE, body=req.body,
                upload_listener=req.upload_listener, server=scenario.server))
        else:
            results.append(browser.fetch(
                req.url, method=req.method, headers=req.headers, mode=req.mode,
                credentials=req.credentials, redirect=req.redirect, body=req.body,
                server=scenario.server))
    return results


def observation(result: Result, *, with_trace: bool = False) -> dict[str, object]:
    """A format-v1 observation with the extra fields: reason, detail, exception, console
    (the lines the profile's engine prints for it), trace."""
    obs = result.observation()
    obs["reason"] = None if result.failure is None else result.failure.reason.value
    obs["detail"] = None if result.failure is None else result.failure.detail
    obs["exception"] = None if result.exception is None else result.exception.value
    obs["console"] = list(result.console)
    if with_trace:
        obs["trace"] = [s.to_json() for s in result.trace]
    return obs
