"""Predicates on methods and headers: the Fetch standard's classification tables.

Header names and values are ``str`` whose code points are bytes (0x00-0xFF): the
isomorphic decoding of the bytes on the wire. Every predicate here is pure and cheap; the
hot ones are plain set lookups.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from cors_spec.model.profile import Profile

# https://fetch.spec.whatwg.org/#cors-safelisted-method
CORS_SAFELISTED_METHODS: Final = frozenset({"GET", "HEAD", "POST"})
# https://fetch.spec.whatwg.org/#forbidden-method (compared case-insensitively)
FORBIDDEN_METHODS: Final = frozenset({"connect", "trace", "track"})
# https://fetch.spec.whatwg.org/#concept-method-normalize
_NORMALIZED_METHODS: Final = {
    m.lower(): m for m in ("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT")
}

# https://fetch.spec.whatwg.org/#forbidden-request-header, step 1 (lowercased)
FORBIDDEN_REQUEST_HEADER_NAMES: Final = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
# step 3: forbidden only when a listed method is forbidden
_METHOD_OVERRIDE_NAMES: Final = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)
# https://fetch.spec.whatwg.org/#forbidden-response-header-name
FORBIDDEN_RESPONSE_HEADER_NAMES: Final = frozenset({"set-cookie", "set-cookie2"})
# https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name
CORS_SAFELISTED_RESPONSE_HEADER_NAMES: Final = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)
# https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header-name
NO_CORS_SAFELISTED_NAMES: Final = frozenset(
    {"accept", "accept-language", "content-language", "content-type"}
)
# https://fetch.spec.whatwg.org/#privileged-no-cors-request-header-name
PRIVILEGED_NO_CORS_NAMES: Final = frozenset({"range"})
# https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name
CORS_NON_WILDCARD_NAMES: Final = frozenset({"authorization"})
# https://fetch.spec.whatwg.org/#request-body-header-name
REQUEST_BODY_HEADER_NAMES: Final = frozenset(
    {"content-encoding", "content-language", "content-location", "content-type"}
)
# https://fetch.spec.whatwg.org/#redirect-status
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
# https://fetch.spec.whatwg.org/#null-body-status
NULL_BODY_STATUSES: Final = frozenset({101, 103, 204, 205, 304})
# https://fetch.spec.whatwg.org/#bad-port
BAD_PORTS: Final = frozenset(
    {0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87,
     95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143,
     161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
     563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190,
     5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080}
)

# RFC 9110 token: the syntax of a method and of a header name.
_TOKEN_CHARS: Final = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HTTP_WHITESPACE: Final = "\t\n\r "
_HTTP_TAB_OR_SPACE: Final = "\t "


_UNSAFE_RE: Final = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')
_BAD_VALUE_RE: Final = re.compile(r"[\x00\r\n]|[^\x00-\xff]")
_LANGUAGE_RE: Final = re.compile(r"[0-9A-Za-z *,\-.;=]*\Z")


def is_header_value(value: str) -> bool:
    """No leading/trailing tab or space, no NUL, CR or LF; bytes only.

    https://fetch.spec.whatwg.org/#header-value
    """
    if value != value.strip(_HTTP_TAB_OR_SPACE):
        return False
    return _BAD_VALUE_RE.search(value) is None


def normalize_header_value(value: str) -> str:
    """Strip leading and trailing HTTP whitespace bytes.

    https://fetch.spec.whatwg.org/#concept-header-value-normalize
    """
    return value.strip(_HTTP_WHITESPACE)


def is_forbidden_method(method: str) -> bool:
    """https://fetch.spec.whatwg.org/#forbidden-method"""
    return method.lower() in FORBIDDEN_METHODS


def normalize_method(method: str) -> str:
    """Upper-case only DELETE, GET, HEAD, OPTIONS, POST, PUT.

    https://fetch.spec.whatwg.org/#concept-method-normalize
    """
    return _NORMALIZED_METHODS.get(method.lower(), method)


def is_cors_safelisted_method(method: str) -> bool:
    """GET, HEAD or POST, case-sensitively. https://fetch.spec.whatwg.org/#cors-safelisted-method"""
    return method in CORS_SAFELISTED_METHODS


