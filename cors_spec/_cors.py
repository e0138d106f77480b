"""The CORS check and the evaluation of a CORS-preflight response.

Both are pure: they read header lists and return None (success) or a :class:`Failure`,
appending trace steps when a recorder is given.
"""

from __future__ import annotations

from typing import Final

from ._classify import CORS_NON_WILDCARD_NAMES, REDIRECT_STATUSES, is_cors_safelisted_method
from ._headers import FAILURE, HeaderList, extract_header_list_values, lowered_get
from ._origin import parse_url
from ._profile import Profile
from ._response import Failure, Reason
from ._spec import Algorithm
from ._trace import Decision, Recorder, Step

_ACAO_REASONS: Final = {
    False: (
        Reason.MISSING_ALLOW_ORIGIN_HEADER,
        Reason.WILDCARD_ORIGIN_NOT_ALLOWED,
        Reason.MULTIPLE_ALLOW_ORIGIN_VALUES,
        Reason.INVALID_ALLOW_ORIGIN_VALUE,
        Reason.ALLOW_ORIGIN_MISMATCH,
        Reason.INVALID_ALLOW_CREDENTIALS,
    ),
    True: (
        Reason.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER,
        Reason.PREFLIGHT_WILDCARD_ORIGIN_NOT_ALLOWED,
        Reason.PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES,
        Reason.PREFLIGHT_INVALID_ALLOW_ORIGIN_VALUE,
        Reason.PREFLIGHT_ALLOW_ORIGIN_MISMATCH,
        Reason.PREFLIGHT_INVALID_ALLOW_CREDENTIALS,
    ),
}


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
    missing, wildcard, several, invalid, mismatch, bad_credentials = _ACAO_REASONS[preflight]
    # 1. get Access-Control-Allow-Origin (several lines combine into one value)
    origin = lowered_get(headers, "access-control-allow-origin")
    # 2. absent
    if origin is None:
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "2", Decision.FAILURE,
                              (("access-control-allow-origin", "(absent)"),)))
        return Failure(missing, "", url)
    # 3. wildcard without credentials
    if not include and origin == "*":
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "3", Decision.SUCCESS,
                              (("access-control-allow-origin", "*"), ("credentials mode", "not include"))))
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
                               ("credentials mode", "include" if include else "not include"))))
        return Failure(reason, origin, url)
    # 5. credentials not included: done
    if not include:
        if trace is not None:
            trace.append(Step(Algorithm.CORS_CHECK, "5", Decision.SUCCESS,
                              (("access-control-allow-origin", origin), ("credentials mode", "not include"))))
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
                          (("access-control-allow-credentials", "(absent)" if credentials is None else credentials),
                           ("credentials mode", "include"))))
    return Failure(bad_credentials, credentials or "", url)


def _several_values(combined: str, headers: HeaderList, multiple: str) -> bool:
    """Profile choice: whether a failing Access-Control-Allow-Origin counts as several values."""
    if multiple == "lines":
        return sum(1 for n, _ in headers if n.lower() == "access-control-allow-origin") > 1
    if multiple == "comma":
        return "," in combined
    return "," in combined or " " in combined


