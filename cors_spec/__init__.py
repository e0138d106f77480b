"""cors_spec: what a browser does with a cross-origin request, step by step.

A pure model of the CORS protocol of the WHATWG Fetch standard: give it what a page's
script asks for and what the server answers; it tells what goes on the wire, what script
gets, why a request fails, and a trace of every step with its link into the standard.

>>> from cors_spec import check
>>> r = check("https://app.example", "https://api.example/data", method="PUT",
...           headers={"X-Token": "t"},
...           preflight_headers={"Access-Control-Allow-Origin": "https://app.example"})
>>> r.outcome.value, r.reason.value
('network-error', 'method-disallowed-by-preflight-response')
"""

from ._browser import Browser, check
from ._cache import CacheEntry
from ._errors import InputError
from ._headers import HeaderList
from ._origin import OpaqueOrigin, Origin, TupleOrigin, Url, parse_origin, parse_url, same_origin
from ._profile import PROFILES, SPEC, Profile, get_profile
from ._request import Api, Credentials, CrossOrigin, Destination, Mode, Redirect, Tainting, WireRequest
from ._response import ElementLoad, Failure, JsError, Outcome, Reason, Result, ServerResponse
from ._server import Route, Routes
from ._spec import SPEC_COMMIT, Algorithm
from ._trace import Decision, Recorder, Step

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "SPEC",
    "SPEC_COMMIT",
    "Algorithm",
    "Api",
    "Browser",
    "CacheEntry",
    "Credentials",
    "CrossOrigin",
    "Decision",
    "Destination",
    "ElementLoad",
    "Failure",
    "HeaderList",
    "InputError",
    "JsError",
    "Mode",
    "OpaqueOrigin",
    "Origin",
    "Outcome",
    "Profile",
    "Reason",
    "Recorder",
    "Redirect",
    "Result",
    "Route",
    "Routes",
    "ServerResponse",
    "Step",
    "Tainting",
    "TupleOrigin",
    "Url",
    "WireRequest",
    "__version__",
    "check",
    "get_profile",
    "parse_origin",
    "parse_url",
    "same_origin",
]
