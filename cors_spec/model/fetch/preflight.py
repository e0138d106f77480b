"""The CORS-preflight fetch, in step order, with HTTP fetch step 4.1's cache look-ups.

https://fetch.spec.whatwg.org/#cors-preflight-fetch-0
"""

from __future__ import annotations

import attrs

from cors_spec.model.classify import CORS_NON_WILDCARD_NAMES, REDIRECT_STATUSES, is_cors_safelisted_method
from cors_spec.model.fetch.cache import match_header, match_method, store
from cors_spec.model.fetch.cors_check import cors_check
from cors_spec.model.fetch.network import http_network_fetch, preflight_origin
from cors_spec.model.fetch.params import FetchParams, InternalResponse
from cors_spec.model.headers import FAILURE, LoweredHeaderList, extract_header_list_values, lowered_get
from cors_spec.model.profile import Profile
from cors_spec.model.request import Credentials, Request
from cors_spec.model.response import Failure, Reason
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import ABSENT, NONE, NOT_SENT, Decision, Recorder, Step

A = Algorithm.CORS_PREFLIGHT_FETCH

#: Over this many digits a max-age is larger than any cap: it is not converted to an int
#: (the conversion of a 4,301-digit string raises), only compared.
_MAX_AGE_DIGITS = 18
_HUGE_MAX_AGE = 10**_MAX_AGE_DIGITS


def preflight_needed(params: FetchParams, request: Request, unsafe_names: tuple[str, ...]) -> bool:
    """HTTP fetch step 4.1's two conditions, each looked up in the preflight cache.

    https://fetch.spec.whatwg.org/#concept-http-fetch
    """
    t = params.trace
    profile = params.profile
    origin = preflight_origin(params, request)
    url = request.current_url.href
    include = request.credentials is Credentials.INCLUDE
    needed = False
    # The first lookup step names the request's URL and origin; later ones (one per unsafe
    # name) do not repeat them, so the trace is linear in names + URL, not their product.
    where: tuple[tuple[str, str], ...] = (("url", url), ("origin", origin)) if t is not None else ()
    if not is_cors_safelisted_method(request.method) or request.use_cors_preflight:
        hit = (match_method(params.cache, origin, url, include, request.method, params.now, profile)
               if profile.preflight_cache else None)
        if t is not None:
            t.append(Step(Algorithm.CACHE_MATCH_METHOD, "", Decision.HIT if hit else Decision.MISS,
                          (("method", request.method), *where)
                          + ((("entry", _entry_facts(hit.method, hit.max_age, hit.stored_at)),) if hit else ())))
            where = ()
        needed = hit is None
    for name in unsafe_names:
        hit = (match_header(params.cache, origin, url, include, name, params.now, profile)
               if profile.preflight_cache else None)
        if t is not None:
            t.append(Step(Algorithm.CACHE_MATCH_HEADER, "", Decision.HIT if hit else Decision.MISS,
                          (("header", name), *where)
                          + ((("entry", _entry_facts(hit.header_name, hit.max_age, hit.stored_at)),) if hit else ())))
            where = ()
        if hit is None:
            needed = True
            if t is None:
                break
    if t is not None:
        t.append(Step(Algorithm.HTTP_FETCH, "4.1", Decision.YES if needed else Decision.NO,
                      (("preflight", "needed" if needed else "cached"),)))
    return needed