# The value grammars of Profile.safelisted_client_hints.
_CLIENT_HINT_RES: Final = {
    "decimal": re.compile(r"[0-9]+(?:\.[0-9]+)?"),
    "integer": re.compile(r"[0-9]+"),
    "ect": re.compile(r"slow-2g|2g|3g|4g"),
    "on": re.compile(r"on"),
    "on-any-case": re.compile(r"on", re.IGNORECASE | re.ASCII),
}


def is_forbidden_request_header(name: str, value: str) -> bool:
    """https://fetch.spec.whatwg.org/#forbidden-request-header"""
    lname = name.lower()
    # 1. the fixed list
    if lname in FORBIDDEN_REQUEST_HEADER_NAMES:
        return True
    # 2. proxy- and sec- prefixes
    if lname.startswith(("proxy-", "sec-")):
        return True
    # 3. method-override headers naming a forbidden method
    if lname in _METHOD_OVERRIDE_NAMES:
        return any(is_forbidden_method(m) for m in get_decode_split(value))
    # 4.
    return False


def has_unsafe_byte(value: str) -> bool:
    """https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte"""
    return _UNSAFE_RE.search(value) is not None


def is_cors_safelisted_request_header(name: str, value: str, profile: Profile | None = None) -> bool:
    """https://fetch.spec.whatwg.org/#cors-safelisted-request-header

    ``profile`` carries the engines' departures from these rules (None: the spec's).
    """
    # 1. value longer than 128 bytes
    if len(value) > 128:
        return False
    # 2. switch on the lowercased name
    lname = name.lower()
    if lname == "accept":
        # Profile choice: engines that count bytes 0x80-0xFF as unsafe.
        return not has_unsafe_byte(value) and not (profile is not None and profile.safelist_non_ascii_unsafe
                                                   and not value.isascii())
    if lname in ("accept-language", "content-language"):
        return _LANGUAGE_RE.match(value) is not None
    if lname == "content-type":
        if has_unsafe_byte(value):
            return False
        if profile is not None:
            # Profile choice: non-ASCII bytes, and a trailing empty parameter after another one.
            if profile.safelist_non_ascii_unsafe and not value.isascii():
                return False
            stripped = value.strip(_HTTP_WHITESPACE)
            if (profile.content_type_trailing_empty_parameter_unsafe and stripped.endswith(";")
                    and stripped.count(";") >= 2):
                return False
        # Profile choice: an engine whose parser refuses a list of types.
        if profile is not None and profile.content_type_list_unsafe and len(get_decode_split(value)) > 1:
            return False
        essence = mime_type_essence(value)
        return essence in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "text/plain",
        )
    if lname == "range":
        if profile is not None and profile.range_unit_case_insensitive and value[:5].lower() == "bytes":
            # Profile choice: an engine that reads the unit case-insensitively.
            value = "bytes" + value[5:]
        parsed = parse_single_range(value, allow_whitespace=False)
        if parsed is None or parsed[0] is None:
            return False
        # Profile choice: the largest number an engine's range parser takes.
        limit = None if profile is None else profile.range_max_value
        return limit is None or all(v is None or v <= limit for v in parsed)
    if profile is not None and profile.safelisted_client_hints:
        # Profile choice: client hints an engine safelists when their value parses.
        grammar = _hint_grammars(profile.safelisted_client_hints).get(lname)
        if grammar is not None:
            return _CLIENT_HINT_RES[grammar].fullmatch(value.strip(" \t")) is not None
    return False


