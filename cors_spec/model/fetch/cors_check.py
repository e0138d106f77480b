"""The CORS check: does a response share itself with the request's origin?

https://fetch.spec.whatwg.org/#concept-cors-check

Pure: it reads a header list and returns None (success) or a :class:`Failure`, appending
trace steps when a recorder is given.
"""

from __future__ import annotations

from typing import Final

from cors_spec.model.headers import HeaderList, lowered_get
from cors_spec.model.origin import parse_url
from cors_spec.model.response import Failure, Reason
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import ABSENT, Decision, Recorder, Step

#: The CORS check's failure reasons in step order; the preflight's are their variants.
_CHECK: Final = (Reason.MISSING_ALLOW_ORIGIN_HEADER, Reason.WILDCARD_ORIGIN_NOT_ALLOWED,
                 Reason.MULTIPLE_ALLOW_ORIGIN_VALUES, Reason.INVALID_ALLOW_ORIGIN_VALUE,
                 Reason.ALLOW_ORIGIN_MISMATCH, Reason.INVALID_ALLOW_CREDENTIALS)
_PREFLIGHT_CHECK: Final = tuple(r.preflight for r in _CHECK)


def _parses_as_url(value: str) -> bool:
    """Whether the header's bytes, read as UTF-8, parse as a URL (Chromium's test for an
    invalid Access-Control-Allow-Origin value)."""
    try:
        text = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return parse_url(text) is not None


def cors_check(
    serialized_origin: str,
    include: bool,
    headers: HeaderList,
    url: str,
    trace: Recorder | None,
    *,
    preflight: bool = False,
    multiple: str = "comma-or-space",
) -> Failure | None:
    """CORS check: does the response share itself with this origin and credentials mode?

    https://fetch.spec.whatwg.org/#concept-cors-check

    The spec has one failure; the reason refines it the way Chromium's CorsError does:
    missing; `*` with credentials; several values (a comma or a space in the combined
    value); not a URL at all; another origin (any other URL, e.g. with different case or
    a trailing slash); credentials not allowed. What counts as several values is the
    profile's ``allow_origin_multiple`` (``multiple`` here).
    """
    missing, wildcard, several, invalid, mismatch, bad_credentials = _PREFLIGHT_CHECK if preflight else _CHECK
    # 1. get Access-Control-Allow-Origin (several lines combine into one value)
    origin = lowered_get(headers, "access-control-allow-origin")
    # 2. absent
    if origin is None:
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "2", Decision.FAILURE,
                              (("access-control-allow-origin", ABSENT),)))
        return Failure(missing, "", url)
    # 3. wildcard without credentials
    if not include and origin == "*":
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "3", Decision.SUCCESS,
                              (("access-control-allow-origin", "*"), ("credentials mode", "not-include"))))
        return None
    # 4. byte-for-byte comparison with the serialized request origin
    if origin != serialized_origin:
        if origin == "*":
            reason = wildcard
        elif _several_values(origin, headers, multiple):
            reason = several
        elif origin != "null" and not _parses_as_url(origin):
            reason = invalid
        else:
            reason = mismatch
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "4", Decision.FAILURE,
                              (("access-control-allow-origin", origin), ("request origin", serialized_origin),
                               ("credentials mode", "include" if include else "not-include"))))
        return Failure(reason, origin, url)
    # 5. credentials not included: done
    if not include:
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "5", Decision.SUCCESS,
                              (("access-control-allow-origin", origin), ("credentials mode", "not-include"))))
        return None
    # 6-7. Access-Control-Allow-Credentials must be exactly `true`
    credentials = lowered_get(headers, "access-control-allow-credentials")
    if credentials == "true":
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "7", Decision.SUCCESS,
                              (("access-control-allow-origin", origin), ("access-control-allow-credentials", "true"))))
        return None
    # 8.
    if trace is not None:
        trace.append(Step(Algorithm.CORS_CHECK, "8", Decision.FAILURE,
                          (("access-control-allow-credentials", ABSENT if credentials is None else credentials),
                           ("credentials mode", "include"))))
    return Failure(bad_credentials, credentials or "", url)


def _several_values(combined: str, headers: HeaderList, multiple: str) -> bool:
    """Profile choice: whether a failing Access-Control-Allow-Origin counts as several values."""
    if multiple == "lines":
        return sum(1 for n, _ in headers if n.lower() == "access-control-allow-origin") > 1
    if multiple == "comma":
        return "," in combined
    return "," in combined or " " in combined
