"""The oracle's declared intent, the requests it generates, and its properties.

An :class:`Intent` says which origins, methods, request headers, credentials and exposed
response headers a server's owner means to allow. :func:`check` runs browser requests
(:class:`BrowserRequest`) through the model against a server (see
:mod:`cors_spec.oracle.adapters`) and raises an :class:`AssertionError` carrying a minimal
scenario file and the trace when the browser's outcome differs from the intent, or when a
property that needs no intent fails. It needs no hypothesis: call it from any test; the
strategies in :mod:`cors_spec.oracle.strategies` generate its requests.

>>> intent = Intent.from_dict({"origins": ["https://app.example"], "methods": ["PUT"]})
>>> intent.allows_origin("https://app.example"), intent.allows_origin("https://app.example.evil.test")
(True, False)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import attrs

from cors_spec.browser import Browser
from cors_spec.engines import PROFILES
from cors_spec.errors import InputError
from cors_spec.model.classify import (
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
    FORBIDDEN_RESPONSE_HEADER_NAMES,
    REDIRECT_STATUSES,
    cors_unsafe_request_header_names,
    is_cors_safelisted_method,
)
from cors_spec.model.construct import Rejected, construct
from cors_spec.model.headers import HeaderList, header_get, is_token
from cors_spec.model.origin import parse_origin, parse_url, same_origin
from cors_spec.model.profile import Profile
from cors_spec.model.request import Api, Credentials, Mode, Redirect, WireRequest
from cors_spec.model.response import Outcome, Result, ServerResponse
from cors_spec.scenario.format import parse_scenario, run_scenario

__all__ = [
    "KINDS",
    "BrowserRequest",
    "Exchange",
    "FactoryLike",
    "Finding",
    "Intent",
    "ServerLike",
    "check",
    "expected_outcome",
    "run_sequence",
]

_INTENT_KEYS = frozenset({"origins", "methods", "headers", "credentials", "expose", "max_age"})

#: Finding kinds, in the order the audit reports them.
KINDS: tuple[str, ...] = (
    "app-error",  # the app raised while answering
    "intent-blocked",  # the intent allows the request, the browser blocks it
    "unintended-origin",  # the browser lets script on an origin the intent does not list read
    "unintended-method",  # ... with a method the intent does not list
    "unintended-header",  # ... with a request header the intent does not list
    "unintended-credentials",  # ... with credentials, which the intent does not allow
    "expose-extra",  # script can read a response header the intent does not expose
    "expose-missing",  # script cannot read a header the intent exposes (and the app sent)
    "max-age",  # the preflight's Access-Control-Max-Age differs from the intent's max_age
    "wildcard-credentials",  # Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true
    "reflected-credentials",  # the request's origin reflected with credentials outside the intent
    "null-origin",  # Access-Control-Allow-Origin: null granted though not intended
    "missing-vary",  # ACAO depends on Origin, the response has no Vary: Origin
    "state-leak",  # CORS headers differ from what a fresh app answers to the same request
)


# --- the intent --------------------------------------------------------------------------


@attrs.frozen
class Intent:
    """What the server's owner means to allow.

    ``origins``: exact origins as browsers send them (``https://app.example``,
    ``http://localhost:3000``, ``null``), ``*`` for any origin, or a subdomain pattern
    ``https://*.example.org`` (one or more labels before ``.example.org``, same scheme and
    port). ``methods``: methods that need a preflight and may be used, compared
    case-sensitively as browsers compare them (GET, HEAD and POST are always allowed: the
    CORS protocol cannot refuse them by method). ``headers``: request header names that
    may be set beyond the CORS-safelisted ones (``*`` for any). ``credentials``: whether
    requests with credentials mode "include" may read responses. ``expose``: response
    header names script may read beyond the CORS-safelisted ones (``*`` for all).
    ``max_age``: the preflight lifetime the server should announce, if any.
    """

    origins: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    credentials: bool = False
    expose: tuple[str, ...] = ()
    max_age: int | None = None
    source: str = attrs.field(default="<intent>", eq=False)

    @classmethod
    def load(cls, path: str | Path) -> Intent:
        """Read an intent file: TOML, or JSON when the name ends in ``.json``."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError("intent", f"cannot read the file: {e}", file=str(p)) from None
        data: object
        if p.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as e:
                raise InputError("$", f"is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}",
                                 file=str(p)) from None
        else:
            data = _load_toml(text, str(p))
        return cls.from_dict(data, str(p))

    @classmethod
    def from_dict(cls, data: object, file: str = "<intent>") -> Intent:
        """Check a decoded intent and build it; errors name the key and the rule."""
        if not isinstance(data, dict):
            raise InputError("$", "an intent must be a table (TOML) or object (JSON)", file=file)
        for key in data:
            if key not in _INTENT_KEYS:
                raise InputError(str(key), "unknown key; allowed: " + ", ".join(sorted(_INTENT_KEYS)), file=file)
        origins = tuple(_check_origin(o, f"origins[{i}]", file) for i, o in enumerate(_str_list(data, "origins", file)))
        methods = _str_list(data, "methods", file)
        for i, m in enumerate(methods):
            if m != "*" and not is_token(m):
                raise InputError(f"methods[{i}]", "must be an HTTP method (a token) or '*'", m, file=file)
        headers = tuple(h.lower() for h in _str_list(data, "headers", file))
        expose = tuple(h.lower() for h in _str_list(data, "expose", file))
        for key, names in (("headers", headers), ("expose", expose)):
            for i, h in enumerate(names):
                if h != "*" and not is_token(h):
                    raise InputError(f"{key}[{i}]", "must be a header name (a token) or '*'", h, file=file)
        credentials = data.get("credentials", False)
        if not isinstance(credentials, bool):
            raise InputError("credentials", "must be true or false", repr(credentials), file=file)
        max_age = data.get("max_age")
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
            raise InputError("max_age", "must be a whole number of seconds, zero or more", repr(max_age), file=file)
        return cls(origins, tuple(methods), headers, credentials, expose, max_age, file)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"origins": list(self.origins), "methods": list(self.methods),
                                  "headers": list(self.headers), "credentials": self.credentials,
                                  "expose": list(self.expose)}
        if self.max_age is not None:
            out["max_age"] = self.max_age
        return out

    def allows_origin(self, origin: str) -> bool:
        """Whether script on a page of ``origin`` (serialized, as sent) may read responses."""
        for entry in self.origins:
            if entry == "*" or entry == origin:
                return True
            if "://*." in entry and _wildcard_match(entry, origin):
                return True
        return False

    def allows_method(self, method: str) -> bool:
        """GET, HEAD, POST, or a method the intent lists (case-sensitively), or any with ``*``."""
        return is_cors_safelisted_method(method) or "*" in self.methods or method in self.methods

    def allows_header(self, name: str) -> bool:
        return "*" in self.headers or name.lower() in self.headers

    def exposes(self, name: str) -> bool:
        lname = name.lower()
        return lname in CORS_SAFELISTED_RESPONSE_HEADER_NAMES or "*" in self.expose or lname in self.expose

    def exact_origins(self) -> tuple[str, ...]:
        """The origins listed literally (no ``*``, no pattern)."""
        return tuple(o for o in self.origins if o != "*" and "://*." not in o)


