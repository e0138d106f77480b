"""Responses, the result script sees, and why a request failed.

A failure caused by the page's request or the server's answer is a value, never an
exception: :class:`Result` with ``outcome`` NETWORK_ERROR and a :class:`Reason`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from cors_spec.model.headers import HeaderList
from cors_spec.model.request import WireRequest
from cors_spec.model.trace import Step


class Outcome(str, enum.Enum):
    """What script gets: a response type, or a network error.

    https://fetch.spec.whatwg.org/#concept-response-type
    """

    BASIC = "basic"  # same-origin response
    CORS = "cors"  # cross-origin response shared through CORS
    OPAQUE = "opaque"  # no-cors cross-origin response: status 0, nothing readable
    OPAQUE_REDIRECT = "opaqueredirect"  # redirect: "manual" got a redirect
    NETWORK_ERROR = "network-error"  # fetch() rejects with TypeError; XHR fires error


class JsError(str, enum.Enum):
    """The exception script sees."""

    TYPE_ERROR = "TypeError"  # fetch() rejects, or new Request() throws
    SYNTAX_ERROR = "SyntaxError"  # XHR open()/setRequestHeader() with bad syntax
    SECURITY_ERROR = "SecurityError"  # XHR open() with a forbidden method
    NETWORK_ERROR = "NetworkError"  # XHR: the error event (sync XHR would throw)


class Reason(str, enum.Enum):
    """Why a request failed. Names follow Chromium's CorsError where it has the reason.

    Values are stable identifiers used in JSON output and goldens.
    """

    # -- before anything is sent (the request is rejected by script APIs) --
    INVALID_URL = "invalid-url"  # the URL does not parse
    URL_HAS_CREDENTIALS = "url-has-credentials"  # user:pass@ in a fetch() URL
    INVALID_METHOD = "invalid-method"  # not an HTTP token
    FORBIDDEN_METHOD = "forbidden-method"  # CONNECT, TRACE, TRACK
    INVALID_HEADER_NAME = "invalid-header-name"  # not an HTTP token
    INVALID_HEADER_VALUE = "invalid-header-value"  # NUL, CR, LF or a non-byte character
    NAVIGATE_MODE = "navigate-mode"  # mode "navigate" from script
    NO_CORS_METHOD = "no-cors-method"  # mode "no-cors" with a method other than GET/HEAD/POST
    BODY_WITH_GET_OR_HEAD = "body-with-get-or-head"  # a body on GET or HEAD
    # -- main fetch, before the network --
    BAD_PORT = "bad-port"  # a port fetch refuses
    DISALLOWED_BY_MODE = "disallowed-by-mode"  # mode "same-origin" to another origin
    NO_CORS_REDIRECT_MODE = "no-cors-redirect-mode"  # mode "no-cors" with redirect not follow
    CORS_DISABLED_SCHEME = "cors-disabled-scheme"  # a non-HTTP(S) URL that needs CORS
    UNSUPPORTED_SCHEME = "unsupported-scheme"  # a scheme this model does not fetch
    # -- the CORS check on an actual response --
    MISSING_ALLOW_ORIGIN_HEADER = "missing-allow-origin-header"
    WILDCARD_ORIGIN_NOT_ALLOWED = "wildcard-origin-not-allowed"
    MULTIPLE_ALLOW_ORIGIN_VALUES = "multiple-allow-origin-values"
    INVALID_ALLOW_ORIGIN_VALUE = "invalid-allow-origin-value"
    ALLOW_ORIGIN_MISMATCH = "allow-origin-mismatch"
    INVALID_ALLOW_CREDENTIALS = "invalid-allow-credentials"
    # -- the CORS-preflight fetch --
    PREFLIGHT_INVALID_STATUS = "preflight-invalid-status"
    PREFLIGHT_DISALLOWED_REDIRECT = "preflight-disallowed-redirect"
    PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER = "preflight-missing-allow-origin-header"
    PREFLIGHT_WILDCARD_ORIGIN_NOT_ALLOWED = "preflight-wildcard-origin-not-allowed"
    PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES = "preflight-multiple-allow-origin-values"
    PREFLIGHT_INVALID_ALLOW_ORIGIN_VALUE = "preflight-invalid-allow-origin-value"
    PREFLIGHT_ALLOW_ORIGIN_MISMATCH = "preflight-allow-origin-mismatch"
    PREFLIGHT_INVALID_ALLOW_CREDENTIALS = "preflight-invalid-allow-credentials"
    INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE = "invalid-allow-methods-preflight-response"
    INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE = "invalid-allow-headers-preflight-response"
    METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE = "method-disallowed-by-preflight-response"
    HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE = "header-disallowed-by-preflight-response"
    # -- redirects --
    REDIRECT_MODE_ERROR = "redirect-mode-error"  # redirect: "error" got a redirect
    TOO_MANY_REDIRECTS = "too-many-redirects"  # the 21st redirect
    INVALID_LOCATION = "invalid-location"  # Location fails to parse, or appears twice
    REDIRECT_TO_NON_HTTP_SCHEME = "redirect-to-non-http-scheme"
    REDIRECT_CONTAINS_CREDENTIALS = "redirect-contains-credentials"  # user:pass@ in Location
    # -- main fetch step 20 (script and style destinations) --
    BLOCKED_BY_MIME_TYPE = "blocked-by-mime-type"  # a script that is an image, audio, video or CSV
    BLOCKED_BY_NOSNIFF = "blocked-by-nosniff"  # nosniff and not a JavaScript / CSS MIME type
    # -- elements: fetched, but the element fires its error event --
    LOAD_STATUS_NOT_OK = "load-status-not-ok"  # scripts, styles, media need an ok status
    LOAD_MIME_TYPE_MISMATCH = "load-mime-type-mismatch"  # module script not JavaScript, style not text/css
    LOAD_UNDECODABLE = "load-undecodable"  # the body is not an image / font / media resource

    @property
    def before_network(self) -> bool:
        """True when the request never left the page (no `sent` entries)."""
        return self in _BEFORE_NETWORK

    @property
    def from_preflight(self) -> bool:
        """True when the CORS-preflight fetch decided it (its response or its checks)."""
        return self in _PREFLIGHT_REASONS

    @property
    def plain(self) -> Reason:
        """The CORS-check reason of an actual response that this preflight reason refines
        (``preflight-allow-origin-mismatch`` -> ``allow-origin-mismatch``); itself otherwise."""
        return _PREFLIGHT_TO_PLAIN.get(self, self)

    @property
    def preflight(self) -> Reason:
        """The preflight variant of a CORS-check reason; itself for every other reason."""
        return _PLAIN_TO_PREFLIGHT.get(self, self)


_BEFORE_NETWORK = frozenset(
    {
        Reason.INVALID_URL,
        Reason.URL_HAS_CREDENTIALS,
        Reason.INVALID_METHOD,
        Reason.FORBIDDEN_METHOD,
        Reason.INVALID_HEADER_NAME,
        Reason.INVALID_HEADER_VALUE,
        Reason.NAVIGATE_MODE,
        Reason.NO_CORS_METHOD,
        Reason.BODY_WITH_GET_OR_HEAD,
        Reason.BAD_PORT,
        Reason.DISALLOWED_BY_MODE,
        Reason.NO_CORS_REDIRECT_MODE,
        Reason.CORS_DISABLED_SCHEME,
        Reason.UNSUPPORTED_SCHEME,
    }
)


#: The CORS check's reasons, each with its variant when the preflight's response fails it.
#: This is the one place the pairing is written.
_PLAIN_TO_PREFLIGHT = {
    Reason.MISSING_ALLOW_ORIGIN_HEADER: Reason.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER,
    Reason.WILDCARD_ORIGIN_NOT_ALLOWED: Reason.PREFLIGHT_WILDCARD_ORIGIN_NOT_ALLOWED,
    Reason.MULTIPLE_ALLOW_ORIGIN_VALUES: Reason.PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES,
    Reason.INVALID_ALLOW_ORIGIN_VALUE: Reason.PREFLIGHT_INVALID_ALLOW_ORIGIN_VALUE,
    Reason.ALLOW_ORIGIN_MISMATCH: Reason.PREFLIGHT_ALLOW_ORIGIN_MISMATCH,
    Reason.INVALID_ALLOW_CREDENTIALS: Reason.PREFLIGHT_INVALID_ALLOW_CREDENTIALS,
}
_PREFLIGHT_TO_PLAIN = {v: k for k, v in _PLAIN_TO_PREFLIGHT.items()}
_PREFLIGHT_REASONS = frozenset(_PREFLIGHT_TO_PLAIN) | {
    Reason.PREFLIGHT_INVALID_STATUS, Reason.PREFLIGHT_DISALLOWED_REDIRECT,
    Reason.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE, Reason.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE,
    Reason.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE, Reason.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE,
}


@attrs.frozen
class ServerResponse:
    """What the server answered: status, header lines in order, body."""

    status: int = 200
    headers: HeaderList = ()
    body: str = ""


@attrs.frozen
class Failure:
    """Why a fetch ended in a network error, with the value that caused it."""

    reason: Reason
    detail: str = ""  # the offending method, header name or header value, if any
    url: str = ""  # the URL whose response failed (or the request URL)
    # What console messages name besides (set by the fetch driver; defaults when unknown):
    status: int | None = None  # the HTTP status of the response that failed, if one came
    location: str = ""  # the failing response was a redirect to this URL
    body_head: str = ""  # the first bytes of a body an element could not decode


@attrs.frozen
class RequestContext:
    """The request as the console messages name it: the API, the URLs, the page.

    Set on every :class:`Result` the :class:`~cors_spec.Browser` returns.
    """

    profile: str = ""  # the profile the result was computed with
    api: str = "fetch"  # an Api value
    method: str = "GET"
    url_list: tuple[str, ...] = ()  # up to the URL whose response failed, for a failure
    page_origin: str = ""  # the page's serialized origin
    request_origin: str = ""  # the request's serialized origin at the end ("null" once tainted)
    mode: str = "cors"
    credentials: str = "same-origin"
    redirect: str = "follow"
    header_names: tuple[str, ...] = ()  # request header names, as script wrote them
    refused_headers: tuple[str, ...] = ()  # forbidden names script tried to set (dropped)


@attrs.frozen
class ElementLoad:
    """What an element load gives the page (elements only)."""

    loaded: bool  # the element fired its success event (load / loadeddata / font loaded)
    readable: bool | None  # the read probe works (canvas read-back, unmuted errors, cssRules...)
    why: str  # a token: what decided it (the teach catalogues give its words)


@attrs.frozen
class Result:
    """What the page's script gets from one request."""

    outcome: Outcome
    status: int  # 0 when not visible to script
    headers: HeaderList  # readable response headers, lowercased, sorted, combined
    url: str  # Response.url ("" when not exposed)
    redirected: bool
    sent: tuple[WireRequest, ...]  # every request that reached the server, in order
    failure: Failure | None = None
    exception: JsError | None = None  # what script sees when it fails
    body: str | None = None  # readable body (None when not readable)
    trace: tuple[Step, ...] = ()  # empty unless tracing was on
    element: ElementLoad | None = None  # set for element loads (img, script, ...)
    #: What the console messages name (:class:`RequestContext`); given as a value, or as a
    #: function that builds it when ``context`` is first read (most results never are).
    _context: RequestContext | Callable[[], RequestContext] | None = attrs.field(
        default=None, eq=False, repr=False, alias="context")

    @property
    def context(self) -> RequestContext | None:
        """The request as the console messages name it (built on first use)."""
        c = self._context
        if c is None or isinstance(c, RequestContext):
            return c
        built = c()
        object.__setattr__(self, "_context", built)
        return built

    @property
    def ok(self) -> bool:
        """True when script got a response (not a network error)."""
        return self.outcome is not Outcome.NETWORK_ERROR

    @property
    def readable(self) -> bool:
        """True when script can read status, headers and body (basic or cors)."""
        return self.outcome in (Outcome.BASIC, Outcome.CORS)

    @property
    def reason(self) -> Reason | None:
        return None if self.failure is None else self.failure.reason

    @property
    def header_names(self) -> tuple[str, ...]:
        return tuple(sorted({n for n, _ in self.headers}))

    def observation(self) -> dict[str, object]:
        """The format-v1 observation for this request (elements add loaded and readable)."""
        obs: dict[str, object] = {
            "outcome": self.outcome.value,
            "status": self.status,
            "headers": list(self.header_names),
            "redirected": self.redirected,
            "url": self.url,
            "sent": [s.observation() for s in self.sent],
        }
        if self.element is not None:
            obs["loaded"] = self.element.loaded
            obs["readable"] = self.element.readable
        return obs

    @property
    def console(self) -> tuple[str, ...]:
        """The console lines the engine of this result's profile prints, in order."""
        return self.console_for(self.context.profile if self.context is not None else "spec")

    def console_for(self, profile: str) -> tuple[str, ...]:
        """The console lines the engine modelled by ``profile`` prints for this result.

        Meant for the profile the result was computed with: another engine may not even
        fail the same way (``Browser(page, profile)`` gives that engine's own result).
        """
        from cors_spec.engines import render  # the one presentation import the model allows

        return tuple(m.text for m in render(self, profile))

    def explain(self) -> str:
        """The trace rendered for people (plain text)."""
        from cors_spec.teach.render import render_result  # the one presentation import the model allows

        return render_result(self)
