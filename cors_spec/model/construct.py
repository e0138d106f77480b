"""Building a request the way `new Request()` / `fetch()` and XMLHttpRequest do.

Script-level rejections (TypeError, SyntaxError, SecurityError) are results here, not
Python exceptions: they are what the page sees. Forbidden request headers are dropped
silently, as the Headers guard does.
"""

from __future__ import annotations

import attrs

from cors_spec.model.classify import (
    CORS_SAFELISTED_METHODS,
    is_forbidden_method,
    is_forbidden_request_header,
    is_header_value,
    is_no_cors_safelisted_request_header,
    normalize_header_value,
    normalize_method,
)
from cors_spec.model.headers import HeaderList, is_token
from cors_spec.model.origin import Origin, parse_url
from cors_spec.model.profile import Profile
from cors_spec.model.request import Api, Credentials, Mode, Redirect, Request
from cors_spec.model.response import Failure, JsError, Reason
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import ABSENT, Decision, Recorder, Step


@attrs.frozen
class Rejected:
    """The script API threw before anything was sent."""

    failure: Failure
    exception: JsError


_TEXT_PLAIN = "text/plain;charset=UTF-8"


def _throw(
    trace: Recorder | None, algorithm: Algorithm, step: str, reason: Reason, detail: str,
    exception: JsError, facts: tuple[tuple[str, str], ...], url: str = "",
) -> Rejected:
    if trace is not None:
        trace.append(Step(algorithm, step, Decision.THROWN, facts + (("exception", exception.value),)))
    return Rejected(Failure(reason, detail, url), exception)


class _Building:
    """A request's header list being built (``lines``), with the positions of each
    lowercased name, so that appending one header costs O(lines of that name), not O(all
    lines), and "contains" is one dictionary look-up."""

    __slots__ = ("at", "lines")

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.at: dict[str, list[int]] = {}

    def append(self, item: tuple[str, str], lname: str) -> None:
        """Append a header whose name lowercased is ``lname``."""
        lines = self.lines
        positions = self.at.get(lname)
        if positions is None:
            self.at[lname] = [len(lines)]
        else:
            positions.append(len(lines))
        lines.append(item)

    def contains(self, lname: str) -> bool:
        """https://fetch.spec.whatwg.org/#header-list-contains (``lname`` lowercased)"""
        return lname in self.at


def _append_header(
    headers: _Building, name: str, value: str, no_cors: bool,
    trace: Recorder | None, api: Api, profile: Profile | None = None,
) -> Rejected | None:
    """Headers append (fetch) or setRequestHeader (XHR) through the request guard.

    https://fetch.spec.whatwg.org/#concept-headers-append
    """
    exc = JsError.TYPE_ERROR if api is Api.FETCH else JsError.SYNTAX_ERROR
    # 1. normalize the value
    value = normalize_header_value(value)
    # 2. validate: the name must be a token, the value a header value
    if not is_token(name):
        return _throw(trace, Algorithm.HEADER_NAME, "", Reason.INVALID_HEADER_NAME, name, exc,
                      (("name", name),))
    if not is_header_value(value):
        return _throw(trace, Algorithm.HEADER_VALUE, "", Reason.INVALID_HEADER_VALUE, value, exc,
                      (("name", name), ("value", value)))
    _append_valid(headers, name, value, no_cors, trace, api, profile)
    return None


def _append_valid(
    headers: _Building, name: str, value: str, no_cors: bool,
    trace: Recorder | None, api: Api, profile: Profile | None,
) -> None:
    """Headers append from step 3 on, for a name and a value already normalized and
    validated (steps 1-2): the forbidden-name check, XHR's combining, the no-CORS guard."""
    A = Algorithm.HEADERS_APPEND
    lname = name.lower()
    # Profile choice: names an engine still forbids (extra_forbidden_request_headers).
    if is_forbidden_request_header(name, value) or (
            profile is not None and lname in profile.extra_forbidden_request_headers):
        if trace is not None:
            trace.append(Step(Algorithm.FORBIDDEN_REQUEST_HEADER, "", Decision.DROPPED,
                              (("name", name), ("value", value))))
        return
    lines = headers.lines
    present = headers.at.get(lname)  # this name's lines so far: no scan of the whole list
    if api is Api.XHR and present:
        # XHR setRequestHeader combines: the first header's value gets ", value".
        n, v = lines[present[0]]
        lines[present[0]] = (n, v + ", " + value)
        return
    # 3.1-3.4 the no-CORS guard: the combined value must stay no-CORS-safelisted
    if no_cors:
        combined = value if not present else ", ".join([*(lines[i][1] for i in present), value])
        if not is_no_cors_safelisted_request_header(name, combined, profile):
            if trace is not None:
                trace.append(Step(A, "3.4", Decision.DROPPED, (("name", name), ("value", value),
                                  ("guard", "request-no-cors"))))
            return
    # 4. append (reusing the casing of an existing header of that name)
    if present:
        name = lines[present[0]][0]
    headers.append((name, value), lname)
    # 5. removing privileged no-CORS request-headers (Range) is a no-op here: Range is not
    # a no-CORS-safelisted name, so step 3.4 has already refused it.