def _load_toml(text: str, file: str) -> object:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise InputError("intent", "TOML needs Python 3.11 or the tomli package; or write JSON (.json)",
                             file=file) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError("$", f"is not valid TOML: {e}", file=file) from None


def _str_list(data: Mapping[str, object], key: str, file: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(key, "must be a list of strings", json.dumps(value, default=str)[:80], file=file)
    return [str(v) for v in value]


def _check_origin(entry: str, where: str, file: str) -> str:
    if entry in ("*", "null"):
        return entry
    probe = entry.replace("://*.", "://x.", 1) if "://*." in entry else entry
    parsed = parse_origin(probe) if "://" in probe else None
    if parsed is None or parsed.opaque or parsed.serialized != probe:
        hint = ""
        if parsed is not None and not parsed.opaque:
            hint = f"; did you mean {parsed.serialized.replace('://x.', '://*.', 1) if probe != entry else parsed.serialized!r}?"
        raise InputError(where, "must be an origin exactly as browsers send it (scheme://host[:port], lowercase, "
                         "no path, no default port), 'null', '*', or 'scheme://*.domain'" + hint, entry, file=file)
    return entry


def _wildcard_match(entry: str, origin: str) -> bool:
    scheme, _, rest = entry.partition("://*")
    prefix = scheme + "://"
    if not (origin.startswith(prefix) and origin.endswith(rest)):
        return False
    label = origin[len(prefix): len(origin) - len(rest)]
    return bool(label) and not label.startswith(".") and not label.endswith(".") and not any(c in label for c in ":/[]@")


# --- the requests the oracle makes ----------------------------------------------------------


@attrs.frozen
class BrowserRequest:
    """One request script on ``page`` makes, and whether the browser holds a cookie for the server.

    ``cookie``: when the request goes out with credentials, the browser attaches
    ``Cookie: <cookie>`` (a browser with no cookie for the site sends none, even with
    credentials mode "include"). ``after``: seconds that pass before it, on the page's
    virtual clock (preflight cache expiry).
    """

    page: str
    url: str
    api: Api = Api.FETCH
    method: str = "GET"
    headers: HeaderList = ()
    mode: Mode = Mode.CORS
    credentials: Credentials = Credentials.SAME_ORIGIN
    redirect: Redirect = Redirect.FOLLOW
    body: str | None = None
    upload_listener: bool = False
    cookie: str | None = None
    after: float = 0.0

    def run(self, browser: Browser, server: Callable[[WireRequest], ServerResponse]) -> Result:
        browser.advance(self.after)
        if self.api is Api.XHR:
            return browser.xhr(self.url, method=self.method, headers=self.headers,
                               with_credentials=self.credentials is Credentials.INCLUDE, body=self.body,
                               upload_listener=self.upload_listener, server=server)
        return browser.fetch(self.url, method=self.method, headers=self.headers, mode=self.mode,
                             credentials=self.credentials, redirect=self.redirect, body=self.body, server=server)

    def scenario_request(self, *, after: float | None = None) -> dict[str, object]:
        """This request as a format-v1 scenario request (defaults left out)."""
        out: dict[str, object] = {}
        if self.api is Api.XHR:
            out["api"] = "xhr"
        if self.method != "GET":
            out["method"] = self.method
        out["url"] = self.url
        if self.headers:
            out["headers"] = [[n, v] for n, v in self.headers]
        if self.api is Api.FETCH:
            if self.mode is not Mode.CORS:
                out["mode"] = self.mode.value
            if self.redirect is not Redirect.FOLLOW:
                out["redirect"] = self.redirect.value
        if self.credentials is not Credentials.SAME_ORIGIN:
            out["credentials"] = self.credentials.value
        if self.upload_listener:
            out["upload_listener"] = True
        if self.body is not None:
            out["body"] = self.body
        a = self.after if after is None else after
        if a:
            out["after"] = a
        return out

    def describe(self) -> str:
        """One line: what script did."""
        if self.api is Api.XHR:
            call = f"xhr {self.method} {self.url}" + (" withCredentials" if self.credentials is Credentials.INCLUDE else "")
        else:
            opts = [f"mode={self.mode.value}"] if self.mode is not Mode.CORS else []
            if self.credentials is not Credentials.SAME_ORIGIN:
                opts.append(f"credentials={self.credentials.value}")
            if self.redirect is not Redirect.FOLLOW:
                opts.append(f"redirect={self.redirect.value}")
            call = f"fetch {self.method} {self.url}" + (f" ({', '.join(opts)})" if opts else "")
        hs = "".join(f"; {n}: {v}" for n, v in self.headers)
        extra = f"; browser holds cookie {self.cookie!r}" if self.cookie else ""
        when = f" after {self.after:g}s" if self.after else ""
        return f"from {self.page}{when}: {call}{hs}{extra}"


@attrs.frozen
class Exchange:
    """One request as it reached the app (with the cookie the browser attached) and its answer."""

    request: WireRequest
    response: ServerResponse


class ServerLike(Protocol):
    """What the oracle needs of a server; :class:`cors_spec.oracle.adapters.AppServer` is one.

    Calling it answers a request as the browser sends it (adding ``Cookie: <cookie>`` when
    credentials are included) and records an :class:`Exchange`; :meth:`ask` answers a
    request as given, recording nothing.
    """

    cookie: str | None
    exchanges: list[Exchange]
    errors: list[str]

    def __call__(self, wire: WireRequest, /) -> ServerResponse: ...

    def ask(self, wire: WireRequest, /) -> ServerResponse: ...


class FactoryLike(Protocol):
    """Gives servers: a new app each time when ``fresh``, else always the same one."""

    @property
    def fresh(self) -> bool: ...

    def new(self) -> ServerLike: ...

    def answer_fresh(self, wire: WireRequest, /) -> ServerResponse:
        """A new app's answer to ``wire`` (the shared app's, when not ``fresh``)."""
        ...


# --- findings ------------------------------------------------------------------------------


@attrs.frozen
class Finding:
    """A request where the app and the intent (or a property) disagree."""

    kind: str
    message: str
    profile: str
    request: BrowserRequest
    before: tuple[BrowserRequest, ...]  # earlier requests of the same sequence, in order
    scenario: dict[str, object]
    reproduces: bool  # running ``scenario`` gives the same outcome as the app did
    trace: str
    examples: int | None = None  # examples hypothesis generated up to the first failing one

    def report(self) -> str:
        """For people: what failed, the requests, the scenario file and the trace."""
        lines = [f"[{self.kind}] {self.message} (profile {self.profile})", f"  request: {self.request.describe()}"]
        if self.before:
            lines.append("  after these requests to the same app:")
            lines.extend(f"    {i + 1}. {r.describe()}" for i, r in enumerate(self.before))
        state = "reproduces the browser's outcome" if self.reproduces else \
            "does NOT reproduce the outcome (the app answered the same URL differently over time)"
        lines.append(f"  scenario (format v1; {state}; run it with `cors-spec explain FILE`):")
        lines.extend("    " + ln for ln in json.dumps(self.scenario, indent=1).splitlines())
        lines.append("  trace:")
        lines.extend("    " + ln for ln in self.trace.splitlines())
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "profile": self.profile,
                "examples": self.examples, "request": self.request.describe(),
                "before": [r.describe() for r in self.before], "scenario": self.scenario,
                "reproduces": self.reproduces, "trace": self.trace}


