"""Header lists: ordered (name, value) pairs that keep the caller's casing.

A header list is a plain tuple of pairs (a dict would lose order, duplicates and casing).
Names compare byte-case-insensitively. These helpers are on the simulator's hot path.
https://fetch.spec.whatwg.org/#concept-header-list
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Final, Literal, NewType

HeaderList = tuple[tuple[str, str], ...]

_TOKEN_RE: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


def is_token(text: str) -> bool:
    """RFC 9110 token: one or more tchar. https://fetch.spec.whatwg.org/#header-name"""
    return _TOKEN_RE.match(text) is not None

#: A header list whose names are lowercased (what a response's header list holds once
#: received: names are case-insensitive, and every reader here compares lowercased names).
#: Only :func:`lowercased` makes one.
LoweredHeaderList = NewType("LoweredHeaderList", HeaderList)


def lowercased(headers: Iterable[tuple[str, str]]) -> LoweredHeaderList:
    """The header list with every name lowercased (values unchanged)."""
    return LoweredHeaderList(tuple([(n.lower(), v) for n, v in headers]))


class _Failure(enum.Enum):
    FAILURE = "failure"


#: The "failure" result of extract header list values.
FAILURE: Final = _Failure.FAILURE
Failure = Literal[_Failure.FAILURE]
Extracted = None | Failure | list[str]


def header_contains(headers: HeaderList, lname: str) -> bool:
    """https://fetch.spec.whatwg.org/#header-list-contains (``lname`` lowercased)"""
    return any(n.lower() == lname for n, _ in headers)


def header_get(headers: HeaderList, lname: str) -> str | None:
    """All values for the name joined by ", ", or None when absent.

    https://fetch.spec.whatwg.org/#concept-header-list-get (``lname`` lowercased)
    """
    values = [v for n, v in headers if n.lower() == lname]
    if not values:
        return None
    return values[0] if len(values) == 1 else ", ".join(values)


def lowered_get(headers: HeaderList, lname: str) -> str | None:
    """``header_get`` for a list whose names are already lowercased (response headers)."""
    values = [v for n, v in headers if n == lname]
    if not values:
        return None
    return values[0] if len(values) == 1 else ", ".join(values)


def header_delete(headers: HeaderList, lname: str) -> HeaderList:
    """https://fetch.spec.whatwg.org/#concept-header-list-delete"""
    return tuple(h for h in headers if h[0].lower() != lname)


def sort_and_combine(headers: HeaderList) -> HeaderList:
    """Lowercased names, sorted, values combined; set-cookie kept separate.

    https://fetch.spec.whatwg.org/#concept-header-list-sort-and-combine
    """
    # One pass into name -> values, then the names sorted: O(n log n) in the lines.
    by_name: dict[str, list[str]] = {}
    for n, v in headers:
        by_name.setdefault(n.lower(), []).append(v)
    out: list[tuple[str, str]] = []
    for lname in sorted(by_name):
        values = by_name[lname]
        if lname == "set-cookie":
            out.extend((lname, v) for v in values)
        else:
            out.append((lname, values[0] if len(values) == 1 else ", ".join(values)))
    return tuple(out)


# The ABNF of the CORS response headers (https://fetch.spec.whatwg.org/#http-new-header-syntax)
# and of Location, as extract header values needs it: list headers take #token,
# Access-Control-Max-Age is a single delta-seconds, Location a single value.
_LIST_OF_TOKENS: Final = frozenset(
    {
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-expose-headers",
    }
)
_SINGLE: Final = frozenset({"access-control-max-age", "location"})


def extract_header_list_values(headers: HeaderList, lname: str) -> Extracted:
    """None when absent, FAILURE when a value breaks its ABNF, else the values in order.

    https://fetch.spec.whatwg.org/#extract-header-list-values

    ``headers`` has lowercased names (the model lowercases response header names once,
    when the response arrives).
    """
    values = [v for n, v in headers if n == lname]
    # 1. absent
    if not values:
        return None
    # 2. a single-valued header given more than once
    if lname in _SINGLE and len(values) > 1:
        return FAILURE
    out: list[str] = []
    # 3-4. extract each header's values
    for value in values:
        if lname in _LIST_OF_TOKENS:
            for item in value.split(","):
                item = item.strip(" \t")
                if not item:
                    continue  # #rule: empty list elements are allowed and ignored
                if not is_token(item):
                    return FAILURE
                out.append(item)
        elif lname == "access-control-max-age":
            if not value or not value.isascii() or not value.isdigit():
                return FAILURE
            out.append(value)
        else:
            out.append(value)
    # 5.
    return out
