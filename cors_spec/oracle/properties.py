"""The oracle's properties: what the intent expects of a request, and each property check."""

from __future__ import annotations

import attrs

from cors_spec.engines import PROFILES
from cors_spec.model.classify import (
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
    FORBIDDEN_RESPONSE_HEADER_NAMES,
    REDIRECT_STATUSES,
    cors_unsafe_request_header_names,
)
from cors_spec.model.construct import Rejected, construct
from cors_spec.model.headers import header_get
from cors_spec.model.origin import parse_origin, parse_url, same_origin
from cors_spec.model.profile import Profile
from cors_spec.model.request import Api, Credentials, Mode, WireRequest
from cors_spec.model.response import Outcome, Result, ServerResponse
from cors_spec.oracle.exchange import Exchange, FactoryLike, Run, ServerLike
from cors_spec.oracle.findings import Finding, replay, wire_ok
from cors_spec.oracle.intent import Intent
from cors_spec.oracle.requests import BrowserRequest

__all__ = ["expected_outcome"]


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


def request_findings(intent: Intent | None, req: BrowserRequest, result: Result,
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
        out.append(("intent-blocked", f"the intent allows this request but the browser blocks it: {reason}{detail}"
                    + _status_note(exchanges)))
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


_STATUS_NAMES = {404: "404 Not Found", 405: "405 Method Not Allowed", 501: "501 Not Implemented"}


def _status_note(exchanges: list[Exchange]) -> str:
    """Say so when the audited URL answered 404/405/501: the URL or the route may be wrong."""
    for ex in exchanges:
        name = _STATUS_NAMES.get(ex.response.status)
        if name is not None:
            what = "preflight (OPTIONS)" if ex.request.preflight else f"{ex.request.method} request"
            return (f"; the server answered the {what} to {ex.request.url} with {name} "
                    "(is the audited URL a route of the app, and does it answer OPTIONS?)")
    return ""


def header_findings(intent: Intent | None, exchanges: list[Exchange]) -> list[tuple[str, str]]:
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
        if (acao is not None and origin is not None and acao == origin and acac != "true" and intent is not None
                and "*" in intent.origins and not intent.credentials):
            out.append(("reflected-origin", f"the {what} echoes Origin {origin} where the intent means *: a browser "
                        "reads it like *, but the server trusts whatever Origin it is sent (null included), so "
                        "turning credentials on would grant every site (GHSA-qxrj-hx23-xp82)"))
        if acao == "null" and (intent is None or not intent.allows_origin("null")):
            out.append(("null-origin", f"the {what} grants Access-Control-Allow-Origin: null, which the intent "
                        "does not allow (any sandboxed iframe or data: page has origin null)"))
    return out


def vary_findings(intent: Intent | None, exchanges: list[Exchange], factory: FactoryLike) -> list[tuple[str, str]]:
    """Fetch, "CORS protocol and HTTP caches": when Access-Control-Allow-Origin is sent for some
    requests and not others (or with different values), the response needs ``Vary: Origin``,
    or a shared cache serves one origin's answer to another."""
    out: list[tuple[str, str]] = []
    for ex in exchanges:
        acao = _acao(ex.response)
        origin = ex.request.origin
        if ex.request.preflight or origin is None or _varies_on_origin(ex.response) \
                or ex.response.status in REDIRECT_STATUSES:
            continue
        allowed = [o for o in (intent.exact_origins() if intent else ()) if o != origin]
        foreign = [o for o in _PROBE_ORIGINS if o != origin]
        # A granted answer is compared with a foreign origin's; an answer without ACAO with an
        # origin the intent allows (the one that may get a grant).
        probes = (foreign[:1] + allowed[:1]) if acao is not None else allowed[:2]
        for probe in probes:
            other = _acao(factory.answer_fresh(_with_origin(ex.request, probe)))
            if other == acao or (acao == "*" and other == "*"):
                continue
            mine, theirs = (f"Access-Control-Allow-Origin: {v}" if v is not None else "no Access-Control-Allow-Origin"
                            for v in (acao, other))
            out.append(("missing-vary", f"the {ex.request.method} response to Origin {origin} has {mine} but the "
                        f"response to Origin {probe} has {theirs}, and neither says Vary: Origin (a shared cache "
                        "would serve one origin's answer to the other)"))
            return out
    return out


def state_findings(exchanges: list[Exchange], factory: FactoryLike, *, skip_first: bool) -> list[tuple[str, str]]:
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


def probe_state(intent: Intent | None, req: BrowserRequest, server: ServerLike, factory: FactoryLike,
                 profile: str, run: Run, index: int) -> Finding | None:
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
                    "headers": [[n, v] for n, v in now.headers if wire_ok(v)]}],
    }
    got = replay(data, profile)
    trace = got[1] if got is not None else ""
    return Finding("state-leak", message, profile, req, tuple(run.requests[:index]), data, got is not None, trace)