# --- the expected outcome --------------------------------------------------------------------


def expected_outcome(intent: Intent, req: BrowserRequest, profile: str | Profile = "spec",
                     ) -> list[tuple[str, str]] | None:
    """Why the intent does not let script read the response to ``req``: a list of
    (aspect, explanation) with aspect origin, method, header or credentials; empty when it does.

    None when the intent has nothing to say: a same-origin request, a mode other than
    "cors", or a request the browser refuses before anything is sent.
    """
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    page = parse_origin(req.page)
    if page is None:
        return None
    page_url = None if page.opaque else page.serialized + "/"
    url = parse_url(req.url, page_url)
    if url is None or not url.is_http or (req.api is Api.FETCH and req.mode is not Mode.CORS):
        return None
    if same_origin(page, url.origin):
        return None
    request = construct(api=req.api, page=page, page_url=page_url, url=req.url, method=req.method,
                        headers=req.headers, mode=req.mode, credentials=req.credentials, redirect=req.redirect,
                        body=req.body, upload_listener=req.upload_listener, profile=prof, trace=None)
    if isinstance(request, Rejected):
        return None
    why: list[tuple[str, str]] = []
    if not intent.allows_origin(page.serialized):
        why.append(("origin", f"origin {page.serialized} is not in the intent's origins"))
    if not intent.allows_method(request.method):
        why.append(("method", f"method {request.method} is not in the intent's methods"))
    bad = [n for n in cors_unsafe_request_header_names(request.headers) if not intent.allows_header(n)]
    if bad:
        why.append(("header", "request header(s) " + ", ".join(bad) + " not in the intent's headers"))
    if request.credentials is Credentials.INCLUDE and not intent.credentials:
        why.append(("credentials", "credentials mode is include and the intent does not allow credentials"))
    return why


