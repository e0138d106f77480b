"""The public entry point: a page in a browser that makes requests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

import attrs

from cors_spec.engines import get_profile
from cors_spec.errors import InputError
from cors_spec.model.classify import is_forbidden_request_header
from cors_spec.model.construct import Rejected, construct
from cors_spec.model.elements import element_request
from cors_spec.model.fetch import FetchParams, Server, fetch, fetch_element
from cors_spec.model.fetch.cache import PreflightCache
from cors_spec.model.origin import Origin, TupleOrigin, parse_origin, parse_url
from cors_spec.model.profile import Profile
from cors_spec.model.request import Api, Credentials, CrossOrigin, Mode, Redirect
from cors_spec.model.response import ElementLoad, Failure, Outcome, Reason, RequestContext, Result
from cors_spec.model.server import Route, Routes
from cors_spec.model.trace import Step

ServerLike = Server | Routes | Sequence[Route]
HeadersLike = Iterable[tuple[str, str]] | dict[str, str]


def _as_server(server: ServerLike) -> Server:
    if isinstance(server, Routes):
        return server
    if callable(server):
        return server
    return Routes(tuple(server))


def _as_headers(headers: HeadersLike | None) -> tuple[tuple[str, str], ...]:
    if headers is None:
        return ()
    if isinstance(headers, dict):
        return tuple(headers.items())
    return tuple((str(n), str(v)) for n, v in headers)


class Browser:
    """A page at ``page`` (an origin, or "null" for an opaque origin) in a browser profile.

    ``page_precursor`` (only with ``page="null"``) is the tuple origin the opaque origin was
    made from (a sandboxed frame's document's origin), when known.

    The browser keeps its CORS-preflight cache across calls; :meth:`advance` moves its
    virtual clock.

    >>> from cors_spec import Browser, Route
    >>> b = Browser("https://app.example")
    >>> r = b.fetch("https://api.example/data", server=[
    ...     Route("https://api.example/data", headers=(("Access-Control-Allow-Origin", "*"),))])
    >>> r.outcome.value, r.status
    ('cors', 200)
    """

    def __init__(self, page: str = "https://app.example", profile: str | Profile = "spec", *,
                 trace: bool = True, page_precursor: str | None = None) -> None:
        origin = parse_origin(page)
        if origin is None:
            raise InputError("page", "must be an origin such as 'https://app.example', or 'null'", page)
        #: For an opaque page: the tuple origin it was made from (a sandboxed frame's
        #: document's), when known; None: unknown. Only profiles read it.
        self.page_precursor: TupleOrigin | None = parse_precursor(page_precursor, origin)
        if isinstance(profile, str):
            profile = get_profile(profile)
        self.page: Origin = origin
        self._page_url = None if origin.opaque else origin.serialized + "/"
        self.profile: Profile = profile
        self.trace_enabled = trace
        #: The CORS-preflight cache; its network partition key is the page's origin.
        self.cache: PreflightCache = PreflightCache(origin.serialized)
        self.now: float = 0.0

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass on the browser's virtual clock."""
        if not 0 <= seconds <= 2**31:  # NaN compares false: refused too
            raise InputError("after", "must be a finite number of seconds, zero or more (at most 2^31)", str(seconds))
        self.now += seconds

    def fetch(
        self, url: str, *, method: str = "GET", headers: HeadersLike | None = None,
        mode: str | Mode = Mode.CORS, credentials: str | Credentials = Credentials.SAME_ORIGIN,
        redirect: str | Redirect = Redirect.FOLLOW, body: str | None = None,
        server: ServerLike = (),
    ) -> Result:
        """What ``fetch(url, {method, headers, mode, credentials, redirect, body})`` gives."""
        return self._run(Api.FETCH, url, method, headers, _enum(Mode, mode, "mode"),
                         _enum(Credentials, credentials, "credentials"),
                         _enum(Redirect, redirect, "redirect"), body, False, server)

    def xhr(
        self, url: str, *, method: str = "GET", headers: HeadersLike | None = None,
        with_credentials: bool = False, body: str | None = None, upload_listener: bool = False,
        server: ServerLike = (),
    ) -> Result:
        """What an asynchronous XMLHttpRequest ``open(method, url)`` + ``send(body)`` gives."""
        creds = Credentials.INCLUDE if with_credentials else Credentials.SAME_ORIGIN
        return self._run(Api.XHR, url, method, headers, Mode.CORS, creds, Redirect.FOLLOW, body,
                         upload_listener, server)

    def load(
        self, element: str | Api, url: str, *, crossorigin: str | CrossOrigin | None = None,
        server: ServerLike = (),
    ) -> Result:
        """What an element's load gives the page: ``element`` is one of ``img``, ``script``,
        ``module-script``, ``stylesheet``, ``font``, ``media``, ``iframe``.

        The result's ``element`` says whether the element loaded and whether the page can
        read it (canvas read-back, unmuted script errors, cssRules, a usable font face, a
        reachable contentDocument).
        """
        api = element if isinstance(element, Api) else _enum(Api, element, "api")
        if not api.is_element:
            raise InputError("api", "must be an element: " + ", ".join(a.value for a in Api if a.is_element),
                             api.value)
        cross = None if crossorigin is None else _enum(CrossOrigin, crossorigin, "crossorigin")
        if cross is not None and api in (Api.FONT, Api.IFRAME):
            raise InputError("crossorigin", f"does not apply to {api.value}", cross.value)
        trace: list[Step] | None = [] if self.trace_enabled else None
        parsed = parse_url(url, self._page_url)
        if parsed is None:
            # An element with an unparsable URL fires its error event without fetching.
            failure = Failure(Reason.INVALID_URL, url, url)
            return Result(Outcome.NETWORK_ERROR, 0, (), "", False, (), failure, None,
                          trace=tuple(trace) if trace is not None else (),
                          element=ElementLoad(False, None, "the URL does not parse"),
                          context=RequestContext(self.profile.name, api.value, "GET", (url,),
                                                 self.page.serialized, self.page.serialized, "no-cors"))
        request = element_request(api, cross, parsed, self.page, self.profile, trace)
        params = FetchParams(self.profile, _as_server(server), self.cache, self.now, trace,
                             page_precursor=self.page_precursor)
        result = fetch_element(params, request, self.page)
        self.cache = params.cache
        return result

    def _run(
        self, api: Api, url: str, method: str, headers: HeadersLike | None, mode: Mode,
        credentials: Credentials, redirect: Redirect, body: str | None, upload_listener: bool,
        server: ServerLike,
    ) -> Result:
        trace: list[Step] | None = [] if self.trace_enabled else None
        header_list = _as_headers(headers)
        request = construct(
            api=api, page=self.page, page_url=self._page_url, url=url, method=method,
            headers=header_list, mode=mode, credentials=credentials, redirect=redirect,
            body=body, upload_listener=upload_listener, profile=self.profile, trace=trace,
        )
        # For console messages: the forbidden names script tried to set (XHR reports them).
        refused = tuple(n for n, v in header_list if is_forbidden_request_header(n, v))
        if isinstance(request, Rejected):
            context = RequestContext(self.profile.name, api.value, method, (url,), self.page.serialized,
                                     self.page.serialized, mode.value, credentials.value, redirect.value,
                                     tuple(n for n, _ in header_list), refused)
            return Result(Outcome.NETWORK_ERROR, 0, (), "", False, (), request.failure,
                          request.exception, trace=tuple(trace) if trace is not None else (), context=context)
        params = FetchParams(self.profile, _as_server(server), self.cache, self.now, trace,
                             page_precursor=self.page_precursor)
        result = fetch(params, request)
        self.cache = params.cache
        if refused and result.context is not None:
            result = attrs.evolve(result, context=attrs.evolve(result.context, refused_headers=refused))
        return result


