"""Fetch, main fetch, HTTP fetch and HTTP-redirect fetch.

The standard's main fetch, HTTP fetch and HTTP-redirect fetch call one another (a redirect
runs main fetch again), so they live together. Here HTTP-redirect fetch returns
:class:`~cors_spec.model.fetch.params.Follow` and :func:`fetch` loops, so a chain of
redirects costs no stack depth.

Step comments carry the labels of the pinned snapshot (``cors_spec.model.spec.SPEC_COMMIT``),
and trace records use the same labels.
"""

from __future__ import annotations

import attrs

from cors_spec.model.classify import (
    BAD_PORTS,
    CORS_NON_WILDCARD_NAMES,
    REDIRECT_STATUSES,
    REQUEST_BODY_HEADER_NAMES,
    cors_unsafe_request_header_names,
    is_cors_safelisted_method,
)
from cors_spec.model.elements import (
    blocked_for_destination,
    element_verdict,
    extract_mime_essence,
    media_fetched_again,
)
from cors_spec.model.fetch.cache import clear
from cors_spec.model.fetch.cors_check import cors_check
from cors_spec.model.fetch.filtered import main_fetch_response, request_context
from cors_spec.model.fetch.network import http_network_or_cache_fetch, preflight_origin, serialize_request_origin
from cors_spec.model.fetch.params import FetchParams, Follow, InternalResponse
from cors_spec.model.fetch.preflight import cors_preflight_fetch, preflight_needed
from cors_spec.model.fetch.scheme import non_http_scheme_fetch
from cors_spec.model.headers import FAILURE, extract_header_list_values, header_delete, header_get, lowered_get
from cors_spec.model.origin import Origin, parse_url, same_origin
from cors_spec.model.request import Api, Credentials, Mode, Redirect, Request, Tainting
from cors_spec.model.response import Failure, Outcome, Reason, Result
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import ABSENT, NONE, Decision, Step

_DEFAULT_PORTS = {"http": 80, "https": 443}

#: What main fetch and the algorithms below it return: a response, a network error, or
#: (HTTP-redirect fetch) the request to run main fetch with again.
Fetched = tuple[InternalResponse | Failure | Follow, Request]


def fetch(params: FetchParams, request: Request) -> Result:
    """https://fetch.spec.whatwg.org/#concept-fetch: main fetch, then what script sees."""
    t = params.trace
    if t is not None:
        t.append(Step(Algorithm.POPULATE_FROM_CLIENT, "", Decision.SET,
                      (("request origin", request.origin.serialized),)))
    # Profile choice: engines that keep preflighting after redirects remember a request whose
    # original headers needed a preflight (its method is judged at each hop).
    if params.profile.preflight_sticky_across_redirects:
        request = attrs.evolve(request, needed_preflight=bool(
            cors_unsafe_request_header_names(request.headers, params.profile)))
    response, request = main_fetch_following(params, request)
    return main_fetch_response(params, request, block_for_destination(params, request, response))


def fetch_element(params: FetchParams, request: Request, page: Origin) -> Result:
    """An element's load: fetch, then what the element does with the response."""
    t = params.trace
    response, request = main_fetch_following(params, request)
    response = block_for_destination(params, request, response)
    if isinstance(response, Failure):
        element, outcome, failure = element_verdict(
            request.api, page, request, 0, (), "", request.url_list, response, params.profile, t)
    else:
        element, outcome, failure = element_verdict(
            request.api, page, request, response.status, response.headers, response.body,
            response.url_list, None, params.profile, t)
    if (failure is not None and failure.reason is Reason.LOAD_UNDECODABLE
            and not isinstance(response, Failure)):
        failure = attrs.evolve(failure, body_head=response.body[:4])
    # Profile choice: an engine whose media pipeline loads an unplayable resource again.
    if not isinstance(response, Failure) and media_fetched_again(
            request.api, response.status, response.body, params.profile, t):
        params.sent.extend(list(params.sent))
    url = ""
    if request.api is Api.IFRAME and element.readable:
        url = (request.url_list if isinstance(response, Failure) else response.url_list)[-1].href_without_fragment
    return Result(outcome, 0, (), url, False, tuple(params.sent), failure, None,
                  trace=tuple(t) if t is not None else (), element=element,
                  context=request_context(params, request))


