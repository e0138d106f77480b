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

from cors_spec.browser import Browser, check
from cors_spec.engines import PROFILES, get_profile
from cors_spec.errors import InputError
from cors_spec.model.fetch.cache import CacheEntry
from cors_spec.model.headers import HeaderList
from cors_spec.model.origin import OpaqueOrigin, Origin, TupleOrigin, Url, parse_origin, parse_url, same_origin
from cors_spec.model.profile import SPEC, Profile
from cors_spec.model.request import Api, Credentials, CrossOrigin, Destination, Mode, Redirect, Tainting, WireRequest
from cors_spec.model.response import ElementLoad, Failure, JsError, Outcome, Reason, Result, ServerResponse
from cors_spec.model.server import Route, Routes
from cors_spec.model.spec import SPEC_COMMIT, Algorithm
from cors_spec.model.trace import Decision, Recorder, Step

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
