"""The fetch driver: main fetch, HTTP fetch, the preflight, HTTP-redirect fetch.

This module orchestrates; the checks live in ``_cors``, ``_cache`` and ``_classify``.
Step comments carry the labels of the pinned snapshot (``_spec.SPEC_COMMIT``), and trace
records use the same labels.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ._cache import PreflightCache, clear, match_header, match_method, store
from ._classify import (
    BAD_PORTS,
    CORS_NON_WILDCARD_NAMES,
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
    FORBIDDEN_RESPONSE_HEADER_NAMES,
    NULL_BODY_STATUSES,
    REDIRECT_STATUSES,
    REQUEST_BODY_HEADER_NAMES,
    cors_unsafe_request_header_names,
    is_cors_safelisted_method,
    mime_type_essence,
)
from ._cors import cors_check, evaluate_preflight, preflight_max_age
from ._elements import blocked_for_destination, element_verdict, extract_mime_essence
from ._headers import (
    FAILURE,
    HeaderList,
    extract_header_list_values,
    header_delete,
    header_get,
    lowered_get,
    sort_and_combine,
)
from ._origin import Origin, Url, parse_url, same_origin
from ._profile import Profile
from ._request import Api, Credentials, Mode, Redirect, ReferrerPolicy, Request, Tainting, WireRequest
from ._response import Failure, JsError, Outcome, Reason, RequestContext, Result, ServerResponse
from ._spec import Algorithm
from ._trace import Decision, Step

#: What the model calls to put a request on the wire.
Server = Callable[[WireRequest], ServerResponse]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@attrs.frozen
class _Net:
    """An unfiltered response (the internal response)."""

    status: int
    headers: HeaderList
    body: str
    url_list: tuple[Url, ...]
    opaque_redirect: bool = False


def redirect_tainted(request: Request) -> bool:
    """Whether the request's redirect-taint is other than "same-origin".

    https://fetch.spec.whatwg.org/#concept-request-tainted-origin

    The spec tells "same-site" from "cross-site" taint; both serialize the origin as
    "null", which is all CORS needs, so this model does not compute sites.
    """
    urls = request.url_list
    if len(urls) < 2:
        return False
    origin = request.origin
    last = urls[0].origin
    for url in urls[1:]:
        if not same_origin(url.origin, last) and not same_origin(origin, last):
            return True
        last = url.origin
    return False


def serialize_request_origin(request: Request) -> str:
    """https://fetch.spec.whatwg.org/#serializing-a-request-origin"""
    if redirect_tainted(request):
        return "null"
    return request.origin.serialized


