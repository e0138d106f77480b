"""The Fetch standard snapshot this model implements, and the anchors its trace links to.

Every algorithm and definition that a trace record can name is a member of
:class:`Algorithm`; the member's value is the anchor id in the Fetch standard source at
:data:`SPEC_COMMIT`. A test checks each value against the list of ids that snapshot defines.
Moving to a newer snapshot is one deliberate change: the pin, the step labels, the goldens.
"""

from __future__ import annotations

import enum
from typing import Final

#: whatwg/fetch commit whose fetch.bs the step labels follow.
SPEC_COMMIT: Final = "586cd2a44c2a865b37c166dc0740f3fb8bb220d6"
#: Date of that commit.
SPEC_DATE: Final = "2026-07-02"
#: Base of every link.
SPEC_URL: Final = "https://fetch.spec.whatwg.org/"


class Algorithm(str, enum.Enum):
    """A Fetch algorithm or definition a trace step belongs to; the value is its anchor."""

    REQUEST_CONSTRUCTOR = "dom-request"  # new Request(input, init)
    FETCH_METHOD = "dom-global-fetch"  # fetch() and how its promise settles
    HEADERS_APPEND = "concept-headers-append"  # Headers append with its guard
    HEADER_NAME = "header-name"  # header name syntax
    HEADER_VALUE = "header-value"  # header value syntax
    FORBIDDEN_METHOD = "forbidden-method"  # CONNECT, TRACE, TRACK
    METHOD_NORMALIZE = "concept-method-normalize"  # upper-case the six known methods
    FORBIDDEN_REQUEST_HEADER = "forbidden-request-header"  # headers script may not set
    NO_CORS_SAFELISTED_HEADER = "no-cors-safelisted-request-header"  # no-cors guard
    USE_CORS_PREFLIGHT = "use-cors-preflight-flag"  # XHR upload listeners
    CREDENTIALS_MODE = "concept-request-credentials-mode"  # omit / same-origin / include
    FETCH = "concept-fetch"  # fetch: defaults, then main fetch
    POPULATE_FROM_CLIENT = "populate-request-from-client"  # request origin = page origin
    MAIN_FETCH = "concept-main-fetch"  # picks tainting and branch, filters the response
    BAD_PORT = "block-bad-port"  # ports fetch refuses
    SCHEME_FETCH = "concept-scheme-fetch"  # data: and friends, and the no-CORS path
    HTTP_FETCH = "concept-http-fetch"  # preflight, CORS check, redirects
    HTTP_REDIRECT_FETCH = "concept-http-redirect-fetch"  # following a redirect
    LOCATION_URL = "concept-response-location-url"  # parsing Location
    HTTP_NETWORK_OR_CACHE_FETCH = "concept-http-network-or-cache-fetch"  # what goes on the wire
    APPEND_ORIGIN = "append-a-request-origin-header"  # when Origin is sent
    REDIRECT_TAINT = "concept-request-tainted-origin"  # Origin becomes null after hops
    CORS_PREFLIGHT_FETCH = "cors-preflight-fetch-0"  # OPTIONS and its evaluation
    CORS_UNSAFE_NAMES = "cors-unsafe-request-header-names"  # names needing a preflight
    CORS_SAFELISTED_METHOD = "cors-safelisted-method"  # GET, HEAD, POST
    CORS_SAFELISTED_HEADER = "cors-safelisted-request-header"  # value rules
    CORS_CHECK = "concept-cors-check"  # Access-Control-Allow-Origin / -Credentials
    EXTRACT_HEADER_LIST_VALUES = "extract-header-list-values"  # list header parsing
    CACHE_MATCH_METHOD = "concept-cache-match-method"  # preflight cache, by method
    CACHE_MATCH_HEADER = "concept-cache-match-header"  # preflight cache, by header name
    CACHE_CREATE_ENTRY = "concept-cache-create-entry"  # preflight cache, storing
    CACHE_CLEAR = "concept-cache-clear"  # preflight cache, clearing on failure
    MAX_AGE = "http-access-control-max-age"  # Access-Control-Max-Age
    BASIC_FILTERED = "concept-filtered-response-basic"  # type basic
    CORS_FILTERED = "concept-filtered-response-cors"  # type cors
    OPAQUE_FILTERED = "concept-filtered-response-opaque"  # type opaque
    OPAQUE_REDIRECT_FILTERED = "concept-filtered-response-opaque-redirect"  # opaqueredirect
    EXPOSED_HEADER_NAMES = "concept-response-cors-exposed-header-name-list"  # expose list
    NETWORK_ERROR = "concept-network-error"  # type error
    BLOCKED_MIME_TYPE = "should-response-to-request-be-blocked-due-to-mime-type?"  # main fetch 20
    BLOCKED_NOSNIFF = "should-response-to-request-be-blocked-due-to-nosniff?"  # main fetch 20
    DESTINATION = "concept-request-destination"  # an element's fetch parameters
    FILTERED_RESPONSE = "concept-filtered-response"  # what an element lets the page see

    @property
    def url(self) -> str:
        """The link to this algorithm in the standard."""
        return f"{SPEC_URL}#{self.value}"