@functools.lru_cache(maxsize=16)  # one table per profile, not one per header checked
def _hint_grammars(hints: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(hints)


def is_no_cors_safelisted_request_header(name: str, value: str, profile: Profile | None = None) -> bool:
    """https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header"""
    return name.lower() in NO_CORS_SAFELISTED_NAMES and is_cors_safelisted_request_header(
        name, value, profile
    )


def cors_unsafe_request_header_names(
    headers: tuple[tuple[str, str], ...], profile: Profile | None = None
) -> tuple[str, ...]:
    """Names that need a preflight: lowercased, unique, sorted.

    https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names

    ``profile`` carries the engines' departures (None: the spec): testing the combined
    value of each name instead of each header, another safelisted total or none, and
    keeping a name once per header.
    """
    # Profile choice: combined values, the safelisted total, unique names.
    combined = profile is not None and profile.safelist_combined_values
    limit = 1024 if profile is None else profile.safelist_total_limit
    unique = profile is None or profile.acrh_unique
    if combined:
        merged: dict[str, tuple[str, str]] = {}
        for name, value in headers:
            lname = name.lower()
            if lname in merged:
                first, prev = merged[lname]
                merged[lname] = (first, prev + ", " + value)
            else:
                merged[lname] = (name, value)
        headers = tuple(merged.values())
    unsafe: list[str] = []
    potentially_unsafe: list[str] = []
    size = 0
    # 4. each header is safelisted or not
    for name, value in headers:
        if is_cors_safelisted_request_header(name, value, profile):
            potentially_unsafe.append(name)
            size += len(value)
        else:
            unsafe.append(name)
    # 5. over the safelisted total, they all become unsafe
    if limit is not None and size > limit:
        unsafe.extend(potentially_unsafe)
    if not unsafe:
        return ()
    # 6. convert header names to a sorted-lowercase set
    if not unique:
        return tuple(sorted(n.lower() for n in unsafe))
    return tuple(sorted({n.lower() for n in unsafe}))


# --- MIME type parsing (https://mimesniff.spec.whatwg.org/#parse-a-mime-type) ----------

_MIME_TOKEN: Final = _TOKEN_CHARS


@functools.lru_cache(maxsize=1024)  # pure, and servers repeat their Content-Type values
def mime_type_essence(value: str) -> str | None:
    """The essence of ``value`` parsed as a MIME type, or None when parsing fails.

    Implements the type/subtype part of the MIME Sniffing standard's parser; parameters
    never make the parse fail, so they are only skipped.
    https://mimesniff.spec.whatwg.org/#parse-a-mime-type
    """
    # 1. remove leading and trailing HTTP whitespace
    text = value.strip(_HTTP_WHITESPACE)
    # 3-5. type: up to "/", non-empty, token code points only
    slash = text.find("/")
    if slash <= 0:
        return None
    type_ = text[:slash]
    if not all(c in _MIME_TOKEN for c in type_):
        return None
    # 7-9. subtype: up to ";", trailing whitespace removed, non-empty, token code points
    rest = text[slash + 1 :]
    semi = rest.find(";")
    subtype = (rest if semi < 0 else rest[:semi]).rstrip(_HTTP_WHITESPACE)
    if not subtype or not all(c in _MIME_TOKEN for c in subtype):
        return None
    return f"{type_.lower()}/{subtype.lower()}"


_RANGE_STRICT: Final = re.compile(r"bytes=([0-9]*)-([0-9]*)\Z")
_RANGE_LOOSE: Final = re.compile(r"bytes[\t ]*=[\t ]*([0-9]*)[\t ]*-[\t ]*([0-9]*)\Z")


def parse_single_range(
    value: str, *, allow_whitespace: bool
) -> tuple[int | None, int | None] | None:
    """https://fetch.spec.whatwg.org/#simple-range-header-value; None on failure."""
    m = (_RANGE_LOOSE if allow_whitespace else _RANGE_STRICT).match(value)
    if m is None:
        return None
    start = int(m.group(1)) if m.group(1) else None
    end = int(m.group(2)) if m.group(2) else None
    if start is None and end is None:
        return None
    if start is not None and end is not None and start > end:
        return None
    return (start, end)


def get_decode_split(value: str) -> list[str]:
    """Split a header value on commas outside quoted strings, trimming tab and space.

    https://fetch.spec.whatwg.org/#header-value-get-decode-and-split
    """
    if '"' not in value:
        return [v.strip(_HTTP_TAB_OR_SPACE) for v in value.split(",")]
    values: list[str] = []
    temp = ""
    i = 0
    n = len(value)
    while True:
        while i < n and value[i] not in '",':
            temp += value[i]
            i += 1
        if i < n and value[i] == '"':
            # collect an HTTP quoted string, keeping the quotes (extract-value false)
            j = i + 1
            while j < n and value[j] not in '"\\':
                j += 1
            while j < n and value[j] == "\\":
                j += 2
                while j < n and value[j] not in '"\\':
                    j += 1
            temp += value[i : j + 1]
            i = j + 1
            if i < n:
                continue
        values.append(temp.strip(_HTTP_TAB_OR_SPACE))
        temp = ""
        if i >= n:
            return values
        i += 1  # past the comma
