"""What a HAR says, explained: the page's requests rebuilt and run in the model.

For each request of the page: the verdict (from the HAR where it says it, else inferred by
running the profile on the recorded answers: Firefox records a response blocked by CORS as
a success), the cause (Chromium's CORS error code, WebKit's error text, or the model on the
recorded answers), the preflight the browser must have sent where the recorder drops
preflights (Playwright, WebKit), the checked smallest fix, and whether it passed only
because of this engine's quirk (the other profiles run on the same answers).
"""

from __future__ import annotations

import re
from datetime import datetime

import attrs

from cors_spec.browser import Browser
from cors_spec.debug.fix import Fix, Key, Server, smallest_fix
from cors_spec.debug.har_read import Chain, Entry, HarLog, group
from cors_spec.engines import ENGINES
from cors_spec.model.origin import parse_url
from cors_spec.model.request import WireRequest
from cors_spec.model.response import Reason, Result, ServerResponse
from cors_spec.teach.diagnose import diagnose

#: Request headers the browser sets (not script): left out of the rebuilt request.
BROWSER_SET = frozenset({"host", "connection", "user-agent", "accept-encoding", "accept-language", "referer",
                         "origin", "content-length", "cookie", "upgrade-insecure-requests", "priority", "dnt",
                         "pragma", "cache-control", "te", "keep-alive", "access-control-request-method",
                         "access-control-request-headers"})


class Unknown(Exception):
    """The HAR holds no answer for a request the model sends."""


def page_origin(log: HarLog, chains: list[Chain]) -> tuple[str, str]:
    """(the page's origin, the evidence) — Origin of a first hop, Referer, the document."""
    for c in chains:
        o = c.hops[0].header("origin")
        if o:
            return o, f"Origin header of {c.hops[0].method} {c.hops[0].url}"
    for c in chains:
        ref = c.hops[0].header("referer")
        u = parse_url(ref) if ref else None
        if u is not None:
            return u.origin.serialized, f"Referer of {c.hops[0].method} {c.hops[0].url}"
    for e in log.entries:
        u = parse_url(e.url) if e.is_document else None
        if u is not None:
            return u.origin.serialized, f"the document {e.url}"
    raise Unknown("the HAR names no page origin (no Origin, Referer or document entry)")


@attrs.frozen
class Rebuilt:
    """What the page's script asked for, as far as the HAR shows it."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    api: str
    credentials: str
    notes: tuple[str, ...]
    after: float = 0.0


def _when(e: Entry) -> float:
    try:
        return datetime.fromisoformat(e.started.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def rebuild(c: Chain, previous: Entry | None) -> Rebuilt:
    first = c.hops[0]
    notes: list[str] = []
    headers = [(n, v) for n, v in first.request_headers
               if n.lower() not in BROWSER_SET and not n.lower().startswith(("sec-", ":"))
               and not (n.lower() == "accept" and v == "*/*")]
    if first.header("origin") is None and not first.answered:
        asked = next((p.header("access-control-request-headers") for p in c.preflights), None)
        if asked:
            headers = [(n.strip(), "application/json" if n.strip() == "content-type" else "x")
                       for n in asked.split(",") if n.strip()]
            notes.append("header values not recorded (the request was never sent); names from the preflight")
        elif first.method not in ("GET", "HEAD", "POST"):
            notes.append("the script's headers are not in the HAR (this entry keeps only the browser's own)")
    cred = any(h.header("cookie") for h in c.hops) or any(
        (e.response_header("access-control-allow-credentials") or "").strip().lower() == "true"
        for e in (*c.hops, *c.preflights))
    if cred:
        notes.append("credentials: include, inferred (a Cookie header or Access-Control-Allow-Credentials: true)")
    body = first.post if first.post is not None else (None if first.method in ("GET", "HEAD") else "")
    after = max(0.0, _when(first) - _when(previous)) if previous is not None else 0.0
    return Rebuilt(first.method, first.url, tuple(headers), body, "xhr" if first.kind == "xhr" else "fetch",
                   "include" if cred else "same-origin", tuple(notes), round(after, 3))


@attrs.define
class HarServer:
    """Answers from the HAR, each (method, URL)'s answers in recorded order (the last
    repeats). A preflight the HAR lacks is answered as one that passed when ``assume``."""

    answers: dict[Key, list[ServerResponse]]
    assume_preflight: bool = False
    credentialed: bool = False
    used: dict[Key, int] = attrs.Factory(dict)
    synthesized: list[WireRequest] = attrs.Factory(list)

    def __call__(self, request: WireRequest) -> ServerResponse:
        key = (request.method, request.url)
        got = self.answers.get(key)
        if got:
            k = self.used.get(key, 0)
            self.used[key] = k + 1
            return got[min(k, len(got) - 1)]
        if request.preflight and self.assume_preflight:
            self.synthesized.append(request)
            return must_receive(request, self.credentialed)
        raise Unknown(f"the HAR has no answer to {request.method} {request.url}")


def must_receive(w: WireRequest, credentialed: bool = False) -> ServerResponse:
    """The smallest preflight answer that lets ``w``'s request through."""
    h = [("Access-Control-Allow-Origin", w.origin or "null")]
    if credentialed:
        h.append(("Access-Control-Allow-Credentials", "true"))
    if w.acrm:
        h.append(("Access-Control-Allow-Methods", w.acrm))
    if w.acrh:
        h.append(("Access-Control-Allow-Headers", w.acrh))
    return ServerResponse(204, tuple(h))