def construct(
    *,
    api: Api,
    page: Origin,
    page_url: str | None,
    url: str,
    method: str,
    headers: HeaderList,
    mode: Mode,
    credentials: Credentials,
    redirect: Redirect,
    body: str | None,
    upload_listener: bool,
    profile: Profile,
    trace: Recorder | None,
) -> Request | Rejected:
    """The request script's call produces, or the exception it throws."""
    if api is Api.FETCH:
        return _construct_fetch(page, page_url, url, method, headers, mode, credentials, redirect,
                                body, profile, trace)
    return _construct_xhr(page, page_url, url, method, headers, credentials, body,
                          upload_listener, profile, trace)


def _add_defaults(
    headers: _Building, profile: Profile, trace: Recorder | None
) -> None:
    """fetch steps 12-14: `Accept` and `Accept-Language` when absent."""
    for name, value in profile.default_request_headers:
        lname = name.lower()
        if not headers.contains(lname):
            headers.append((name, value), lname)
            if trace is not None:
                trace.append(Step(Algorithm.FETCH, "12" if lname == "accept" else "14",
                                  Decision.SET, (("header", name), ("value", value))))


def _construct_fetch(
    page: Origin, page_url: str | None, url: str, method: str, init_headers: HeaderList,
    mode: Mode, credentials: Credentials, redirect: Redirect, body: str | None,
    profile: Profile, trace: Recorder | None,
) -> Request | Rejected:
    """https://fetch.spec.whatwg.org/#dom-request, then fetch's defaults."""
    A = Algorithm.REQUEST_CONSTRUCTOR
    T = JsError.TYPE_ERROR
    # 5.1-5.2 parse the URL against the page's base URL
    parsed = parse_url(url, page_url)
    if parsed is None:
        return _throw(trace, A, "5.2", Reason.INVALID_URL, url, T, (("url", url),), url)
    # 5.3 no credentials in the URL
    if parsed.includes_credentials:
        return _throw(trace, A, "5.3", Reason.URL_HAS_CREDENTIALS, parsed.href, T,
                      (("url", parsed.href),), parsed.href)
    # 17. "navigate" is not for script
    if mode is Mode.NAVIGATE:
        return _throw(trace, A, "17", Reason.NAVIGATE_MODE, "navigate", T, (("mode", "navigate"),),
                      parsed.href)
    # 25. the method must be a token and not forbidden; then normalized
    if not is_token(method):
        return _throw(trace, A, "25.2", Reason.INVALID_METHOD, method, T, (("method", method),),
                      parsed.href)
    if is_forbidden_method(method):
        return _throw(trace, Algorithm.FORBIDDEN_METHOD, "", Reason.FORBIDDEN_METHOD, method, T,
                      (("method", method),), parsed.href)
    normalized = normalize_method(method)
    if trace is not None and normalized != method:
        trace.append(Step(Algorithm.METHOD_NORMALIZE, "", Decision.SET,
                          (("method", method), ("normalized", normalized))))
    method = normalized
    # 32. no-cors allows only CORS-safelisted methods
    no_cors = mode is Mode.NO_CORS
    if no_cors and method not in CORS_SAFELISTED_METHODS:
        return _throw(trace, A, "32.1", Reason.NO_CORS_METHOD, method, T,
                      (("mode", "no-cors"), ("method", method)), parsed.href)
    # 33. the init headers go through the guard one by one
    headers = _Building()
    for name, value in init_headers:
        rejected = _append_header(headers, name, value, no_cors, trace, Api.FETCH, profile)
        if rejected is not None:
            return attrs.evolve(rejected, failure=attrs.evolve(rejected.failure, url=parsed.href))
    # 35. no body on GET or HEAD
    if body is not None and method in ("GET", "HEAD"):
        return _throw(trace, A, "35", Reason.BODY_WITH_GET_OR_HEAD, method, T,
                      (("method", method), ("body", "present")), parsed.href)
    # 37. a string body brings Content-Type text/plain;charset=UTF-8 unless one is set
    if body is not None and not headers.contains("content-type"):
        # A valid name and value (steps 1-2 would not change them): only the guard runs.
        _append_valid(headers, "Content-Type", _TEXT_PLAIN, no_cors, trace, Api.FETCH, profile)
    _add_defaults(headers, profile, trace)
    return Request(
        method=method,
        url_list=(parsed,),
        headers=tuple(headers.lines),
        origin=page,
        mode=mode,
        credentials=credentials,
        redirect=redirect,
        api=Api.FETCH,
        body=body,
    )


