"""Turning trace records and results into text for people. Nothing else formats prose.

Titles of algorithms live in one table; a step renders as its title, step label,
decision, the facts it looked at, and its spec link.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._spec import Algorithm
from ._trace import Decision, Step

if TYPE_CHECKING:
    from ._response import Result

TITLES: dict[Algorithm, str] = {
    Algorithm.REQUEST_CONSTRUCTOR: "new Request()",
    Algorithm.FETCH_METHOD: "fetch()",
    Algorithm.HEADERS_APPEND: "Headers append",
    Algorithm.HEADER_NAME: "header name syntax",
    Algorithm.HEADER_VALUE: "header value syntax",
    Algorithm.FORBIDDEN_METHOD: "forbidden method",
    Algorithm.METHOD_NORMALIZE: "method normalize",
    Algorithm.FORBIDDEN_REQUEST_HEADER: "forbidden request-header",
    Algorithm.NO_CORS_SAFELISTED_HEADER: "no-CORS-safelisted request-header",
    Algorithm.USE_CORS_PREFLIGHT: "use-CORS-preflight flag",
    Algorithm.CREDENTIALS_MODE: "credentials mode",
    Algorithm.FETCH: "fetch",
    Algorithm.POPULATE_FROM_CLIENT: "populate request from client",
    Algorithm.MAIN_FETCH: "main fetch",
    Algorithm.BAD_PORT: "bad port",
    Algorithm.SCHEME_FETCH: "scheme fetch",
    Algorithm.HTTP_FETCH: "HTTP fetch",
    Algorithm.HTTP_REDIRECT_FETCH: "HTTP-redirect fetch",
    Algorithm.LOCATION_URL: "location URL",
    Algorithm.HTTP_NETWORK_OR_CACHE_FETCH: "HTTP-network-or-cache fetch",
    Algorithm.APPEND_ORIGIN: "append a request Origin header",
    Algorithm.REDIRECT_TAINT: "redirect-taint",
    Algorithm.CORS_PREFLIGHT_FETCH: "CORS-preflight fetch",
    Algorithm.CORS_UNSAFE_NAMES: "CORS-unsafe request-header names",
    Algorithm.CORS_SAFELISTED_METHOD: "CORS-safelisted method",
    Algorithm.CORS_SAFELISTED_HEADER: "CORS-safelisted request-header",
    Algorithm.CORS_CHECK: "CORS check",
    Algorithm.EXTRACT_HEADER_LIST_VALUES: "extract header list values",
    Algorithm.CACHE_MATCH_METHOD: "preflight cache: method match",
    Algorithm.CACHE_MATCH_HEADER: "preflight cache: header-name match",
    Algorithm.CACHE_CREATE_ENTRY: "preflight cache: store",
    Algorithm.CACHE_CLEAR: "preflight cache: clear",
    Algorithm.MAX_AGE: "Access-Control-Max-Age",
    Algorithm.BASIC_FILTERED: "basic filtered response",
    Algorithm.CORS_FILTERED: "CORS filtered response",
    Algorithm.OPAQUE_FILTERED: "opaque filtered response",
    Algorithm.OPAQUE_REDIRECT_FILTERED: "opaque-redirect filtered response",
    Algorithm.EXPOSED_HEADER_NAMES: "CORS-exposed header-name list",
    Algorithm.NETWORK_ERROR: "network error",
    Algorithm.BLOCKED_MIME_TYPE: "blocked due to its MIME type?",
    Algorithm.BLOCKED_NOSNIFF: "blocked due to nosniff?",
    Algorithm.DESTINATION: "element request",
    Algorithm.FILTERED_RESPONSE: "what the element exposes",
}

_BAD = frozenset({Decision.FAILURE, Decision.THROWN, Decision.NETWORK_ERROR})
_GOOD = frozenset({Decision.SUCCESS, Decision.RETURNED, Decision.HIT})

_RESET, _BOLD, _DIM, _RED, _GREEN, _CYAN = "\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[36m"


def render_step(step: Step, *, color: bool = False, links: bool = True) -> str:
    """One step as two or three lines of text."""
    title = TITLES[step.algorithm]
    label = f"{title} step {step.step}" if step.step else title
    decision = step.decision.value
    if color:
        tint = _RED if step.decision in _BAD else _GREEN if step.decision in _GOOD else _CYAN
        head = f"{_BOLD}{label}{_RESET}: {tint}{decision}{_RESET}"
    else:
        head = f"{label}: {decision}"
    lines = [head]
    if step.facts:
        lines.append("    " + "; ".join(f"{k} = {v}" for k, v in step.facts))
    if links:
        link = step.algorithm.url
        lines.append(f"    {_DIM}{link}{_RESET}" if color else f"    {link}")
    return "\n".join(lines)


def render_trace(steps: Sequence[Step], *, color: bool = False) -> str:
    return "\n".join(f"{i:>3}. " + render_step(s, color=color).replace("\n", "\n     ")
                     for i, s in enumerate(steps, 1))


def render_summary(result: Result) -> str:
    """One line: what script got."""
    if result.failure is not None:
        f = result.failure
        detail = f" ({f.detail})" if f.detail else ""
        exc = f"; script sees {result.exception.value}" if result.exception else ""
        return f"network error: {f.reason.value}{detail}{exc}"
    names = ", ".join(result.header_names) or "none"
    return (f"{result.outcome.value} response, status {result.status}, readable headers: {names}"
            + (f", url {result.url}" if result.url else "") + (", redirected" if result.redirected else ""))


def render_result(result: Result, *, color: bool = False) -> str:
    """Summary, what went on the wire, and the trace."""
    lines = [render_summary(result)]
    for s in result.sent:
        extra = "".join(f" {k}: {v}" for k, v in (("Origin", s.origin), ("ACRM", s.acrm), ("ACRH", s.acrh)) if v is not None)
        lines.append(f"  sent {s.method} {s.url}{extra}")
    if result.trace:
        lines.append("")
        lines.append(render_trace(result.trace, color=color))
    return "\n".join(lines)