# --- running requests and checking the properties -------------------------------------------


def _acao(resp: ServerResponse) -> str | None:
    v = header_get(resp.headers, "access-control-allow-origin")
    return None if v is None else v.strip(" \t")


def _acac(resp: ServerResponse) -> str | None:
    v = header_get(resp.headers, "access-control-allow-credentials")
    return None if v is None else v.strip(" \t")


def _cors_headers(resp: ServerResponse) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((n.lower(), v.strip(" \t")) for n, v in resp.headers if n.lower().startswith("access-control-")))


def _varies_on_origin(resp: ServerResponse) -> bool:
    vary = header_get(resp.headers, "vary") or ""
    return any(t.strip().lower() in ("origin", "*") for t in vary.split(","))


def _with_origin(wire: WireRequest, origin: str) -> WireRequest:
    headers = tuple((n, v) for n, v in wire.headers if n.lower() != "origin") + (("Origin", origin),)
    return attrs.evolve(wire, headers=headers)


_PROBE_ORIGINS = ("https://vary-probe.example", "https://other-vary-probe.example")


@attrs.define
class _Run:
    """One sequence run against one server under one profile."""

    requests: Sequence[BrowserRequest]
    results: list[Result] = attrs.Factory(list)
    exchanges: list[list[Exchange]] = attrs.Factory(list)
    errors: list[list[str]] = attrs.Factory(list)  # what the app raised, per request


