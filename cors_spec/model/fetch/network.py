"""HTTP-network-or-cache fetch: what goes on the wire, with which `Origin`.

https://fetch.spec.whatwg.org/#concept-http-network-or-cache-fetch
"""

from __future__ import annotations

import itertools

from cors_spec.model.fetch.params import FetchParams, InternalResponse
from cors_spec.model.headers import HeaderList, LoweredHeaderList, lowercased
from cors_spec.model.origin import Origin, TupleOrigin, Url, same_origin
from cors_spec.model.request import Credentials, Mode, ReferrerPolicy, Request, Tainting, WireRequest
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import NOT_SENT, Decision, Step


def request_has_redirect_tainted_origin(request: Request) -> bool:
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
    if request_has_redirect_tainted_origin(request):
        return "null"
    return request.origin.serialized


def preflight_origin(params: FetchParams, request: Request) -> str:
    """The serialized origin the preflight carries, is checked against and is cached under.

    Profile choice: spec, the request's (so "null" once tainted); some engines, the page's.
    """
    if params.profile.preflight_origin_tainted:
        return serialize_request_origin(request)
    return request.origin.serialized


def http_network_or_cache_fetch(params: FetchParams, request: Request) -> InternalResponse:
    """https://fetch.spec.whatwg.org/#concept-http-network-or-cache-fetch (what is sent)"""
    # 8.3 includeCredentials
    include_credentials = request.credentials is Credentials.INCLUDE or (
        request.credentials is Credentials.SAME_ORIGIN and request.tainting is Tainting.BASIC
    )
    # 8.12 append a request `Origin` header
    origin_value = append_request_origin_header(params, request)
    return http_network_fetch(params, request.method, request.url_list, request.headers, origin_value,
                              include_credentials, request.body, is_preflight=False)


def http_network_fetch(
    params: FetchParams, method: str, url_list: tuple[Url, ...], headers: HeaderList, origin_value: str | None,
    include_credentials: bool, body: str | None, *, is_preflight: bool,
) -> InternalResponse:
    """HTTP-network fetch: the request reaches the server, its response comes back.

    https://fetch.spec.whatwg.org/#concept-http-network-fetch
    """
    t = params.trace
    url = url_list[-1]
    if origin_value is not None:
        headers = headers + (("Origin", origin_value),)
    wire = WireRequest(
        method=method, url=url.request_target, headers=headers, body=body,
        credentials=include_credentials, preflight=is_preflight,
    )
    params.sent.append(wire)
    if t is not None:
        t.append(Step(Algorithm.HTTP_NETWORK_OR_CACHE_FETCH, "8.12", Decision.SENT, (
            ("method", wire.method), ("url", wire.url),
            ("origin", NOT_SENT if origin_value is None else origin_value),
            ("credentials", "included" if include_credentials else "not-included"))))
    answer = params.server(wire)
    resp_headers = received_header_list(params, answer.headers)
    if t is not None:
        t.append(Step(Algorithm.HTTP_NETWORK_OR_CACHE_FETCH, "11.2", Decision.RECEIVED, (
            ("status", str(answer.status)),) + tuple((n, v) for n, v in resp_headers
                                                      if n.startswith("access-control-") or n == "location")))
    return InternalResponse(answer.status, resp_headers, answer.body, url_list)


def received_header_list(params: FetchParams, headers: HeaderList) -> LoweredHeaderList:
    """A response's header list as the network layer hands it over.

    The wire's field parsing strips whitespace around each value. Names are
    case-insensitive: they are lowercased once here, as Headers iteration shows them.
    """
    received = LoweredHeaderList(tuple([(n.lower(), v.strip(" \t")) for n, v in headers]))
    profile = params.profile
    if profile.empty_header_lines_ignored:
        # Profile choice: an engine that drops an empty line when another line of that name
        # has a value (a name with only empty lines stays), and keeps empty
        # Access-Control-Allow-Origin lines always or only when every such line is spelled
        # exactly so.
        with_value = {n for n, v in received if v}
        acao = "access-control-allow-origin"
        keep_acao = profile.empty_allow_origin_line_kept == "always" or all(
            n == "Access-Control-Allow-Origin" for n, _ in headers if n.lower() == acao)
        received = lowercased(h for h in received
                              if h[1] or h[0] not in with_value or (h[0] == acao and keep_acao))
    return received