def parse_precursor(value: str | None, page: Origin) -> TupleOrigin | None:
    """A page's precursor origin (``page_precursor``): only for an opaque page, and a tuple
    origin (a URL is accepted and its origin taken)."""
    if value is None:
        return None
    if not page.opaque:
        raise InputError("page_precursor", "applies only when page is 'null' (an opaque origin)", value)
    precursor = parse_origin(value)
    if not isinstance(precursor, TupleOrigin):
        raise InputError("page_precursor", "must be a tuple origin such as 'http://a.test' (the origin the "
                         "opaque page was made from)", value)
    return precursor


_E = TypeVar("_E", Mode, Credentials, Redirect, Api, CrossOrigin)


def _enum(kind: type[_E], value: object, field: str) -> _E:
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        raise InputError(field, "must be one of " + ", ".join(repr(m.value) for m in kind), str(value)) from None


def check(
    page: str, url: str, *, method: str = "GET", headers: HeadersLike | None = None,
    credentials: str = "same-origin", response_headers: HeadersLike | None = None,
    preflight_headers: HeadersLike | None = None, status: int = 200, preflight_status: int = 200,
    profile: str = "spec", page_precursor: str | None = None,
) -> Result:
    """One question in one call: would ``fetch()`` from ``page`` read this response?

    ``response_headers`` answer the actual request; ``preflight_headers`` answer the
    OPTIONS preflight, if one is sent. ``page_precursor``: with ``page="null"``, the
    origin the opaque page was made from, when known.

    >>> check("https://app.example", "https://api.example/x",
    ...       response_headers={"Access-Control-Allow-Origin": "https://app.example"}).ok
    True
    """
    routes = (
        Route(url, preflight_status, _as_headers(preflight_headers), "", "OPTIONS"),
        Route(url, status, _as_headers(response_headers), ""),
    )
    return Browser(page, profile, page_precursor=page_precursor).fetch(
        url, method=method, headers=headers, credentials=credentials, server=Routes(routes),
        body="" if method.upper() not in ("GET", "HEAD") else None,
    )