def main_fetch_following(params: FetchParams, request: Request) -> tuple[InternalResponse | Failure, Request]:
    """Main fetch, run again for each redirect HTTP-redirect fetch follows (its step 22)."""
    response, request = main_fetch(params, request)
    while isinstance(response, Follow):
        response, request = main_fetch(params, response.request)
    return response, request


def block_for_destination(
    params: FetchParams, request: Request, response: InternalResponse | Failure,
) -> InternalResponse | Failure:
    """Main fetch step 20: MIME type and nosniff blocking (script and style destinations)."""
    if isinstance(response, Failure) or response.opaque_redirect:
        return response
    reason = blocked_for_destination(request.destination, response.headers, params.trace)
    if reason is None:
        return response
    return Failure(reason, extract_mime_essence(response.headers) or "", response.url_list[-1].href)


def main_fetch(params: FetchParams, request: Request) -> Fetched:
    """https://fetch.spec.whatwg.org/#concept-main-fetch (steps 7 and 12)"""
    t = params.trace
    A = Algorithm.MAIN_FETCH
    url = request.current_url
    # 7. should request be blocked due to a bad port
    if url.is_http:
        port = url.port or _DEFAULT_PORTS[url.scheme]
        if port in BAD_PORTS:
            if t is not None:
                t.append(Step(Algorithm.BAD_PORT, "2", Decision.FAILURE, (("url", url.href), ("port", str(port)))))
            return Failure(Reason.BAD_PORT, str(port), url.href), request
    # 12. the first matching branch
    if (
        (same_origin(url.origin, request.origin) and request.tainting is Tainting.BASIC)
        or url.scheme == "data"
        or request.mode is Mode.NAVIGATE
    ):
        request = request.evolve(tainting=Tainting.BASIC)
        if t is not None:
            t.append(Step(A, "12", Decision.CHOSEN, (
                ("branch", "data-url" if url.scheme == "data" else "navigation"
                 if request.mode is Mode.NAVIGATE else "same-origin"),
                ("url origin", url.origin.serialized), ("request origin", request.origin.serialized),
                ("response tainting", "basic"))))
        return scheme_fetch(params, request)
    if request.mode is Mode.SAME_ORIGIN:
        if t is not None:
            t.append(Step(A, "12", Decision.NETWORK_ERROR, (
                ("branch", "mode-same-origin"), ("url origin", url.origin.serialized),
                ("request origin", request.origin.serialized))))
        return Failure(Reason.DISALLOWED_BY_MODE, "same-origin", url.href), request
    if request.mode is Mode.NO_CORS:
        if request.redirect is not Redirect.FOLLOW:
            if t is not None:
                t.append(Step(A, "12", Decision.NETWORK_ERROR, (
                    ("branch", "mode-no-cors"), ("redirect mode", request.redirect.value))))
            return Failure(Reason.NO_CORS_REDIRECT_MODE, request.redirect.value, url.href), request
        request = request.evolve(tainting=Tainting.OPAQUE)
        if t is not None:
            t.append(Step(A, "12", Decision.CHOSEN, (("branch", "mode-no-cors"), ("response tainting", "opaque"))))
        return scheme_fetch(params, request)
    if not url.is_http:
        if t is not None:
            t.append(Step(A, "12", Decision.NETWORK_ERROR, (("branch", "not-http-scheme"), ("scheme", url.scheme))))
        return Failure(Reason.CORS_DISABLED_SCHEME, url.scheme, url.href), request
    unsafe_names = cors_unsafe_request_header_names(request.headers, params.profile)
    safelisted_method = is_cors_safelisted_method(request.method)
    request = request.evolve(tainting=Tainting.CORS)
    # Profile choice: engines that preflight every hop after one that needed a preflight.
    if (params.profile.preflight_sticky_across_redirects and request.needed_preflight
            and request.redirect_count > 0 and not request.use_cors_preflight):
        request = attrs.evolve(request, use_cors_preflight=True)
    if t is not None:
        t.append(Step(Algorithm.CORS_SAFELISTED_METHOD, "", Decision.YES if safelisted_method else Decision.NO,
                      (("method", request.method),)))
        t.append(Step(Algorithm.CORS_UNSAFE_NAMES, "", Decision.SET, (("names", ",".join(unsafe_names) or NONE),)))
    if _preflight_wanted(request, safelisted_method, unsafe_names):
        if params.profile.preflight_sticky_across_redirects:
            request = attrs.evolve(request, needed_preflight=True)
        if t is not None:
            t.append(Step(A, "12", Decision.CHOSEN, (
                ("branch", "cors-preflight"), ("response tainting", "cors"),
                ("use-CORS-preflight flag", "set" if request.use_cors_preflight else "unset"))))
        response, request = http_fetch(params, request, make_preflight=True, unsafe_names=unsafe_names)
        if isinstance(response, Failure):
            # Profile choice: whether the failure of the preflight / of the response clears.
            profile = params.profile
            clears = (profile.cache_clear_on_preflight_failure if response.reason.from_preflight
                      else profile.cache_clear_on_response_failure)
            if clears:
                # 12 (CORS with preflight): a network error clears the cache entries
                origin = preflight_origin(params, request)
                params.cache = clear(params.cache, origin, request.current_url.href)
                if t is not None:
                    t.append(Step(Algorithm.CACHE_CLEAR, "", Decision.CLEARED,
                                  (("origin", origin), ("url", request.current_url.href))))
        return response, request
    if t is not None:
        t.append(Step(A, "12", Decision.CHOSEN, (
            ("branch", "cors-no-preflight"), ("response tainting", "cors"),
            ("method", request.method), ("unsafe header names", NONE))))
    return http_fetch(params, request, make_preflight=False, unsafe_names=unsafe_names)


