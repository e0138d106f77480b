"""``probe``: what each browser profile does with a live server's real answers.

The model drives: every request it puts on the wire (the preflight, the actual request,
each redirect hop, exactly the header list that engine sends) goes to the live server over
:mod:`cors_spec.oracle.wire`, and the answer goes back into the model. The answers are
kept, so the smallest server change that makes a blocked request pass is checked by
re-running the model on them with the change applied (:mod:`cors_spec.debug.fix`).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from cors_spec.browser import Browser
from cors_spec.debug.fix import Fix, Key, Server, smallest_fix
from cors_spec.errors import InputError
from cors_spec.model.request import WireRequest
from cors_spec.model.response import Result, ServerResponse
from cors_spec.oracle.wire import WireError, WirePool, send

SENSITIVE = frozenset({"cookie", "authorization", "set-cookie", "proxy-authorization"})


def mask(name: str, value: str) -> str:
    """A sensitive header's value cut to its first characters and its length."""
    if name.lower() not in SENSITIVE:
        return value
    if len(value) <= 8:
        return "…" if value else ""
    return f"{value[:4]}… ({len(value)} chars)"


class Unreachable(Exception):
    """The live server gave no whole answer (refused, reset, timeout, TLS, garbage)."""


@attrs.frozen
class ProbeRequest:
    """What the page's script asks for."""

    url: str
    page: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    credentials: str = "same-origin"
    api: str = "fetch"
    cookie: str | None = None


@attrs.define
class Live:
    """A server adapter: forwards each wire request to the live server and records it."""

    cookie: str | None = None
    timeout: float = 10.0
    pool: WirePool = attrs.Factory(WirePool)
    log: list[tuple[WireRequest, ServerResponse]] = attrs.Factory(list)

    def __call__(self, request: WireRequest) -> ServerResponse:
        headers = list(request.headers)
        if self.cookie and request.credentials and not request.preflight:
            headers.append(("Cookie", self.cookie))
        body = None if request.body is None else request.body.encode("utf-8")
        try:
            r = send(request.method, request.url, headers, body, timeout=self.timeout,
                     max_header_bytes=65536, max_body_bytes=1 << 20, pool=self.pool)
        except WireError as e:
            raise Unreachable(f"{request.method} {request.url}: {e}") from None
        except ValueError as e:
            raise InputError("URL", str(e), request.url) from None
        answer = ServerResponse(r.status, tuple(r.headers), r.body.decode("utf-8", "replace"))
        self.log.append((request, answer))
        return answer


def run_request(req: ProbeRequest, profile: str, server: Server) -> Result:
    """The request made from a fresh page in ``profile`` against ``server``."""
    browser = Browser(req.page, profile)
    if req.api == "xhr":
        return browser.xhr(req.url, method=req.method, headers=req.headers, body=req.body,
                           with_credentials=req.credentials == "include", server=server)
    return browser.fetch(req.url, method=req.method, headers=req.headers, body=req.body,
                         credentials=req.credentials, server=server)


@attrs.frozen
class ProfileProbe:
    """One profile's run against the live server."""

    profile: str
    result: Result
    exchange: tuple[tuple[WireRequest, ServerResponse], ...]
    fix: Fix | None

    def to_json(self) -> dict[str, object]:
        r = self.result
        return {
            "profile": self.profile, "outcome": r.outcome.value, "ok": r.failure is None,
            "reason": None if r.failure is None else r.failure.reason.value,
            "detail": None if r.failure is None else r.failure.detail,
            "status": r.status,
            "exchange": [{"request": {"method": w.method, "url": w.url, "preflight": w.preflight,
                                      "headers": [[n, mask(n, v)] for n, v in w.headers]},
                          "response": {"status": a.status, "headers": [[n, mask(n, v)] for n, v in a.headers]}}
                         for w, a in self.exchange],
            "console": list(r.console),
            "fix": None if self.fix is None else self.fix.to_json(),
        }


def probe(req: ProbeRequest, profiles: Sequence[str], *, timeout: float = 10.0) -> list[ProfileProbe]:
    """Each profile's verdict on the live server's answers, with a checked fix when blocked."""
    out: list[ProfileProbe] = []
    with WirePool() as pool:
        for profile in profiles:
            live = Live(req.cookie, timeout, pool)
            result = run_request(req, profile, live)
            exchange = tuple(live.log)
            answers: dict[Key, ServerResponse] = {(w.method, w.url): a for w, a in exchange}

            def run(server: Server, profile: str = profile) -> Result:
                return run_request(req, profile, server)

            fix = smallest_fix(run, answers, live)
            out.append(ProfileProbe(profile, result, exchange, fix))
    return out