def evaluate_preflight(
    *,
    status: int,
    headers: HeaderList,
    serialized_origin: str,
    include: bool,
    method: str,
    request_header_names: tuple[str, ...],
    unsafe_names: tuple[str, ...],
    use_cors_preflight: bool,
    url: str,
    profile: Profile,
    trace: Recorder | None,
    same_origin_target: bool = False,
) -> tuple[list[str], list[str]] | Failure:
    """CORS-preflight fetch step 7: judge the preflight response.

    https://fetch.spec.whatwg.org/#cors-preflight-fetch-0

    Returns the allowed methods and header names (for the cache) or the failure.
    """
    A = Algorithm.CORS_PREFLIGHT_FETCH
    # 7. a CORS check (made with the request's own credentials mode) and an ok status
    ok = 200 <= status <= 299

    def status_failure() -> Failure:
        if trace is not None:
            trace.append(Step(A, "7", Decision.FAILURE, (("status", str(status)), ("ok status", "no"))))
        reason = (Reason.PREFLIGHT_DISALLOWED_REDIRECT if status in REDIRECT_STATUSES
                  else Reason.PREFLIGHT_INVALID_STATUS)
        return Failure(reason, str(status), url)

    # Profile choice: which of the two failures is reported when both fail.
    if profile.preflight_status_checked_first and not ok:
        return status_failure()
    if (profile.preflight_redirect_checked_first and status in REDIRECT_STATUSES
            and lowered_get(headers, "location") is not None):
        return status_failure()
    # Profile choice: an engine that skips the check when the preflight goes to its own origin.
    if not (same_origin_target and profile.preflight_same_origin_skips_cors_check):
        failure = cors_check(serialized_origin, include, headers, url, trace, preflight=True,
                             multiple=profile.allow_origin_multiple)
        if failure is not None:
            return failure
    if not ok:
        return status_failure()
    if trace is not None:
        trace.append(Step(A, "7", Decision.SUCCESS, (("status", str(status)), ("ok status", "yes"))))
    # 7.1-7.2 extract the allow lists
    methods = extract_header_list_values(headers, "access-control-allow-methods")
    header_names = extract_header_list_values(headers, "access-control-allow-headers")
    # 7.3 either fails to parse
    for parsed, name, reason in (
        (methods, "access-control-allow-methods", Reason.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE),
        (header_names, "access-control-allow-headers", Reason.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE),
    ):
        if parsed is FAILURE:
            value = lowered_get(headers, name) or ""
            if trace is not None:
                trace.append(Step(A, "7.3", Decision.FAILURE, ((name, value),)))
            return Failure(reason, value, url)
    assert methods is not FAILURE and header_names is not FAILURE
    # 7.4 the use-CORS-preflight flag with no methods header: the method counts as allowed
    # Profile choice: engines without step 7.4.
    if methods is None:
        methods = [method] if use_cors_preflight and profile.preflight_flag_allows_unlisted_method else []
    if header_names is None:
        header_names = []
    # 7.5 the method
    if method not in methods and not is_cors_safelisted_method(method) and (
        include or "*" not in methods
    ):
        if trace is not None:
            trace.append(Step(A, "7.5", Decision.FAILURE, (
                ("method", method), ("access-control-allow-methods", ", ".join(methods)),
                ("credentials mode", "include" if include else "not include"))))
        return Failure(Reason.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE, method, url)
    if trace is not None:
        trace.append(Step(A, "7.5", Decision.SUCCESS, (
            ("method", method), ("access-control-allow-methods", ", ".join(methods)))))
    lowered = {h.lower() for h in header_names}
    # 7.6 Authorization must be named explicitly (a wildcard never covers it)
    for name in request_header_names:
        lname = name.lower()
        if lname in CORS_NON_WILDCARD_NAMES and lname not in lowered:
            # Profile choice: some engines let a wildcard cover Authorization.
            if profile.wildcard_covers_authorization and not include and "*" in lowered:
                continue
            if trace is not None:
                trace.append(Step(A, "7.6", Decision.FAILURE, (
                    ("header", lname), ("access-control-allow-headers", ", ".join(header_names)))))
            return Failure(Reason.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE, lname, url)
    # 7.7 every CORS-unsafe request-header name
    for lname in unsafe_names:
        if lname not in lowered and (include or "*" not in lowered):
            if trace is not None:
                trace.append(Step(A, "7.7", Decision.FAILURE, (
                    ("header", lname), ("access-control-allow-headers", ", ".join(header_names)),
                    ("credentials mode", "include" if include else "not include"))))
            return Failure(Reason.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE, lname, url)
    if trace is not None:
        trace.append(Step(A, "7.7", Decision.SUCCESS, (
            ("unsafe header names", ",".join(unsafe_names) or "(none)"),
            ("access-control-allow-headers", ", ".join(header_names)))))
    return methods, header_names


def preflight_max_age(headers: HeaderList, profile: Profile, trace: Recorder | None) -> int:
    """CORS-preflight fetch steps 7.8-7.10: the max-age for new cache entries."""
    extracted = extract_header_list_values(headers, "access-control-max-age")
    # 7.9 failure or null: the default
    if extracted is None:
        max_age, why = profile.max_age_default, "absent"
    elif extracted is FAILURE:
        # Profile choice: what an unparsable value means, and a negative one.
        raw = lowered_get(headers, "access-control-max-age") or ""
        if profile.max_age_negative_is_zero and raw.startswith("-") and raw[1:].isdigit():
            max_age, why = 0, "negative: 0"
        elif profile.max_age_plus_sign and raw.startswith("+") and raw[1:].isdigit() and raw[1:].isascii():
            max_age, why = int(raw[1:]), "given with a plus sign"
        else:
            max_age, why = profile.max_age_on_invalid, "invalid"
    else:
        max_age = int(extracted[0])
        why = "given"
    # 7.10 the imposed limit. Profile choice: the cap.
    if profile.max_age_cap is not None and max_age > profile.max_age_cap:
        max_age = profile.max_age_cap
        why = "capped"
    if trace is not None:
        trace.append(Step(Algorithm.CORS_PREFLIGHT_FETCH, "7.10", Decision.SET, (
            ("access-control-max-age", lowered_get(headers, "access-control-max-age") or "(absent)"),
            ("max-age", str(max_age)), ("why", why))))
    return max_age