def append_request_origin_header(params: FetchParams, request: Request) -> str | None:
    """https://fetch.spec.whatwg.org/#append-a-request-origin-header (None: not sent)"""
    t = params.trace
    serialized = serialize_request_origin(request)
    if t is not None and serialized == "null" and not request.origin.opaque:
        t.append(Step(Algorithm.REDIRECT_TAINT, "", Decision.YES, (
            ("url list", " -> ".join(u.href for u in request.url_list)), ("origin", "null"))))
    # 3. response tainting "cors"
    if request.tainting is Tainting.CORS:
        return serialized
    # Profile choice: an engine whose network layer nulls the Origin of a request that is
    # not CORS-handled on any hop to another origin (origin_null_after_cross_origin_hop).
    if params.profile.origin_null_after_cross_origin_hop and serialized != "null" and any(
        not same_origin(a.origin, b.origin) for a, b in itertools.pairwise(request.url_list)
    ):
        serialized = "null"
        if t is not None:
            t.append(Step(Algorithm.REDIRECT_TAINT, "", Decision.YES, (
                ("url list", " -> ".join(u.href for u in request.url_list)), ("origin", "null"))))
    # 4. otherwise only methods other than GET and HEAD (Profile choice: engines that
    # send Origin on same-origin CORS-mode element loads)
    if request.method in ("GET", "HEAD"):
        if request.mode is Mode.CORS and request.api.value in params.profile.element_same_origin_cors_origin:
            return serialized
        # Profile choice: an engine that sends `Origin: null` on a credentialed request from
        # an opaque page to a URL same site with the page's precursor origin.
        if params.profile.opaque_origin_same_site_null and _opaque_same_site_null(params, request):
            if t is not None:
                t.append(Step(Algorithm.APPEND_ORIGIN, "4.2", Decision.SET, (
                    ("method", request.method), ("origin", "null"))))
            return "null"
        # Profile choice: an Origin header kept by a redirect that made the method GET
        # (redirect_keeps_origin_header).
        return request.kept_origin
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


def _opaque_same_site_null(params: FetchParams, request: Request) -> bool:
    """``opaque_origin_same_site_null``: the request's origin is an opaque page's whose
    precursor is known, its credentials mode is "include", and its first URL is same site
    with the precursor; on a later hop, the header stays while the method stays."""
    precursor = params.page_precursor
    if precursor is None or not request.origin.opaque or request.credentials is not Credentials.INCLUDE:
        return False
    if len(request.url_list) > 1:
        last = next((w for w in reversed(params.sent) if not w.preflight), None)
        return last is not None and last.method == request.method and last.origin == "null"
    return same_site(request.url_list[0].origin, precursor)


def _registrable_domain(origin: TupleOrigin) -> str:
    """The host's last two labels (the model has no public suffix list; its names are like
    a.test and api.example), or the whole host for an IP address."""
    host = origin.serialized.split("://", 1)[1]
    if host.startswith("["):
        return host[: host.index("]") + 1]
    host = host.rsplit(":", 1)[0] if ":" in host else host
    if host.replace(".", "").isdigit():
        return host
    return ".".join(host.split(".")[-2:])


def same_site(a: Origin, b: TupleOrigin) -> bool:
    """Schemeful same site: the same scheme and the same registrable domain (ports do not count).

    https://html.spec.whatwg.org/multipage/browsers.html#concept-site-same-site
    """
    return isinstance(a, TupleOrigin) and a.scheme == b.scheme and _registrable_domain(a) == _registrable_domain(b)