def run_sequence(requests: Sequence[BrowserRequest], server: ServerLike, profile: str = "spec") -> _Run:
    """Run the requests in order (one browser per page origin, sharing nothing else)."""
    browsers: dict[str, Browser] = {}
    run = _Run(requests)
    for req in requests:
        browser = browsers.get(req.page)
        if browser is None:
            browser = browsers[req.page] = Browser(req.page, profile, trace=True)
        server.cookie = req.cookie
        start, errors_start = len(server.exchanges), len(server.errors)
        run.results.append(req.run(browser, server))
        run.exchanges.append(list(server.exchanges[start:]))
        run.errors.append(list(server.errors[errors_start:]))
    return run


def check_sequence(
    intent: Intent | None, requests: Sequence[BrowserRequest], factory: FactoryLike,
    profiles: Iterable[str] = ("spec",), skip: Iterable[str] = (),
) -> list[Finding]:
    """Every finding for this sequence, in :data:`KINDS` order of first appearance per request."""
    skipped = frozenset(skip)
    make, fresh = factory.new, factory.fresh
    findings: list[Finding] = []
    for profile in profiles:
        server = make()
        run = run_sequence(requests, server, profile)
        for i, (req, result, exchanges) in enumerate(zip(run.requests, run.results, run.exchanges)):
            found: list[tuple[str, str]] = []
            errors = run.errors[i]
            if errors:
                found.append(("app-error", "the app raised an exception:\n" + errors[0]))
            found.extend(_request_findings(intent, req, result, exchanges, profile))
            found.extend(_header_findings(intent, exchanges))
            found.extend(_vary_findings(intent, exchanges, factory))
            probe: Finding | None = None
            if fresh:
                found.extend(_state_findings(exchanges, factory, skip_first=i == 0))
                if "state-leak" not in skipped and not any(k == "state-leak" for k, _ in found):
                    probe = _probe_state(intent, req, server, factory, profile, run, i)
            for kind, message in found:
                if kind in skipped:
                    continue
                findings.append(_finding(kind, message, profile, run, i))
            if probe is not None:
                findings.append(probe)
                return findings
            if any(k not in skipped for k, _ in found) or errors:
                return findings
    return findings


def _request_findings(intent: Intent | None, req: BrowserRequest, result: Result,
                      exchanges: list[Exchange], profile: str) -> list[tuple[str, str]]:
    if intent is None or not exchanges:
        return []
    if any(ex.response.status in REDIRECT_STATUSES for ex in exchanges):
        return []  # the intent speaks of this resource, not of where it redirects
    exp = expected_outcome(intent, req, profile)
    if exp is None:
        return []
    allowed = not exp
    out: list[tuple[str, str]] = []
    readable = result.outcome is Outcome.CORS
    if allowed and not readable:
        reason = result.failure.reason.value if result.failure else result.outcome.value
        detail = f" ({result.failure.detail})" if result.failure and result.failure.detail else ""
        out.append(("intent-blocked", f"the intent allows this request but the browser blocks it: {reason}{detail}"))
    elif not allowed and readable:
        out.append((f"unintended-{exp[0][0]}", "the browser lets script read the response, but "
                    + "; ".join(text for _, text in exp)))
    if readable and allowed:
        final = next((ex for ex in reversed(exchanges) if not ex.request.preflight), None)
        if final is not None:
            sent = {n.lower() for n, _ in final.response.headers} - FORBIDDEN_RESPONSE_HEADER_NAMES \
                - CORS_SAFELISTED_RESPONSE_HEADER_NAMES
            can_read = set(result.header_names)
            extra = sorted(n for n in sent & can_read if not intent.exposes(n))
            missing = sorted(n for n in sent - can_read if intent.exposes(n))
            if extra:
                out.append(("expose-extra", "script can read response header(s) " + ", ".join(extra)
                            + " which the intent does not expose"))
            if missing:
                out.append(("expose-missing", "the intent exposes response header(s) " + ", ".join(missing)
                            + " which the app sent but script cannot read"))
    if intent.max_age is not None and readable and allowed:
        for ex in exchanges:
            if ex.request.preflight and 200 <= ex.response.status < 300:
                got = header_get(ex.response.headers, "access-control-max-age")
                if got is None or got.strip() != str(intent.max_age):
                    out.append(("max-age", f"the preflight answered Access-Control-Max-Age: {got} but the intent "
                                f"says max_age = {intent.max_age}"))
                    break
    return out