def _construct_xhr(
    page: Origin, page_url: str | None, url: str, method: str, init_headers: HeaderList,
    credentials: Credentials, body: str | None, upload_listener: bool, profile: Profile,
    trace: Recorder | None,
) -> Request | Rejected:
    """XMLHttpRequest open(), setRequestHeader() and send(), as the XHR standard maps
    them onto a fetch request: mode "cors", redirect "follow", withCredentials = include.
    """
    # open() step 5: the method must be a token (SyntaxError) and not forbidden (SecurityError)
    if not is_token(method):
        return _throw(trace, Algorithm.REQUEST_CONSTRUCTOR, "25.2", Reason.INVALID_METHOD, method,
                      JsError.SYNTAX_ERROR, (("method", method), ("api", "xhr")))
    if is_forbidden_method(method):
        return _throw(trace, Algorithm.FORBIDDEN_METHOD, "", Reason.FORBIDDEN_METHOD, method,
                      JsError.SECURITY_ERROR, (("method", method), ("api", "xhr")))
    normalized = normalize_method(method)
    if trace is not None and normalized != method:
        trace.append(Step(Algorithm.METHOD_NORMALIZE, "", Decision.SET,
                          (("method", method), ("normalized", normalized))))
    method = normalized
    # open() step 7: URL parse failure is a SyntaxError; credentials in the URL are allowed
    parsed = parse_url(url, page_url)
    if parsed is None:
        return _throw(trace, Algorithm.REQUEST_CONSTRUCTOR, "5.2", Reason.INVALID_URL, url,
                      JsError.SYNTAX_ERROR, (("url", url), ("api", "xhr")), url)
    headers = _Building()
    for name, value in init_headers:
        rejected = _append_header(headers, name, value, False, trace, Api.XHR, profile)
        if rejected is not None:
            return attrs.evolve(rejected, failure=attrs.evolve(rejected.failure, url=parsed.href))
    # send(): GET and HEAD drop the body; a string body brings a text/plain Content-Type
    if method in ("GET", "HEAD"):
        body = None
    if body is not None and not headers.contains("content-type"):
        headers.append(("Content-Type", _TEXT_PLAIN), "content-type")
    if not headers.contains("accept"):
        headers.append(("Accept", "*/*"), "accept")
    _add_defaults(headers, profile, trace)
    # send(): upload listeners set the upload listener flag, and that flag alone sets the
    # use-CORS-preflight flag, body or not (XHR standard, send() steps 5-6).
    # Profile choice: some engines set the flag only when there is a body.
    use_preflight = upload_listener and (body is not None or not profile.xhr_upload_listener_needs_body)
    if trace is not None and upload_listener:
        trace.append(Step(Algorithm.USE_CORS_PREFLIGHT, "", Decision.SET if use_preflight else Decision.NO,
                          (("upload listener", "yes"), ("body", "present" if body is not None else ABSENT))))
    return Request(
        method=method,
        url_list=(parsed,),
        headers=tuple(headers.lines),
        origin=page,
        mode=Mode.CORS,
        credentials=credentials,
        redirect=Redirect.FOLLOW,
        api=Api.XHR,
        body=body,
        use_cors_preflight=use_preflight,
    )