class Fetcher:
    """Runs one script request through fetch against a server, keeping the cache value."""

    __slots__ = ("_preflight_failed", "cache", "now", "profile", "sent", "server", "trace")

    def __init__(
        self, profile: Profile, server: Server, cache: PreflightCache, now: float,
        trace: list[Step] | None,
    ) -> None:
        self.profile = profile
        self.server = server
        self.cache = cache
        self.now = now
        self.trace = trace
        self.sent: list[WireRequest] = []
        self._preflight_failed = False

    def unsafe_names(self, headers: HeaderList) -> tuple[str, ...]:
        """CORS-unsafe request-header names, with this profile's choices."""
        return cors_unsafe_request_header_names(headers, self.profile)

    def _preflight_origin(self, request: Request) -> str:
        """The serialized origin the preflight carries, is checked against and is cached under.
        Profile choice: spec, the request's (so "null" once tainted); some engines, the page's."""
        if self.profile.preflight_origin_tainted:
            return serialize_request_origin(request)
        return request.origin.serialized

    # -- fetch and main fetch ------------------------------------------------------------

    def fetch(self, request: Request) -> Result:
        """https://fetch.spec.whatwg.org/#concept-fetch: main fetch, then what script sees."""
        t = self.trace
        if t is not None:
            t.append(Step(Algorithm.POPULATE_FROM_CLIENT, "", Decision.SET,
                          (("request origin", request.origin.serialized),)))
        # Recorded for engines that keep preflighting after redirects (a profile choice).
        if self.profile.preflight_sticky_across_redirects:
            request = attrs.evolve(request, initially_unsafe=not is_cors_safelisted_method(request.method)
                                   or bool(self.unsafe_names(request.headers)))
        response, request = self.main_fetch(request, recursive=False)
        return self._finish(request, self._blocking(request, response))

    def _blocking(self, request: Request, response: _Net | Failure) -> _Net | Failure:
        """Main fetch step 20: MIME type and nosniff blocking (script and style destinations)."""
        if isinstance(response, Failure) or response.opaque_redirect:
            return response
        reason = blocked_for_destination(request.destination, response.headers, self.trace)
        if reason is None:
            return response
        return Failure(reason, extract_mime_essence(response.headers) or "", response.url_list[-1].href)

    def fetch_element(self, request: Request, page: Origin) -> Result:
        """An element's load: fetch, then what the element does with the response."""
        t = self.trace
        response, request = self.main_fetch(request, recursive=False)
        response = self._blocking(request, response)
        if isinstance(response, Failure):
            element, outcome, failure = element_verdict(
                request.api, page, request, 0, (), "", request.url_list, response, self.profile, t)
        else:
            element, outcome, failure = element_verdict(
                request.api, page, request, response.status, response.headers, response.body,
                response.url_list, None, self.profile, t)
        if (failure is not None and failure.reason is Reason.LOAD_UNDECODABLE
                and not isinstance(response, Failure)):
            failure = attrs.evolve(failure, body_head=response.body[:4])
        url = ""
        if request.api is Api.IFRAME and element.readable:
            url = (request.url_list if isinstance(response, Failure) else response.url_list)[-1].href_without_fragment
        return Result(outcome, 0, (), url, False, tuple(self.sent), failure, None,
                      trace=tuple(t) if t is not None else (), element=element, context=self.context(request))

    def context(self, request: Request) -> RequestContext:
        """What the console messages name about this request."""
        return RequestContext(
            profile=self.profile.name, api=request.api.value, method=request.method,
            url_list=tuple(u.href for u in request.url_list), page_origin=request.origin.serialized,
            request_origin=serialize_request_origin(request), mode=request.mode.value,
            credentials=request.credentials.value, redirect=request.redirect.value,
            header_names=tuple(n for n, _ in request.headers))

    def main_fetch(self, request: Request, *, recursive: bool) -> tuple[_Net | Failure, Request]:
        """https://fetch.spec.whatwg.org/#concept-main-fetch (steps 7 and 12)"""
        t = self.trace
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
            request = attrs.evolve(request, tainting=Tainting.BASIC)
            if t is not None:
                t.append(Step(A, "12", Decision.CHOSEN, (
                    ("branch", "data: URL" if url.scheme == "data" else "navigation"
                     if request.mode is Mode.NAVIGATE else "same origin"),
                    ("url origin", url.origin.serialized), ("request origin", request.origin.serialized),
                    ("response tainting", "basic"))))
            return self.scheme_fetch(request)
        if request.mode is Mode.SAME_ORIGIN:
            if t is not None:
                t.append(Step(A, "12", Decision.NETWORK_ERROR, (
                    ("branch", "mode same-origin"), ("url origin", url.origin.serialized),
                    ("request origin", request.origin.serialized))))
            return Failure(Reason.DISALLOWED_BY_MODE, "same-origin", url.href), request
        if request.mode is Mode.NO_CORS:
            if request.redirect is not Redirect.FOLLOW:
                if t is not None:
                    t.append(Step(A, "12", Decision.NETWORK_ERROR, (
                        ("branch", "mode no-cors"), ("redirect mode", request.redirect.value))))
                return Failure(Reason.NO_CORS_REDIRECT_MODE, request.redirect.value, url.href), request
            request = attrs.evolve(request, tainting=Tainting.OPAQUE)
            if t is not None:
                t.append(Step(A, "12", Decision.CHOSEN, (("branch", "mode no-cors"), ("response tainting", "opaque"))))
            return self.scheme_fetch(request)
        if not url.is_http:
            if t is not None:
                t.append(Step(A, "12", Decision.NETWORK_ERROR, (("branch", "not an HTTP(S) scheme"),
                                                                ("scheme", url.scheme))))
            return Failure(Reason.CORS_DISABLED_SCHEME, url.scheme, url.href), request
        unsafe_names = self.unsafe_names(request.headers)
        safelisted_method = is_cors_safelisted_method(request.method)
        request = attrs.evolve(request, tainting=Tainting.CORS)
        # Profile choice: engines that preflight every hop of a request that needed one.
        if (self.profile.preflight_sticky_across_redirects and request.initially_unsafe
                and request.redirect_count > 0 and not request.use_cors_preflight):
            request = attrs.evolve(request, use_cors_preflight=True)
        if t is not None:
            t.append(Step(Algorithm.CORS_SAFELISTED_METHOD, "", Decision.YES if safelisted_method else Decision.NO,
                          (("method", request.method),)))
            t.append(Step(Algorithm.CORS_UNSAFE_NAMES, "", Decision.SET,
                          (("names", ",".join(unsafe_names) or "(none)"),)))
        if request.use_cors_preflight or (
            request.unsafe_request and (not safelisted_method or unsafe_names)
        ):
            if t is not None:
                t.append(Step(A, "12", Decision.CHOSEN, (
                    ("branch", "CORS with preflight"), ("response tainting", "cors"),
                    ("use-CORS-preflight flag", "set" if request.use_cors_preflight else "unset"))))
            self._preflight_failed = False
            response, request = self.http_fetch(request, make_preflight=True, unsafe_names=unsafe_names)
            # Profile choice: whether the failure of the preflight / of the response clears.
            clears = (self.profile.cache_clear_on_preflight_failure if self._preflight_failed
                      else self.profile.cache_clear_on_response_failure)
            if isinstance(response, Failure) and clears:
                # 12 (CORS with preflight): a network error clears the cache entries
                origin = self._preflight_origin(request)
                self.cache = clear(self.cache, origin, request.current_url.href)
                if t is not None:
                    t.append(Step(Algorithm.CACHE_CLEAR, "", Decision.CLEARED,
                                  (("origin", origin), ("url", request.current_url.href))))
            return response, request
        if t is not None:
            t.append(Step(A, "12", Decision.CHOSEN, (
                ("branch", "CORS without preflight"), ("response tainting", "cors"),
                ("method", request.method), ("unsafe header names", "(none)"))))
        return self.http_fetch(request, make_preflight=False, unsafe_names=unsafe_names)

    def scheme_fetch(self, request: Request) -> tuple[_Net | Failure, Request]:
        """https://fetch.spec.whatwg.org/#concept-scheme-fetch"""
        url = request.current_url
        if url.is_http:
            return self.http_fetch(request, make_preflight=False, unsafe_names=())
        if url.scheme == "data":
            # data: URL processor, reduced to the MIME type: the body is not modelled.
            text = url.href[5:].split(",", 1)[0].split("#", 1)[0].strip()
            is_base64 = text.lower().endswith(";base64")
            mime = text[: -len(";base64")] if is_base64 else text
            if mime.startswith(";"):
                mime = "text/plain" + mime
            if mime_type_essence(mime) is None:
                mime = "text/plain;charset=US-ASCII"
            if self.trace is not None:
                self.trace.append(Step(Algorithm.SCHEME_FETCH, "", Decision.RECEIVED,
                                       (("scheme", "data"), ("content-type", mime))))
            return _Net(200, (("Content-Type", mime),), "", request.url_list), request
        if self.trace is not None:
            self.trace.append(Step(Algorithm.SCHEME_FETCH, "", Decision.NETWORK_ERROR, (("scheme", url.scheme),)))
        return Failure(Reason.UNSUPPORTED_SCHEME, url.scheme, url.href), request

    # -- HTTP fetch ----------------------------------------------------------------------

    def http_fetch(
        self, request: Request, *, make_preflight: bool, unsafe_names: tuple[str, ...]
    ) -> tuple[_Net | Failure, Request]:
        """https://fetch.spec.whatwg.org/#concept-http-fetch"""
        t = self.trace
        A = Algorithm.HTTP_FETCH
        # 4.1 a preflight unless the cache covers the method and every unsafe header name
        if make_preflight and self._preflight_needed(request, unsafe_names):
            failure = self.cors_preflight_fetch(request, unsafe_names)
            if failure is not None:
                return failure, request
        # 4.3 HTTP-network-or-cache fetch
        net = self.http_network_or_cache_fetch(request)
        # 4.4 the CORS check, on every response including redirects
        if request.tainting is Tainting.CORS:
            include = request.credentials is Credentials.INCLUDE or (
                # Profile choice: a request that started same-origin stays credentialed for
                # the CORS check on redirect responses.
                self.profile.same_origin_credentials_stick
                and request.credentials is Credentials.SAME_ORIGIN
                and net.status in REDIRECT_STATUSES
                and same_origin(request.url_list[0].origin, request.origin)
            )
            failure = cors_check(serialize_request_origin(request), include, net.headers, request.current_url.href, t,
                                 multiple=self.profile.allow_origin_multiple)
            if failure is not None:
                if t is not None:
                    t.append(Step(A, "4.4", Decision.NETWORK_ERROR, (("status", str(net.status)),)))
                return attrs.evolve(failure, status=net.status, location=_redirect_target(net, request)), request
        # 6. redirect statuses. Profile choice: without Location some engines see none.
        if net.status in REDIRECT_STATUSES and not (
            self.profile.redirect_requires_location and lowered_get(net.headers, "location") is None
        ):
            if request.redirect is Redirect.ERROR:
                if t is not None:
                    t.append(Step(A, "6.3", Decision.NETWORK_ERROR, (("redirect mode", "error"), ("status", str(net.status)))))
                return Failure(Reason.REDIRECT_MODE_ERROR, str(net.status), request.current_url.href), request
            if request.redirect is Redirect.MANUAL:
                if t is not None:
                    t.append(Step(A, "6.3", Decision.CHOSEN, (("redirect mode", "manual"), ("response", "opaque-redirect"))))
                return attrs.evolve(net, opaque_redirect=True), request
            return self.http_redirect_fetch(request, net)
        return net, request

    def _preflight_needed(self, request: Request, unsafe_names: tuple[str, ...]) -> bool:
        """HTTP fetch step 4.1's two conditions, each looked up in the preflight cache."""
        t = self.trace
        origin = self._preflight_origin(request)
        url = request.current_url.href
        include = request.credentials is Credentials.INCLUDE
        needed = False
        if not is_cors_safelisted_method(request.method) or request.use_cors_preflight:
            hit = match_method(self.cache, origin, url, include, request.method, self.now, self.profile) if self.profile.preflight_cache else None
            if t is not None:
                t.append(Step(Algorithm.CACHE_MATCH_METHOD, "", Decision.HIT if hit else Decision.MISS,
                              (("method", request.method), ("url", url), ("origin", origin))
                              + ((("entry", _entry_facts(hit.method, hit.max_age, hit.stored_at)),) if hit else ())))
            needed = hit is None
        for name in unsafe_names:
            hit = match_header(self.cache, origin, url, include, name, self.now, self.profile) if self.profile.preflight_cache else None
            if t is not None:
                t.append(Step(Algorithm.CACHE_MATCH_HEADER, "", Decision.HIT if hit else Decision.MISS,
                              (("header", name), ("url", url), ("origin", origin))
                              + ((("entry", _entry_facts(hit.header_name, hit.max_age, hit.stored_at)),) if hit else ())))
            if hit is None:
                needed = True
                if t is None:
                    break
        if t is not None:
            t.append(Step(Algorithm.HTTP_FETCH, "4.1", Decision.YES if needed else Decision.NO,
                          (("preflight", "needed" if needed else "not needed: every item cached"),)))
        return needed

    def cors_preflight_fetch(self, request: Request, unsafe_names: tuple[str, ...]) -> Failure | None:
        """https://fetch.spec.whatwg.org/#cors-preflight-fetch-0"""
        t = self.trace
        A = Algorithm.CORS_PREFLIGHT_FETCH
        # 1-5. OPTIONS with Accept, Access-Control-Request-Method and -Headers. The names are
        # joined with a bare "," on purpose: that is what browsers send.
        headers: list[tuple[str, str]] = [("Accept", "*/*"), ("Access-Control-Request-Method", request.method)]
        if unsafe_names:
            headers.append(("Access-Control-Request-Headers", ",".join(unsafe_names)))
        # 6. HTTP-network-or-cache fetch: a redirect is not followed
        # The preflight's mode and tainting are "cors": Origin is always sent; its
        # credentials mode is the default "same-origin", so with "cors" tainting no
        # credentials go out (HTTP-network-or-cache fetch step 8.3).
        if t is not None:
            t.append(Step(A, "5", Decision.SET, (
                ("access-control-request-method", request.method),
                ("access-control-request-headers", ",".join(unsafe_names) or "(not sent)"))))
        origin = self._preflight_origin(request)
        net = self._send("OPTIONS", request.url_list, tuple(headers), origin, False, None, True)
        include = request.credentials is Credentials.INCLUDE
        url = request.current_url.href
        # 7. judge it (the CORS check uses the request's own credentials mode)
        judged = evaluate_preflight(
            status=net.status, headers=net.headers, serialized_origin=origin, include=include,
            method=request.method, request_header_names=tuple(n for n, _ in request.headers),
            unsafe_names=unsafe_names, use_cors_preflight=request.use_cors_preflight,
            url=url, profile=self.profile, trace=t,
            same_origin_target=origin == request.current_url.origin.serialized,
        )
        if isinstance(judged, Failure):
            judged = attrs.evolve(judged, status=net.status, location=_redirect_target(net, request))
            self._preflight_failed = True
            if t is not None:
                t.append(Step(A, "8", Decision.NETWORK_ERROR, (("reason", judged.reason.value),)))
            return judged
        methods, header_names = judged
        # 7.8-7.10 max-age
        max_age = preflight_max_age(net.headers, self.profile, t)
        # 7.11 Profile choice: no cache at all, or none for an opaque page's or a tainted origin
        p = self.profile
        if not p.preflight_cache or (origin == "null" and not (
            p.cache_opaque_page_origin if request.origin.opaque else p.cache_tainted_origin
        )):
            return None
        # 7.12-7.15 refresh or create one entry per method and per header name
        self.cache = store(
            self.cache, origin=origin, url=url, include=include, methods=methods,
            header_names=header_names, max_age=max_age, now=self.now, profile=self.profile,
        )
        if t is not None:
            t.append(Step(Algorithm.CACHE_CREATE_ENTRY, "", Decision.STORED, (
                ("methods", ", ".join(methods) or "(none)"), ("header names", ", ".join(header_names) or "(none)"),
                ("max-age", str(max_age)), ("credentials", "true" if include else "false"),
                ("url", url), ("origin", origin))))
        return None

    # -- the network ---------------------------------------------------------------------

    def http_network_or_cache_fetch(self, request: Request) -> _Net:
        """https://fetch.spec.whatwg.org/#concept-http-network-or-cache-fetch (what is sent)"""
        # 8.3 includeCredentials
        include_credentials = request.credentials is Credentials.INCLUDE or (
            request.credentials is Credentials.SAME_ORIGIN and request.tainting is Tainting.BASIC
        )
        # 8.12 append a request `Origin` header
        origin_value = self._origin_header(request)
        return self._send(request.method, request.url_list, request.headers, origin_value, include_credentials,
                          request.body, False)

    def _send(
        self, method: str, url_list: tuple[Url, ...], headers: HeaderList, origin_value: str | None,
        include_credentials: bool, body: str | None, is_preflight: bool,
    ) -> _Net:
        """HTTP-network fetch: the request reaches the server, its response comes back."""
        t = self.trace
        url = url_list[-1]
        if origin_value is not None:
            headers = headers + (("Origin", origin_value),)
        wire = WireRequest(
            method=method, url=url.request_target, headers=headers, body=body,
            credentials=include_credentials, preflight=is_preflight,
        )
        self.sent.append(wire)
        if t is not None:
            t.append(Step(Algorithm.HTTP_NETWORK_OR_CACHE_FETCH, "8.12", Decision.SENT, (
                ("method", wire.method), ("url", wire.url),
                ("origin", "(not sent)" if origin_value is None else origin_value),
                ("credentials", "included" if include_credentials else "not included"))))
        answer = self.server(wire)
        # The wire's field parsing strips whitespace around each value. Names are
        # case-insensitive: they are lowercased once here, as Headers iteration shows them.
        resp_headers = tuple((n.lower(), v.strip(" \t")) for n, v in answer.headers)
        if self.profile.empty_header_lines_ignored:
            # Profile choice: an engine that drops empty lines when combining.
            resp_headers = tuple(h for h in resp_headers if h[1] or h[0] == "access-control-allow-origin")
        if t is not None:
            t.append(Step(Algorithm.HTTP_NETWORK_OR_CACHE_FETCH, "11.2", Decision.RECEIVED, (
                ("status", str(answer.status)),) + tuple((n, v) for n, v in resp_headers
                                                          if n.startswith("access-control-") or n == "location")))
        return _Net(answer.status, resp_headers, answer.body, url_list)

    def _origin_header(self, request: Request) -> str | None:
        """https://fetch.spec.whatwg.org/#append-a-request-origin-header (None: not sent)"""
        t = self.trace
        serialized = serialize_request_origin(request)
        if t is not None and serialized == "null" and not request.origin.opaque:
            t.append(Step(Algorithm.REDIRECT_TAINT, "", Decision.YES, (
                ("url list", " -> ".join(u.href for u in request.url_list)), ("origin", "null"))))
        # 3. response tainting "cors"
        if request.tainting is Tainting.CORS:
            return serialized
        # 4. otherwise only methods other than GET and HEAD (Profile choice: engines that
        # send Origin on same-origin CORS-mode element loads)
        if request.method in ("GET", "HEAD"):
            if request.mode is Mode.CORS and request.api.value in self.profile.element_same_origin_cors_origin:
                return serialized
            return None
        if request.mode is not Mode.CORS:
            policy = request.referrer_policy
            url = request.current_url
            if policy is ReferrerPolicy.NO_REFERRER:
                serialized = "null"
            elif policy in (ReferrerPolicy.NO_REFERRER_WHEN_DOWNGRADE, ReferrerPolicy.STRICT_ORIGIN,
                            ReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN):
                if request.origin.scheme == "https" and url.scheme != "https":
                    serialized = "null"
            elif policy is ReferrerPolicy.SAME_ORIGIN:
                if not same_origin(request.origin, url.origin):
                    serialized = "null"
        if t is not None:
            t.append(Step(Algorithm.APPEND_ORIGIN, "4.2", Decision.SET, (
                ("method", request.method), ("origin", serialized))))
        return serialized

    # -- redirects -----------------------------------------------------------------------

    def http_redirect_fetch(self, request: Request, net: _Net) -> tuple[_Net | Failure, Request]:
        """https://fetch.spec.whatwg.org/#concept-http-redirect-fetch"""
        t = self.trace
        A = Algorithm.HTTP_REDIRECT_FETCH
        current = request.current_url
        # 3. the location URL (https://fetch.spec.whatwg.org/#concept-response-location-url)
        location = extract_header_list_values(net.headers, "location")
        if location is FAILURE:
            # Profile choice: engines that accept two equal Location lines, or parse the
            # combined value.
            lines = [v for n, v in net.headers if n == "location"]
            policy = self.profile.location_duplicates
            if policy == "identical" and len(set(lines)) == 1:
                location = lines[:1]
            elif policy == "combined":
                location = [", ".join(lines)]
        # 4. none: the redirect response itself is the response
        if location is None:
            if t is not None:
                t.append(Step(Algorithm.LOCATION_URL, "2", Decision.RETURNED, (("location", "(absent)"),)))
            return net, request
        location_url = None if location is FAILURE else parse_url(location[0], current.href)
        # 5. failure
        if location_url is None:
            value = lowered_get(net.headers, "location") or ""
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
        if request.redirect_count >= self.profile.redirect_limit:
            if t is not None:
                t.append(Step(A, "7", Decision.NETWORK_ERROR, (("redirect count", str(request.redirect_count)),)))
            return Failure(Reason.TOO_MANY_REDIRECTS, str(request.redirect_count), current.href), request
        # 8.
        count = request.redirect_count + 1
        # 9-10. credentials in the location URL. Profile choice: some engines refuse
        # every redirect to a URL with userinfo.
        if location_url.includes_credentials and (
            (request.mode is Mode.CORS and not same_origin(request.origin, location_url.origin))
            or request.tainting is Tainting.CORS
            or self.profile.redirect_userinfo_always_fails
        ):
            if t is not None:
                t.append(Step(A, "9" if request.mode is Mode.CORS and not same_origin(
                    request.origin, location_url.origin) else "10", Decision.NETWORK_ERROR,
                    (("location", location_url.href),)))
            return Failure(Reason.REDIRECT_CONTAINS_CREDENTIALS, location_url.href, current.href), request
        method, body, headers = request.method, request.body, request.headers
        # 12. 301/302 turn POST into GET; 303 turns anything but GET/HEAD into GET
        if (net.status in (301, 302) and method == "POST") or (
            net.status == 303 and method not in ("GET", "HEAD")
        ):
            if t is not None:
                t.append(Step(A, "12", Decision.SET, (("status", str(net.status)), ("method", f"{method} -> GET"))))
            method, body = "GET", None
            # Profile choice: whether the request-body headers go.
            if self.profile.redirect_drops_body_headers:
                for name in REQUEST_BODY_HEADER_NAMES:
                    headers = header_delete(headers, name)
        # 13. another origin: Authorization goes (Profile choice: some engines keep it)
        if not same_origin(current.origin, location_url.origin) and self.profile.redirect_drops_authorization:
            for name in CORS_NON_WILDCARD_NAMES:
                if t is not None and header_get(headers, name) is not None:
                    t.append(Step(A, "13", Decision.DROPPED, (("header", name),)))
                headers = header_delete(headers, name)
        # 18. append the location to the URL list
        request = attrs.evolve(request, method=method, body=body, headers=headers,
                               url_list=request.url_list + (location_url,), redirect_count=count)
        if t is not None:
            t.append(Step(A, "18", Decision.SET, (("status", str(net.status)), ("location", location_url.href),
                                                  ("redirect count", str(count)))))
        # 22. main fetch, recursively
        return self.main_fetch(request, recursive=True)

    # -- what script sees ----------------------------------------------------------------

    def _finish(self, request: Request, response: _Net | Failure) -> Result:
        """Main fetch steps 14-22, then the Response script gets (or the rejection)."""
        t = self.trace
        sent = tuple(self.sent)
        exception = JsError.TYPE_ERROR if request.api is Api.FETCH else JsError.NETWORK_ERROR
        if isinstance(response, Failure):
            if t is not None:
                t.append(Step(Algorithm.NETWORK_ERROR, "", Decision.NETWORK_ERROR, (
                    ("reason", response.reason.value), ("script sees", exception.value))))
            return Result(Outcome.NETWORK_ERROR, 0, (), "", False, sent, response, exception,
                          trace=tuple(t) if t is not None else (), context=self.context(request))
        urls = response.url_list
        redirected = len(urls) > 1
        final_url = urls[-1].href_without_fragment
        if response.opaque_redirect:
            if t is not None:
                t.append(Step(Algorithm.OPAQUE_REDIRECT_FILTERED, "", Decision.RETURNED, (
                    ("type", "opaqueredirect"), ("status", "0"))))
            return Result(Outcome.OPAQUE_REDIRECT, 0, (), final_url, redirected, sent,
                          trace=tuple(t) if t is not None else (), context=self.context(request))
        tainting = request.tainting
        if tainting is Tainting.OPAQUE:
            if t is not None:
                t.append(Step(Algorithm.OPAQUE_FILTERED, "", Decision.RETURNED, (
                    ("type", "opaque"), ("status", "0"), ("headers", "(none)"), ("url", '""'))))
            return Result(Outcome.OPAQUE, 0, (), "", False, sent, trace=tuple(t) if t is not None else (),
                          context=self.context(request))
        body = None if net_null_body(response.status) else response.body
        if tainting is Tainting.BASIC:
            readable = tuple((n, v) for n, v in response.headers if n not in FORBIDDEN_RESPONSE_HEADER_NAMES)
            outcome = Outcome.BASIC
            if t is not None:
                t.append(Step(Algorithm.BASIC_FILTERED, "", Decision.RETURNED, (
                    ("type", "basic"), ("status", str(response.status)),
                    ("headers", ", ".join(sorted({n for n, _ in readable})) or "(none)"))))
        else:
            exposed = self._exposed_names(request, response.headers)
            readable = tuple(
                (n, v) for n, v in response.headers
                if (n in CORS_SAFELISTED_RESPONSE_HEADER_NAMES or n in exposed)
                and n not in FORBIDDEN_RESPONSE_HEADER_NAMES
            )
            outcome = Outcome.CORS
            if t is not None:
                t.append(Step(Algorithm.CORS_FILTERED, "", Decision.RETURNED, (
                    ("type", "cors"), ("status", str(response.status)),
                    ("headers", ", ".join(sorted({n for n, _ in readable})) or "(none)"))))
        return Result(outcome, response.status, sort_and_combine(readable), final_url, redirected, sent,
                      body=body, trace=tuple(t) if t is not None else (), context=self.context(request))

    def _exposed_names(self, request: Request, headers: HeaderList) -> frozenset[str]:
        """Main fetch step 14.1: the CORS-exposed header-name list, lowercased."""
        t = self.trace
        names = extract_header_list_values(headers, "access-control-expose-headers")
        include = request.credentials is Credentials.INCLUDE
        if names is None or names is FAILURE:
            exposed: frozenset[str] = frozenset()
            why = "absent" if names is None else "failed to parse: nothing exposed"
        elif not include and "*" in names:
            exposed = frozenset(n for n, _ in headers)
            why = "* without credentials: every header"
        else:
            exposed = frozenset(n.lower() for n in names)
            why = "listed" + (" (* with credentials matches only a header named *)" if "*" in names else "")
        if t is not None:
            t.append(Step(Algorithm.MAIN_FETCH, "14.1", Decision.SET, (
                ("access-control-expose-headers", lowered_get(headers, "access-control-expose-headers") or "(absent)"),
                ("exposed", ", ".join(sorted(exposed)) or "(none)"), ("why", why))))
        return exposed


def _redirect_target(net: _Net, request: Request) -> str:
    """For console messages: the URL a failing redirect response points to ("" if none)."""
    if net.status not in REDIRECT_STATUSES:
        return ""
    location = lowered_get(net.headers, "location")
    target = None if location is None else parse_url(location, request.current_url.href)
    return "" if target is None else target.href


def net_null_body(status: int) -> bool:
    """https://fetch.spec.whatwg.org/#null-body-status"""
    return status in NULL_BODY_STATUSES


def _entry_facts(item: str | None, max_age: int, stored_at: float) -> str:
    return f"{item} (max-age {max_age}, stored at t={stored_at:g})"