def answers_of(chains: list[Chain]) -> dict[Key, list[ServerResponse]]:
    out: dict[Key, list[ServerResponse]] = {}
    for e in sorted((e for c in chains for e in (*c.hops, *c.preflights)), key=lambda e: e.index):
        if e.answered:
            out.setdefault((e.method, e.url), []).append(ServerResponse(e.status, e.response_headers, e.body or ""))
    return out


def run_one(page: str, profile: str, r: Rebuilt, server: Server, browser: Browser | None = None) -> Result:
    b = browser or Browser(page, profile)
    b.advance(r.after)
    if r.api == "xhr":
        return b.xhr(r.url, method=r.method, headers=r.headers, body=r.body,
                     with_credentials=r.credentials == "include", server=server)
    return b.fetch(r.url, method=r.method, headers=r.headers, body=r.body, credentials=r.credentials, server=server)


def simulate(page: str, profile: str, rebuilt: list[Rebuilt], answers: dict[Key, list[ServerResponse]],
             passed: list[bool | None]) -> list[tuple[Result | None, str, tuple[WireRequest, ...]]]:
    """Every request in order in one page of ``profile`` (one preflight cache): the result
    (None: the HAR lacks an answer, with why) and the preflights assumed to have passed."""
    browser = Browser(page, profile)
    out: list[tuple[Result | None, str, tuple[WireRequest, ...]]] = []
    for r, ok in zip(rebuilt, passed):
        server = HarServer(answers, assume_preflight=ok is True, credentialed=r.credentials == "include")
        try:
            out.append((run_one(page, profile, r, server, browser), "", tuple(server.synthesized)))
        except Unknown as e:
            out.append((None, str(e), ()))
    return out


class _Probe(HarServer):
    """Recorded answers, and a stand-in for the first one the HAR lacks: only the request
    sent up to there is trusted (what a preflight asks does not depend on its answer)."""

    def __call__(self, request: WireRequest) -> ServerResponse:
        try:
            return super().__call__(request)
        except Unknown:
            self.synthesized.append(request)
            raise


def _first_preflight(page: str, profile: str, r: Rebuilt,
                     answers: dict[Key, list[ServerResponse]]) -> list[WireRequest]:
    """The preflight the browser must have sent first, when the HAR lacks what came after it."""
    probe = _Probe(answers)
    try:
        run_one(page, profile, attrs.evolve(r, after=0.0), probe)
    except Unknown:
        pass
    return [w for w in probe.synthesized[:1] if w.preflight]


_ORIGIN_REASONS = frozenset({Reason.MISSING_ALLOW_ORIGIN_HEADER, Reason.ALLOW_ORIGIN_MISMATCH,
                             Reason.INVALID_ALLOW_ORIGIN_VALUE, Reason.MULTIPLE_ALLOW_ORIGIN_VALUES,
                             Reason.WILDCARD_ORIGIN_NOT_ALLOWED})
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def chromium_reason(code: str) -> Reason | None:
    """Chromium's CorsError name (``PreflightAllowOriginMismatch``) as a Reason."""
    try:
        return Reason(_CAMEL.sub("-", code).lower())
    except ValueError:
        return None


@attrs.frozen
class Explained:
    """One request of the HAR, explained."""

    rebuilt: Rebuilt
    verdict: str  # cors / network-error / unknown
    certainty: str  # recorded / inferred / unknown
    reason: Reason | None
    alternatives: tuple[Reason, ...]
    why: str  # where the verdict and the reason come from
    model: Result | None
    preflight_missing: tuple[WireRequest, ...]  # the preflights the recorder dropped
    preflight_answers: tuple[ServerResponse | None, ...]
    fix: Fix | None
    others: dict[str, str]  # profile -> verdict on the same answers
    quirk: str
    chain: Chain