def _preflight_wanted(request: Request, safelisted_method: bool, unsafe_names: tuple[str, ...]) -> bool:
    """Main fetch step 12: the "CORS with preflight" branch is taken."""
    return request.use_cors_preflight or (request.unsafe_request and (not safelisted_method or bool(unsafe_names)))


def scheme_fetch(params: FetchParams, request: Request) -> Fetched:
    """https://fetch.spec.whatwg.org/#concept-scheme-fetch"""
    if request.current_url.is_http:
        return http_fetch(params, request, make_preflight=False, unsafe_names=())
    return non_http_scheme_fetch(params, request), request


def http_fetch(params: FetchParams, request: Request, *, make_preflight: bool, unsafe_names: tuple[str, ...]) -> Fetched:
    """https://fetch.spec.whatwg.org/#concept-http-fetch"""
    t = params.trace
    profile = params.profile
    A = Algorithm.HTTP_FETCH
    # 4.1 a preflight unless the cache covers the method and every unsafe header name
    if make_preflight and preflight_needed(params, request, unsafe_names):
        failure = cors_preflight_fetch(params, request, unsafe_names)
        if failure is not None:
            return failure, request
    # 4.3 HTTP-network-or-cache fetch
    response = http_network_or_cache_fetch(params, request)
    # 4.4 the CORS check, on every response including redirects
    if request.tainting is Tainting.CORS:
        include = request.credentials is Credentials.INCLUDE or (
            # Profile choice: a request that started same-origin stays credentialed for
            # the CORS check on redirect responses.
            profile.same_origin_credentials_stick
            and request.credentials is Credentials.SAME_ORIGIN
            and response.status in REDIRECT_STATUSES
            and same_origin(request.url_list[0].origin, request.origin)
        )
        failure = cors_check(serialize_request_origin(request), include, response.headers, request.current_url.href,
                             t, multiple=profile.allow_origin_multiple)
        if failure is not None:
            if t is not None:
                t.append(Step(A, "4.4", Decision.NETWORK_ERROR, (("status", str(response.status)),)))
            return attrs.evolve(failure, status=response.status, location=response.redirect_target(request)), request
    # 6. redirect statuses. Profile choice: without Location some engines see none (but
    # redirect mode "manual" still gets an opaque-redirect response in every engine).
    if response.status in REDIRECT_STATUSES and not (
        profile.redirect_requires_location and request.redirect is not Redirect.MANUAL
        and lowered_get(response.headers, "location") is None
    ):
        if request.redirect is Redirect.ERROR:
            if t is not None:
                t.append(Step(A, "6.3", Decision.NETWORK_ERROR, (("redirect mode", "error"),
                                                                 ("status", str(response.status)))))
            return Failure(Reason.REDIRECT_MODE_ERROR, str(response.status), request.current_url.href), request
        if request.redirect is Redirect.MANUAL:
            if t is not None:
                t.append(Step(A, "6.3", Decision.CHOSEN, (("redirect mode", "manual"),
                                                          ("response", "opaque-redirect"))))
            return attrs.evolve(response, opaque_redirect=True), request
        return http_redirect_fetch(params, request, response)
    return response, request


