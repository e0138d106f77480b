"""Requests: the closed vocabularies of their fields, and the values that go on the wire.

https://fetch.spec.whatwg.org/#concept-request
"""

from __future__ import annotations

import enum
import operator
from typing import Final

import attrs

from cors_spec.model.headers import HeaderList, header_get
from cors_spec.model.origin import Origin, Url


class Api(str, enum.Enum):
    """What started the request: a script API or an element (decides exceptions, console
    wording, and for elements the fetch parameters HTML maps them to)."""

    FETCH = "fetch"  # fetch() / new Request()
    XHR = "xhr"  # XMLHttpRequest
    IMG = "img"  # <img>
    SCRIPT = "script"  # classic <script src>
    MODULE_SCRIPT = "module-script"  # <script type=module src>
    STYLESHEET = "stylesheet"  # <link rel=stylesheet>
    FONT = "font"  # a CSS @font-face source
    MEDIA = "media"  # <video> / <audio>
    IFRAME = "iframe"  # <iframe src>: a navigation

    @property
    def is_element(self) -> bool:
        return self not in (Api.FETCH, Api.XHR)


class CrossOrigin(str, enum.Enum):
    """The crossorigin content attribute (absent is None).

    https://html.spec.whatwg.org/multipage/urls-and-fetching.html#cors-settings-attributes
    """

    ANONYMOUS = "anonymous"  # mode cors, credentials same-origin
    USE_CREDENTIALS = "use-credentials"  # mode cors, credentials include


class Destination(str, enum.Enum):
    """https://fetch.spec.whatwg.org/#concept-request-destination (the values used here)"""

    EMPTY = ""  # fetch() and XHR
    IMAGE = "image"
    SCRIPT = "script"
    STYLE = "style"
    FONT = "font"
    VIDEO = "video"  # media elements
    IFRAME = "iframe"


class Mode(str, enum.Enum):
    """https://fetch.spec.whatwg.org/#concept-request-mode"""

    CORS = "cors"  # cross-origin reads allowed through the CORS protocol
    NO_CORS = "no-cors"  # cross-origin responses come back opaque
    SAME_ORIGIN = "same-origin"  # cross-origin requests fail
    NAVIGATE = "navigate"  # documents only: fetch() rejects it


class Credentials(str, enum.Enum):
    """https://fetch.spec.whatwg.org/#concept-request-credentials-mode"""

    OMIT = "omit"  # never send cookies or HTTP auth
    SAME_ORIGIN = "same-origin"  # only to the page's own origin
    INCLUDE = "include"  # always (XHR withCredentials)


class Redirect(str, enum.Enum):
    """https://fetch.spec.whatwg.org/#concept-request-redirect-mode"""

    FOLLOW = "follow"  # follow up to 20 redirects
    ERROR = "error"  # a redirect is a network error
    MANUAL = "manual"  # hand back an opaque-redirect response


class Tainting(str, enum.Enum):
    """https://fetch.spec.whatwg.org/#concept-request-response-tainting"""

    BASIC = "basic"  # same-origin: everything readable
    CORS = "cors"  # cross-origin, shared by the CORS protocol
    OPAQUE = "opaque"  # cross-origin no-cors: nothing readable


class ReferrerPolicy(str, enum.Enum):
    """The referrer policies that change the Origin header of non-CORS requests.

    https://fetch.spec.whatwg.org/#append-a-request-origin-header step 4.1
    """

    NO_REFERRER = "no-referrer"
    NO_REFERRER_WHEN_DOWNGRADE = "no-referrer-when-downgrade"
    SAME_ORIGIN = "same-origin"
    ORIGIN = "origin"
    STRICT_ORIGIN = "strict-origin"
    ORIGIN_WHEN_CROSS_ORIGIN = "origin-when-cross-origin"
    STRICT_ORIGIN_WHEN_CROSS_ORIGIN = "strict-origin-when-cross-origin"  # the default
    UNSAFE_URL = "unsafe-url"


@attrs.frozen
class Request:
    """A request as fetch sees it after the Request constructor (or XHR send()).

    Redirects derive new values with ``attrs.evolve``; nothing is mutated.
    """

    method: str
    url_list: tuple[Url, ...]
    headers: HeaderList
    origin: Origin  # the page's origin (populate request from client)
    mode: Mode
    credentials: Credentials
    redirect: Redirect
    api: Api
    body: str | None = None
    destination: Destination = Destination.EMPTY
    unsafe_request: bool = True  # set by the Request constructor and XHR
    use_cors_preflight: bool = False  # XHR upload listeners
    needed_preflight: bool = False  # its headers or a hop needed a preflight (sticky engines)
    kept_origin: str | None = None  # an Origin header a method-changing redirect kept
    referrer_policy: ReferrerPolicy = ReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN
    tainting: Tainting = Tainting.BASIC
    redirect_count: int = 0

    @property
    def current_url(self) -> Url:
        return self.url_list[-1]

    def evolve(self, **changes: object) -> Request:
        """``attrs.evolve(self, **changes)`` without evolve's look-ups of every field by name
        (main fetch derives a request from another on every fetch)."""
        values = list(_REQUEST_VALUES(self))
        for name, value in changes.items():
            values[_REQUEST_INDEX[name]] = value
        return Request(*values)


#: Request's fields in ``__init__`` order: Request.evolve passes them positionally.
_REQUEST_FIELDS: Final = tuple(a.name for a in attrs.fields(Request))
if not all(a.init and not a.kw_only and a.alias == a.name for a in attrs.fields(Request)):
    raise TypeError("Request.evolve passes every field positionally")  # pragma: no cover
_REQUEST_VALUES: Final = operator.attrgetter(*_REQUEST_FIELDS)
_REQUEST_INDEX: Final = {name: i for i, name in enumerate(_REQUEST_FIELDS)}


@attrs.frozen
class WireRequest:
    """A request exactly as it reached the server."""

    method: str
    url: str
    headers: HeaderList
    body: str | None = None
    credentials: bool = False  # cookies / HTTP auth would be attached
    preflight: bool = False  # this is a CORS-preflight request

    def header(self, name: str) -> str | None:
        """The combined value of a header, by case-insensitive name."""
        return header_get(self.headers, name.lower())

    @property
    def origin(self) -> str | None:
        return self.header("origin")

    @property
    def acrm(self) -> str | None:
        return self.header("access-control-request-method")

    @property
    def acrh(self) -> str | None:
        return self.header("access-control-request-headers")

    def observation(self) -> dict[str, object]:
        """The `sent` entry of a format-v1 observation (the three headers found in one pass)."""
        found: dict[str, list[str]] = {"origin": [], "access-control-request-method": [],
                                       "access-control-request-headers": []}
        for name, value in self.headers:
            values = found.get(name.lower())
            if values is not None:
                values.append(value)
        origin, acrm, acrh = (", ".join(v) if v else None for v in found.values())
        return {
            "method": self.method,
            "url": self.url,
            "origin": origin,
            "acrm": acrm,
            "acrh": acrh,
        }
