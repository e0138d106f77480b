"""What every fetch algorithm is handed: the fetch params, and the internal response.

The Fetch standard threads a "fetch params" struct through its algorithms; here it
carries what the model needs from outside the request: the profile, the server, the
preflight cache, the clock, the trace recorder and the list of requests put on the wire.
Algorithms are free functions that take it first (as Servo's ``(request, cache, context)``).

https://fetch.spec.whatwg.org/#fetch-params
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from cors_spec.model.classify import REDIRECT_STATUSES
from cors_spec.model.fetch.cache import PreflightCache
from cors_spec.model.headers import LoweredHeaderList, lowered_get
from cors_spec.model.origin import TupleOrigin, Url, parse_url
from cors_spec.model.profile import Profile
from cors_spec.model.request import Request, WireRequest
from cors_spec.model.response import ServerResponse
from cors_spec.model.trace import Step

#: What the model calls to put a request on the wire.
Server = Callable[[WireRequest], ServerResponse]


@attrs.define(slots=True)
class FetchParams:
    """One script request's fetch: its fixed inputs and the state it leaves behind.

    ``cache`` is the browser's preflight cache, updated in place when the preflight stores
    or main fetch clears entries; ``sent`` grows by one entry per request that reaches the server.
    """

    profile: Profile
    server: Server
    cache: PreflightCache
    #: The clock, in seconds (the scenario's ``after``): cache entries expire against it.
    now: float
    #: The trace recorder, or None when nobody asked for a trace (costs nothing then).
    trace: list[Step] | None
    sent: list[WireRequest] = attrs.Factory(list)
    #: For a page whose origin is opaque: the tuple origin it was made from (a sandboxed
    #: frame's document URL's origin), when known. The standard never reads it; a profile
    #: may (``opaque_origin_same_site_null``).
    page_precursor: TupleOrigin | None = None


@attrs.frozen
class InternalResponse:
    """A response before filtering (the standard's internal response).

    https://fetch.spec.whatwg.org/#concept-internal-response
    """

    status: int
    headers: LoweredHeaderList
    body: str
    url_list: tuple[Url, ...]
    #: Set by HTTP fetch for redirect mode "manual": main fetch returns an
    #: opaque-redirect filtered response.
    opaque_redirect: bool = False

    def redirect_target(self, request: Request) -> str:
        """For console messages: the URL a redirect response points to ("" if none)."""
        if self.status not in REDIRECT_STATUSES:
            return ""
        location = lowered_get(self.headers, "location")
        target = None if location is None else parse_url(location, request.current_url.href)
        return "" if target is None else target.href


@attrs.frozen
class Follow:
    """HTTP-redirect fetch's last step: run main fetch again with this request.

    The standard recurses (main fetch -> HTTP fetch -> HTTP-redirect fetch -> main fetch);
    the model returns this to the loop in :func:`~cors_spec.model.fetch.main.fetch`
    instead, so a long redirect chain costs no stack depth.
    """

    request: Request