def recorded_verdict(log: HarLog, c: Chain) -> tuple[str | None, str]:
    last = c.hops[-1]
    failed_pre = [p for p in c.preflights if p.error or p.cors_error]
    if last.status <= 0 or last.error or last.cors_error or failed_pre:
        what = last.cors_error or last.error or (failed_pre[0].error if failed_pre else "") or f"status {last.status}"
        return "network-error", f"the HAR records a failure ({what})"
    if log.recorder == "firefox" or log.profile == "firefox":
        return None, "Firefox records a response blocked by CORS as a success: verdict inferred from the answers"
    return "cors", "the HAR records the response"


def explain(log: HarLog, profile: str | None = None) -> tuple[str, str, list[Explained]]:
    """(page origin, its evidence, every request explained) under ``profile`` (default:
    the HAR's browser)."""
    prof = profile or log.profile
    chains = group(log.entries)
    page, evidence = page_origin(log, chains)
    rebuilt = [rebuild(c, chains[k - 1].hops[0] if k else None) for k, c in enumerate(chains)]
    answers = answers_of(chains)
    recorded = [recorded_verdict(log, c) for c in chains]
    passed = [None if v is None else v == "cors" for v, _ in recorded]
    runs = simulate(page, prof, rebuilt, answers, passed)
    others = {p: simulate(page, p, rebuilt, answers, passed) for p in ("spec", *ENGINES) if p != prof}
    out: list[Explained] = []
    for k, (c, r, (rec, why), (model, missing, _synth)) in enumerate(zip(chains, rebuilt, recorded, runs)):
        verdict, certainty = (rec, "recorded") if rec is not None else (
            (model.outcome.value, "inferred") if model is not None else ("unknown", "unknown"))
        reason: Reason | None = None
        alternatives: tuple[Reason, ...] = ()
        last = c.hops[-1]
        if verdict == "network-error":
            code = last.cors_error or next((p.cors_error for p in c.preflights if p.cors_error), "")
            if code and chromium_reason(code) is not None:
                reason, why = chromium_reason(code), f"the HAR records Chromium's CORS error {code}"
            elif log.profile == "webkit" and last.error and (d := diagnose(last.error)) is not None:
                reason, alternatives = d.reason, d.alternatives
                why = "the HAR records WebKit's words: " + last.error
            elif model is not None and model.failure is not None:
                reason = model.failure.reason
                why += "; cause from the model on the recorded answers"
            else:
                why += "; the HAR does not say why (the same error for every cause)" + (
                    f" and the model cannot run it: {missing}" if missing else "")
        elif certainty == "inferred" and model is not None and model.failure is not None:
            reason = model.failure.reason
        elif model is not None and model.failure is not None:  # the HAR says it passed
            why += (f"; but {prof}'s model blocks it on these answers ({model.failure.reason.value}): a request "
                    "rebuilt wrong (credentials, headers), or a recorder that drops CORS errors")
        if reason is not None and model is not None and model.sent and page != "null" \
                and reason.plain in _ORIGIN_REASONS and model.sent[-1].origin == "null":
            why += ("; a redirect to another origin made the request's origin null, so the last hop must allow "
                    "* (without credentials) or null, or the redirect must go")
        # Preflights the recorder drops: what the model sent, with what it must have received.
        dropped: list[WireRequest] = []
        if model is not None and not c.preflights and log.recorder in ("playwright", "webkit"):
            dropped = [w for w in model.sent if w.preflight]
        elif model is None and not c.preflights and log.recorder in ("playwright", "webkit"):
            dropped = _first_preflight(page, prof, r, answers)
        pre_answers = tuple(must_receive(w, r.credentials == "include") if verdict == "cors" else None for w in dropped)
        fix = None
        if verdict == "network-error" and model is not None and model.failure is not None:
            first = {key: v[0] for key, v in answers.items()}
            once = attrs.evolve(r, after=0.0)

            def rerun(server: Server, once: Rebuilt = once) -> Result:
                return run_one(page, prof, once, server)

            fix = smallest_fix(rerun, first, lambda w: ServerResponse(200))
        other = {}
        for p, v in others.items():
            o = v[k][0]
            other[p] = o.outcome.value if o is not None else "unknown"
        quirk = ""
        if verdict == "cors" and other.get("spec") == "network-error":
            spec_run = others["spec"][k][0]
            because = spec_run.failure.reason.value if spec_run and spec_run.failure else "?"
            blocked = [p for p in ENGINES if other.get(p) == "network-error"]
            quirk = (f"passed only because of a {prof} quirk: the standard blocks it ({because})"
                     + (f", and so do {', '.join(blocked)}" if blocked else ""))
        out.append(Explained(r, verdict, certainty, reason, tuple(alternatives), why, model, tuple(dropped),
                             pre_answers, fix, other, quirk, c))
    return page, evidence, out