def cors_preflight_fetch(params: FetchParams, request: Request, unsafe_names: tuple[str, ...]) -> Failure | None:
    """https://fetch.spec.whatwg.org/#cors-preflight-fetch-0 (None: it succeeded)"""
    t = params.trace
    profile = params.profile
    # 1-5. OPTIONS with Accept, Access-Control-Request-Method and -Headers. The names are
    # joined with a bare "," on purpose: that is what browsers send.
    headers: list[tuple[str, str]] = [("Accept", "*/*"), ("Access-Control-Request-Method", request.method)]
    if unsafe_names:
        headers.append(("Access-Control-Request-Headers", ",".join(unsafe_names)))
    if t is not None:
        t.append(Step(A, "5", Decision.SET, (
            ("access-control-request-method", request.method),
            ("access-control-request-headers", ",".join(unsafe_names) or NOT_SENT))))
    # 6. HTTP-network-or-cache fetch: a redirect is not followed. The preflight's mode and
    # tainting are "cors": Origin is always sent; its credentials mode is the default
    # "same-origin", so with "cors" tainting no credentials go out (HTTP-network-or-cache
    # fetch step 8.3).
    origin = preflight_origin(params, request)
    response = http_network_fetch(params, "OPTIONS", request.url_list, tuple(headers), origin, False, None,
                                  is_preflight=True)
    include = request.credentials is Credentials.INCLUDE
    url = request.current_url.href
    # 7. a CORS check (with the request's own credentials mode) and an ok status
    failure = _check_response(params, request, response, origin, include)
    if failure is not None:
        return _failed(params, request, response, failure)
    # 7.1-7.3 the allow lists
    lists = _allow_lists(response.headers, url, t)
    if isinstance(lists, Failure):
        return _failed(params, request, response, lists)
    methods, header_names = lists
    # 7.4 the use-CORS-preflight flag with no methods header: the method counts as
    # allowed. Profile choice: engines without step 7.4.
    if methods is None:
        methods = ([request.method] if request.use_cors_preflight and profile.preflight_flag_allows_unlisted_method
                   else [])
    if header_names is None:
        header_names = []
    # 7.5-7.7 the method and every header name
    failure = _allows_request(profile, request, response.headers, methods, header_names, unsafe_names, include, url, t)
    if failure is not None:
        return _failed(params, request, response, failure)
    # 7.8-7.10 max-age
    max_age = preflight_max_age(response.headers, profile, t)
    # 7.11 Profile choice: no cache at all, or none for an opaque page's or a tainted origin
    if not profile.preflight_cache or (origin == "null" and not (
        profile.cache_opaque_page_origin if request.origin.opaque else profile.cache_tainted_origin
    )):
        return None
    # 7.12-7.15 refresh or create one entry per method and per header name
    params.cache = store(
        params.cache, origin=origin, url=url, include=include, methods=methods,
        header_names=header_names, max_age=max_age, now=params.now, profile=profile,
    )
    if t is not None:
        t.append(Step(Algorithm.CACHE_CREATE_ENTRY, "", Decision.STORED, (
            ("methods", ", ".join(methods) or NONE), ("header names", ", ".join(header_names) or NONE),
            ("max-age", str(max_age)), ("credentials", "true" if include else "false"),
            ("url", url), ("origin", origin))))
    return None


def _failed(params: FetchParams, request: Request, response: InternalResponse, failure: Failure) -> Failure:
    """Step 8: a network error, with what the console names (status, redirect target)."""
    failure = attrs.evolve(failure, status=response.status, location=response.redirect_target(request))
    if params.trace is not None:
        params.trace.append(Step(A, "8", Decision.NETWORK_ERROR, (("reason", failure.reason.value),)))
    return failure


def _check_response(
    params: FetchParams, request: Request, response: InternalResponse, origin: str, include: bool,
) -> Failure | None:
    """Step 7: the CORS check and an ok status, in the order the profile reports them."""
    t = params.trace
    profile = params.profile
    status = response.status
    url = request.current_url.href
    ok = 200 <= status <= 299

    def status_failure() -> Failure:
        if t is not None:
            t.append(Step(A, "7", Decision.FAILURE, (("status", str(status)), ("ok status", "no"))))
        reason = (Reason.PREFLIGHT_DISALLOWED_REDIRECT if status in REDIRECT_STATUSES
                  else Reason.PREFLIGHT_INVALID_STATUS)
        return Failure(reason, str(status), url)

    # Profile choice: which of the two failures is reported when both fail.
    if profile.preflight_status_checked_first and not ok:
        return status_failure()
    if (profile.preflight_redirect_checked_first and status in REDIRECT_STATUSES
            and lowered_get(response.headers, "location") is not None):
        return status_failure()
    # Profile choice: an engine that skips the check when the preflight goes to its own origin.
    same_origin_target = origin == request.current_url.origin.serialized
    if not (same_origin_target and profile.preflight_same_origin_skips_cors_check):
        failure = cors_check(origin, include, response.headers, url, t, preflight=True,
                             multiple=profile.allow_origin_multiple)
        if failure is not None:
            return failure
    if not ok:
        return status_failure()
    if t is not None:
        t.append(Step(A, "7", Decision.SUCCESS, (("status", str(status)), ("ok status", "yes"))))
    return None


def _allow_lists(
    headers: LoweredHeaderList, url: str, t: Recorder | None,
) -> tuple[list[str] | None, list[str] | None] | Failure:
    """Steps 7.1-7.3: extract Access-Control-Allow-Methods and -Headers (None: absent)."""
    methods = extract_header_list_values(headers, "access-control-allow-methods")
    header_names = extract_header_list_values(headers, "access-control-allow-headers")
    # 7.3 either fails to parse
    for parsed, name, reason in (
        (methods, "access-control-allow-methods", Reason.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE),
        (header_names, "access-control-allow-headers", Reason.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE),
    ):
        if parsed is FAILURE:
            value = lowered_get(headers, name) or ""
            if t is not None:
                t.append(Step(A, "7.3", Decision.FAILURE, ((name, value),)))
            return Failure(reason, value, url)
    assert methods is not FAILURE and header_names is not FAILURE
    return methods, header_names