def _header_findings(intent: Intent | None, exchanges: list[Exchange]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for ex in exchanges:
        acao, acac = _acao(ex.response), _acac(ex.response)
        what = "preflight" if ex.request.preflight else f"{ex.request.method} response"
        origin = ex.request.origin
        if acao == "*" and acac == "true":
            out.append(("wildcard-credentials", f"the {what} has Access-Control-Allow-Origin: * together with "
                        "Access-Control-Allow-Credentials: true (browsers refuse credentialed reads with *)"))
        if acao is not None and origin is not None and acao == origin and acac == "true" and intent is not None \
                and not (intent.credentials and intent.allows_origin(origin)):
            out.append(("reflected-credentials", f"the {what} reflects Origin {origin} with "
                        "Access-Control-Allow-Credentials: true, outside the intent"))
        if acao == "null" and (intent is None or not intent.allows_origin("null")):
            out.append(("null-origin", f"the {what} grants Access-Control-Allow-Origin: null, which the intent "
                        "does not allow (any sandboxed iframe or data: page has origin null)"))
    return out


def _vary_findings(intent: Intent | None, exchanges: list[Exchange], factory: FactoryLike) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for ex in exchanges:
        acao = _acao(ex.response)
        origin = ex.request.origin
        if ex.request.preflight or acao is None or acao == "*" or origin is None or _varies_on_origin(ex.response):
            continue
        others = [o for o in (intent.exact_origins() if intent else ()) if o != origin]
        others += [o for o in _PROBE_ORIGINS if o != origin]
        probe = others[0]
        asked = factory.answer_fresh(_with_origin(ex.request, probe))
        other = _acao(asked)
        if other is not None and other != acao:
            out.append(("missing-vary", f"the {ex.request.method} response grants Access-Control-Allow-Origin: {acao} "
                        f"to Origin {origin} but {other} to Origin {probe}, without Vary: Origin (a shared cache "
                        "would serve one origin's grant to the other)"))
            break
    return out


def _state_findings(exchanges: list[Exchange], factory: FactoryLike, *, skip_first: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for j, ex in enumerate(exchanges):
        if skip_first and j == 0:
            continue
        fresh_resp = factory.answer_fresh(ex.request)
        a, b = _cors_headers(ex.response), _cors_headers(fresh_resp)
        if a != b:
            out.append(("state-leak", f"the {ex.request.method} {ex.request.url} answer carried CORS headers "
                        f"[{_show(a)}] but a fresh app answers the same request with [{_show(b)}]: the response "
                        "depends on earlier requests"))
            break
    return out


def _show(hs: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{n}: {v}" for n, v in hs) or "(none)"


def _probe_state(intent: Intent | None, req: BrowserRequest, server: ServerLike, factory: FactoryLike,
                 profile: str, run: _Run, index: int) -> Finding | None:
    """After ``req``, does the app answer a plain GET from another origin as a fresh app does?"""
    url = run.exchanges[index][0].request.url if run.exchanges[index] else None
    if url is None:
        return None
    page = parse_origin(req.page)
    mine = page.serialized if page is not None else req.page
    candidates = [o for o in (intent.exact_origins() if intent else ()) if o != mine] + ["https://state-probe.example"]
    origin = candidates[0]
    wire = WireRequest("GET", url, (("Accept", "*/*"), ("Origin", origin)))
    now, fresh = server.ask(wire), factory.answer_fresh(wire)
    a, b = _cors_headers(now), _cors_headers(fresh)
    if a == b:
        return None
    message = (f"after this request, the app answers a plain GET {url} from Origin {origin} with CORS headers "
               f"[{_show(a)}] where a fresh app answers [{_show(b)}]: the request changed state shared by "
               "later requests (the scenario is that later GET, as the app answered it)")
    data: dict[str, object] = {
        "name": "oracle-state-leak", "about": message + f" The request that changed it: {req.describe()}.",
        "page": origin, "requests": [{"url": url}],
        "server": [{"method": "GET", "url": url, "status": now.status,
                    "headers": [[n, v] for n, v in now.headers if _wire_ok(v)]}],
    }
    got = _replay(data, profile)
    trace = got[1] if got is not None else ""
    return Finding("state-leak", message, profile, req, tuple(run.requests[:index]), data, got is not None, trace)


def _wire_ok(value: str) -> bool:
    return not any(c in value for c in "\r\n\x00") and all(ord(c) < 256 for c in value)


# --- scenario files for findings ----------------------------------------------------------


def _finding(kind: str, message: str, profile: str, run: _Run, index: int) -> Finding:
    req = run.requests[index]
    before = tuple(run.requests[:index])
    result = run.results[index]
    # Candidates: the request alone; then with the earlier requests of the same page (they
    # may have filled the preflight cache).
    same_page = [j for j in range(index) if run.requests[j].page == req.page]
    candidates = [[index]] + ([same_page + [index]] if same_page else [])
    fallback: tuple[dict[str, object], str] | None = None
    for chosen in candidates:
        data = _scenario(kind, message, run, chosen)
        got = _replay(data, profile)
        if fallback is None:
            fallback = (data, got[1] if got else result.explain())
        if got is not None and got[0] == _signature(result):
            return Finding(kind, message, profile, req, before, data, True, got[1])
    assert fallback is not None
    return Finding(kind, message, profile, req, before, fallback[0], False, result.explain())


def _signature(result: Result) -> tuple[object, ...]:
    return (result.outcome, result.status, result.header_names, result.reason)


def _replay(data: dict[str, object], profile: str) -> tuple[tuple[object, ...], str] | None:
    try:
        scenario = parse_scenario(data, "<finding>")
    except InputError:
        return None
    results = run_scenario(scenario, profile, trace=True)
    return _signature(results[-1]), results[-1].explain()


def _scenario(kind: str, message: str, run: _Run, chosen: list[int]) -> dict[str, object]:
    req = run.requests[chosen[-1]]
    routes: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    requests: list[dict[str, object]] = []
    for k, j in enumerate(chosen):
        r = run.requests[j]
        requests.append(r.scenario_request(after=r.after if k else 0))
        for ex in run.exchanges[j]:
            key = (ex.request.url, ex.request.method)
            if key in seen:
                continue
            seen.add(key)
            route: dict[str, object] = {"method": ex.request.method, "url": ex.request.url,
                                        "status": ex.response.status}
            headers = [[n, v] for n, v in ex.response.headers if _wire_ok(v)]
            if headers:
                route["headers"] = headers
            routes.append(route)
    about = message
    if req.cookie:
        about += f" The browser held a cookie for the server and sent Cookie: {req.cookie}."
    return {"name": f"oracle-{kind}", "about": about, "page": req.page, "requests": requests, "server": routes}


# --- the property helper -----------------------------------------------------------------


def check(
    intent: Intent | None, server: object,
    requests: BrowserRequest | Sequence[BrowserRequest], *,
    profile: str | Sequence[str] = "spec",
) -> None:
    """Assert that the browser's outcome for ``requests`` matches ``intent`` and that every
    intent-free property holds; on failure raise ``AssertionError`` with the scenario and trace.

    ``server``: an app (ASGI, WSGI, aiohttp, or a ``WireRequest -> ServerResponse``
    callable), an :class:`~cors_spec.oracle.adapters.AppServer`, or an
    :class:`~cors_spec.oracle.adapters.AppFactory` (a new app per example: needed for the
    state-leak property). ``profile``: a profile name, a list of them, or ``"all"``.
    """
    from cors_spec.oracle.adapters import as_factory

    seq = [requests] if isinstance(requests, BrowserRequest) else list(requests)
    profiles = resolve_profiles(profile)
    findings = check_sequence(intent, seq, as_factory(server), profiles)
    if findings:
        raise AssertionError("CORS oracle finding:\n" + findings[0].report())


def resolve_profiles(profile: str | Sequence[str]) -> list[str]:
    """``"all"`` is every profile in :data:`cors_spec.PROFILES`."""
    names = [profile] if isinstance(profile, str) else list(profile)
    if names == ["all"]:
        return sorted(PROFILES)
    for n in names:
        if n not in PROFILES:
            raise InputError("profile", "must be 'all' or one of " + ", ".join(sorted(PROFILES)), n)
    return names