def http_redirect_fetch(params: FetchParams, request: Request, response: InternalResponse) -> Fetched:
    """https://fetch.spec.whatwg.org/#concept-http-redirect-fetch"""
    t = params.trace
    profile = params.profile
    A = Algorithm.HTTP_REDIRECT_FETCH
    current = request.current_url
    # 3. the location URL (https://fetch.spec.whatwg.org/#concept-response-location-url)
    location = extract_header_list_values(response.headers, "location")
    if location is FAILURE:
        # Profile choice: engines that accept two equal Location lines, or parse the
        # combined value.
        lines = [v for n, v in response.headers if n == "location"]
        policy = profile.location_duplicates
        if policy == "identical" and len(set(lines)) == 1:
            location = lines[:1]
        elif policy == "combined":
            location = [", ".join(lines)]
    # Profile choice: what an empty Location means (spec: the current URL, followed).
    empty = isinstance(location, list) and len(location) == 1 and not location[0].strip()
    if empty and profile.empty_location == "absent":
        location = None
    # 4. none: the redirect response itself is the response
    if location is None:
        if t is not None:
            t.append(Step(Algorithm.LOCATION_URL, "2", Decision.RETURNED, (("location", ABSENT),)))
        return response, request
    location_url = None if location is FAILURE or (empty and profile.empty_location == "failure") \
        else parse_url(location[0], current.href)
    # 5. failure
    if location_url is None:
        value = lowered_get(response.headers, "location") or ""
        if t is not None:
            t.append(Step(A, "5", Decision.NETWORK_ERROR, (("location", value),)))
        return Failure(Reason.INVALID_LOCATION, value, current.href), request
    if location_url.fragment is None and current.fragment is not None:
        location_url = location_url.with_fragment(current.fragment)
    # 6. an HTTP(S) scheme
    if not location_url.is_http:
        if t is not None:
            t.append(Step(A, "6", Decision.NETWORK_ERROR, (("location", location_url.href),)))
        return Failure(Reason.REDIRECT_TO_NON_HTTP_SCHEME, location_url.href, current.href), request
    # 7. the redirect limit. Profile choice: the limit (20 in the spec).
    if request.redirect_count >= profile.redirect_limit:
        if t is not None:
            t.append(Step(A, "7", Decision.NETWORK_ERROR, (("redirect count", str(request.redirect_count)),)))
        return Failure(Reason.TOO_MANY_REDIRECTS, str(request.redirect_count), current.href), request
    # 8.
    count = request.redirect_count + 1
    # 9-10. credentials in the location URL. Profile choice: some engines refuse
    # every redirect to a URL with userinfo.
    cross_origin_cors = request.mode is Mode.CORS and not same_origin(request.origin, location_url.origin)
    if location_url.includes_credentials and (
        cross_origin_cors or request.tainting is Tainting.CORS or profile.redirect_userinfo_always_fails
    ):
        if t is not None:
            t.append(Step(A, "9" if cross_origin_cors else "10", Decision.NETWORK_ERROR,
                          (("location", location_url.href),)))
        userinfo_failure = Failure(Reason.REDIRECT_CONTAINS_CREDENTIALS, location_url.href, current.href)
        if not profile.redirect_userinfo_checked_after_preflight:
            return userinfo_failure, request
    else:
        userinfo_failure = None
    method, body, headers = request.method, request.body, request.headers
    cross_hop = not same_origin(current.origin, location_url.origin)
    # 12. 301/302 turn POST into GET; 303 turns anything but GET/HEAD into GET (Profile
    # choice: an engine that also turns a DELETE sent to another origin into GET)
    if (response.status in (301, 302) and method == "POST") or (
        response.status == 303 and method not in ("GET", "HEAD")
    ) or (profile.redirect_cross_origin_delete_becomes_get and cross_hop and method == "DELETE"):
        if t is not None:
            t.append(Step(A, "12", Decision.SET, (("status", str(response.status)), ("method", f"{method} -> GET"))))
        method, body = "GET", None
        # Profile choice: an engine that keeps the Origin header the request was sent with.
        if (profile.redirect_keeps_origin_header and not cross_hop and params.sent
                and params.sent[-1].origin is not None):
            request = attrs.evolve(request, kept_origin=params.sent[-1].origin)
        # Profile choice: whether the request-body headers go.
        if profile.redirect_drops_body_headers:
            for name in REQUEST_BODY_HEADER_NAMES:
                headers = header_delete(headers, name)
    if cross_hop:
        if request.kept_origin is not None:
            request = attrs.evolve(request, kept_origin=None)
        # Profile choice: an engine that sets client hints per origin deletes them, all but the ones it keeps.
        if profile.redirect_drops_client_hints:
            for name, _ in profile.safelisted_client_hints:
                if name not in profile.client_hints_kept_on_redirect:
                    headers = header_delete(headers, name)
    # 13. another origin: Authorization goes (Profile choice: some engines keep it)
    if cross_hop and profile.redirect_drops_authorization:
        for name in CORS_NON_WILDCARD_NAMES:
            if t is not None and header_get(headers, name) is not None:
                t.append(Step(A, "13", Decision.DROPPED, (("header", name),)))
            headers = header_delete(headers, name)
    # 18. append the location to the URL list
    request = attrs.evolve(request, method=method, body=body, headers=headers,
                           url_list=request.url_list + (location_url,), redirect_count=count)
    if t is not None:
        t.append(Step(A, "18", Decision.SET, (("status", str(response.status)), ("location", location_url.href),
                                              ("redirect count", str(count)))))
    if userinfo_failure is not None:
        # Profile choice: an engine that sends the next hop's preflight before failing.
        return _preflight_before_failure(params, request, userinfo_failure), request
    # 22. main fetch, recursively (the caller's loop runs it)
    return Follow(request), request


def _preflight_before_failure(params: FetchParams, request: Request, failure: Failure) -> Failure:
    """The preflight main fetch step 12 would send for the next hop (if any), then a failure:
    the preflight's own when it fails, else ``failure``."""
    url = request.current_url
    if request.mode is not Mode.CORS or (same_origin(url.origin, request.origin)
                                         and request.tainting is Tainting.BASIC):
        return failure
    profile = params.profile
    unsafe_names = cors_unsafe_request_header_names(request.headers, profile)
    needs = (_preflight_wanted(request, is_cors_safelisted_method(request.method), unsafe_names)
             or (profile.preflight_sticky_across_redirects and request.needed_preflight))
    if not needs or not preflight_needed(params, request, unsafe_names):
        return failure
    return cors_preflight_fetch(params, request, unsafe_names) or failure


__all__ = ["Fetched", "Outcome", "fetch", "fetch_element", "http_fetch", "http_redirect_fetch", "main_fetch"]
