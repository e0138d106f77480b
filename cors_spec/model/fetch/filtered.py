"""Main fetch steps 14-22: the filtered response script gets, or the network error.

https://fetch.spec.whatwg.org/#concept-main-fetch (step 14 onwards) and the filtered
responses: https://fetch.spec.whatwg.org/#concept-filtered-response
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from cors_spec.model.classify import (
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
    FORBIDDEN_RESPONSE_HEADER_NAMES,
    NULL_BODY_STATUSES,
)
from cors_spec.model.fetch.network import serialize_request_origin
from cors_spec.model.fetch.params import FetchParams, InternalResponse
from cors_spec.model.headers import FAILURE, HeaderList, extract_header_list_values, lowered_get, sort_and_combine
from cors_spec.model.request import Api, Credentials, Request, Tainting
from cors_spec.model.response import Failure, JsError, Outcome, RequestContext, Result
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import ABSENT, NONE, Decision, Step


def request_context(params: FetchParams, request: Request) -> Callable[[], RequestContext]:
    """What the console messages name about this request, built when ``Result.context`` is
    first read (most results are never shown on a console)."""
    return functools.partial(_request_context, params.profile.name, request)


def _request_context(profile: str, request: Request) -> RequestContext:
    return RequestContext(
        profile=profile, api=request.api.value, method=request.method,
        url_list=tuple(u.href for u in request.url_list), page_origin=request.origin.serialized,
        request_origin=serialize_request_origin(request), mode=request.mode.value,
        credentials=request.credentials.value, redirect=request.redirect.value,
        header_names=tuple(n for n, _ in request.headers))


def null_body_status(status: int) -> bool:
    """https://fetch.spec.whatwg.org/#null-body-status"""
    return status in NULL_BODY_STATUSES


def main_fetch_response(params: FetchParams, request: Request, response: InternalResponse | Failure) -> Result:
    """Main fetch steps 14-22, then the Response script gets (or the rejection)."""
    t = params.trace
    sent = tuple(params.sent)
    context = request_context(params, request)
    exception = JsError.TYPE_ERROR if request.api is Api.FETCH else JsError.NETWORK_ERROR
    if isinstance(response, Failure):
        if t is not None:
            t.append(Step(Algorithm.NETWORK_ERROR, "", Decision.NETWORK_ERROR, (
                ("reason", response.reason.value), ("script sees", exception.value))))
        return Result(Outcome.NETWORK_ERROR, 0, (), "", False, sent, response, exception,
                      trace=tuple(t) if t is not None else (), context=context)
    urls = response.url_list
    redirected = len(urls) > 1
    final_url = urls[-1].href_without_fragment
    if response.opaque_redirect:
        if t is not None:
            t.append(Step(Algorithm.OPAQUE_REDIRECT_FILTERED, "", Decision.RETURNED, (
                ("type", "opaqueredirect"), ("status", "0"))))
        return Result(Outcome.OPAQUE_REDIRECT, 0, (), final_url, redirected, sent,
                      trace=tuple(t) if t is not None else (), context=context)
    tainting = request.tainting
    if tainting is Tainting.OPAQUE:
        if t is not None:
            t.append(Step(Algorithm.OPAQUE_FILTERED, "", Decision.RETURNED, (
                ("type", "opaque"), ("status", "0"), ("headers", NONE), ("url", '""'))))
        return Result(Outcome.OPAQUE, 0, (), "", False, sent, trace=tuple(t) if t is not None else (),
                      context=context)
    body = None if null_body_status(response.status) else response.body
    if tainting is Tainting.BASIC:
        readable = tuple((n, v) for n, v in response.headers if n not in FORBIDDEN_RESPONSE_HEADER_NAMES)
        outcome = Outcome.BASIC
        if t is not None:
            t.append(Step(Algorithm.BASIC_FILTERED, "", Decision.RETURNED, (
                ("type", "basic"), ("status", str(response.status)),
                ("headers", ", ".join(sorted({n for n, _ in readable})) or NONE))))
    else:
        exposed = cors_exposed_header_names(params, request, response.headers)
        readable = tuple(
            (n, v) for n, v in response.headers
            if (n in CORS_SAFELISTED_RESPONSE_HEADER_NAMES or n in exposed)
            and n not in FORBIDDEN_RESPONSE_HEADER_NAMES
        )
        outcome = Outcome.CORS
        if t is not None:
            t.append(Step(Algorithm.CORS_FILTERED, "", Decision.RETURNED, (
                ("type", "cors"), ("status", str(response.status)),
                ("headers", ", ".join(sorted({n for n, _ in readable})) or NONE))))
    return Result(outcome, response.status, sort_and_combine(readable), final_url, redirected, sent,
                  body=body, trace=tuple(t) if t is not None else (), context=context)


def cors_exposed_header_names(params: FetchParams, request: Request, headers: HeaderList) -> frozenset[str]:
    """Main fetch step 14.1: the CORS-exposed header-name list, lowercased."""
    t = params.trace
    names = extract_header_list_values(headers, "access-control-expose-headers")
    include = request.credentials is Credentials.INCLUDE
    if names is None or names is FAILURE:
        exposed: frozenset[str] = frozenset()
        why = "absent" if names is None else "unparsable"
    elif not include and "*" in names:
        exposed = frozenset(n for n, _ in headers)
        why = "wildcard"
    else:
        exposed = frozenset(n.lower() for n in names)
        why = "listed-wildcard-credentials" if "*" in names else "listed"
    if t is not None:
        t.append(Step(Algorithm.MAIN_FETCH, "14.1", Decision.SET, (
            ("access-control-expose-headers", lowered_get(headers, "access-control-expose-headers") or ABSENT),
            ("exposed", ", ".join(sorted(exposed)) or NONE), ("why", why))))
    return exposed