def _allows_request(
    profile: Profile, request: Request, headers: LoweredHeaderList, methods: list[str], header_names: list[str],
    unsafe_names: tuple[str, ...], include: bool, url: str, t: Recorder | None,
) -> Failure | None:
    """Steps 7.5-7.7: the method, Authorization, and every CORS-unsafe header name."""
    method = request.method
    # 7.5 the method
    if method not in methods and not is_cors_safelisted_method(method) and (
        include or "*" not in methods
    ):
        if t is not None:
            t.append(Step(A, "7.5", Decision.FAILURE, (
                ("method", method), ("access-control-allow-methods", _shown(headers, "access-control-allow-methods")),
                ("credentials mode", "include" if include else "not-include"))))
        return Failure(Reason.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE, method, url)
    if t is not None:
        t.append(Step(A, "7.5", Decision.SUCCESS, (
            ("method", method), ("access-control-allow-methods", _shown(headers, "access-control-allow-methods")))))
    lowered = {h.lower() for h in header_names}
    # 7.6 Authorization must be named explicitly (a wildcard never covers it)
    for name, _ in request.headers:
        lname = name.lower()
        if lname in CORS_NON_WILDCARD_NAMES and lname not in lowered:
            # Profile choice: some engines let a wildcard cover Authorization.
            if profile.wildcard_covers_authorization and not include and "*" in lowered:
                continue
            if t is not None:
                t.append(Step(A, "7.6", Decision.FAILURE, (
                    ("header", lname), ("access-control-allow-headers", _shown(headers, "access-control-allow-headers")))))
            return Failure(Reason.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE, lname, url)
    # 7.7 every CORS-unsafe request-header name
    for lname in unsafe_names:
        if lname not in lowered and (include or "*" not in lowered):
            if t is not None:
                t.append(Step(A, "7.7", Decision.FAILURE, (
                    ("header", lname), ("access-control-allow-headers", _shown(headers, "access-control-allow-headers")),
                    ("credentials mode", "include" if include else "not-include"))))
            return Failure(Reason.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE, lname, url)
    if t is not None:
        t.append(Step(A, "7.7", Decision.SUCCESS, (
            ("unsafe header names", ",".join(unsafe_names) or NONE),
            ("access-control-allow-headers", _shown(headers, "access-control-allow-headers")))))
    return None


def _shown(headers: LoweredHeaderList, name: str) -> str:
    """A header's value as trace records show it (read only when a trace is recorded)."""
    value = lowered_get(headers, name)
    return ABSENT if value is None else value


def _max_age_int(digits: str) -> int:
    """A run of ASCII digits as an int; past any cap a huge value stands for it."""
    significant = digits.lstrip("0")
    return _HUGE_MAX_AGE if len(significant) > _MAX_AGE_DIGITS else int(significant or "0")


def preflight_max_age(headers: LoweredHeaderList, profile: Profile, trace: Recorder | None) -> int:
    """CORS-preflight fetch steps 7.8-7.10: the max-age for new cache entries."""
    extracted = extract_header_list_values(headers, "access-control-max-age")
    # 7.9 failure or null: the default
    # Profile choice: an engine that reads an empty value as no header at all.
    if extracted is None or (profile.max_age_empty_is_absent and lowered_get(headers, "access-control-max-age") == ""):
        max_age, why = profile.max_age_default, "absent"
    elif extracted is FAILURE:
        # Profile choice: what an unparsable value means, and a negative one.
        raw = lowered_get(headers, "access-control-max-age") or ""
        if profile.max_age_negative_is_zero and raw.startswith("-") and raw[1:].isdigit():
            max_age, why = 0, "negative"
        elif profile.max_age_plus_sign and raw.startswith("+") and raw[1:].isdigit() and raw[1:].isascii():
            max_age, why = _max_age_int(raw[1:]), "plus-sign"
        else:
            max_age, why = profile.max_age_on_invalid, "invalid"
    else:
        max_age = _max_age_int(extracted[0])
        why = "given"
    # 7.10 the imposed limit. Profile choice: the cap.
    if profile.max_age_cap is not None and max_age > profile.max_age_cap:
        max_age = profile.max_age_cap
        why = "capped"
    if trace is not None:
        trace.append(Step(A, "7.10", Decision.SET, (
            ("access-control-max-age", lowered_get(headers, "access-control-max-age") or ABSENT),
            ("max-age", str(max_age)), ("why", why))))
    return max_age


def _entry_facts(item: str | None, max_age: int, stored_at: float) -> str:
    return f"{item} (max-age {max_age}, stored at t={stored_at:g})"
