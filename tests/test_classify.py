"""Method and header classification tables, and their properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cors_spec.model.classify import (
    cors_unsafe_request_header_names,
    get_decode_split,
    is_cors_safelisted_request_header,
    is_forbidden_method,
    is_forbidden_request_header,
    mime_type_essence,
    normalize_method,
    parse_single_range,
)
from tests.strategies import header_name, header_value


@pytest.mark.parametrize(
    ("method", "normalized"),
    [
        # only the six known methods are upper-cased
        ("get", "GET"), ("Post", "POST"), ("delete", "DELETE"), ("options", "OPTIONS"), ("put", "PUT"),
        ("head", "HEAD"),
        # anything else keeps its case
        ("patch", "patch"), ("Patch", "Patch"), ("QUERY", "QUERY"),
    ],
)
def test_normalize_method(method: str, normalized: str) -> None:
    assert normalize_method(method) == normalized


@pytest.mark.parametrize("method", ["CONNECT", "trace", "Track"])
def test_forbidden_methods_any_case(method: str) -> None:
    assert is_forbidden_method(method)


@pytest.mark.parametrize(
    ("name", "value", "forbidden"),
    [
        # the fixed list, case-insensitively
        ("Cookie", "a=b", True), ("ORIGIN", "x", True), ("Content-Length", "1", True), ("dnt", "1", True),
        # prefixes
        ("Sec-Foo", "1", True), ("Proxy-Authorization", "x", True),
        # method override: forbidden only when it names a forbidden method
        ("X-HTTP-Method-Override", "TRACE", True), ("X-Method-Override", "get, connect", True),
        ("X-HTTP-Method-Override", "PUT", False),
        # ordinary headers
        ("Authorization", "x", False), ("X-Token", "t", False), ("Accept", "*/*", False),
    ],
)
def test_forbidden_request_header(name: str, value: str, forbidden: bool) -> None:
    assert is_forbidden_request_header(name, value) is forbidden


@pytest.mark.parametrize(
    ("name", "value", "safe"),
    [
        # accept: no unsafe bytes
        ("Accept", "*/*", True), ("Accept", "text/html(", False), ("accept", "a" * 128, True),
        ("Accept", "a" * 129, False),
        # accept-language / content-language: a small byte set
        ("Accept-Language", "en-US,en;q=0.9", True), ("Content-Language", "de_DE", False),
        ("Content-Language", "", True),
        # content-type: parsed as a MIME type; three essences
        ("Content-Type", "text/plain", True), ("Content-Type", "Text/Plain; charset=utf-8", True),
        ("Content-Type", "multipart/form-data; boundary=x", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("Content-Type", "application/json", False), ("Content-Type", "text/plain, text/plain", False),
        ("Content-Type", "text/plain; x=\"(\"", False), ("Content-Type", "text/", False),
        # range: one bytes range with a start, no whitespace
        ("Range", "bytes=0-", True), ("Range", "bytes=5-10", True), ("Range", "bytes=-5", False),
        ("Range", "bytes = 0-5", False), ("Range", "bytes=10-5", False), ("Range", "bytes=0-1,3-4", False),
        # anything else
        ("X-Token", "t", False), ("Authorization", "Bearer x", False),
    ],
)
def test_cors_safelisted_request_header(name: str, value: str, safe: bool) -> None:
    assert is_cors_safelisted_request_header(name, value) is safe


def test_safelisted_total_over_1024_makes_all_unsafe() -> None:
    headers = tuple(("Accept", "a" * 128) for _ in range(8))  # exactly 1024
    assert cors_unsafe_request_header_names(headers) == ()
    assert cors_unsafe_request_header_names((*headers, ("Content-Language", "x"))) == (
        "accept", "content-language")


def test_mime_and_range_helpers() -> None:
    assert mime_type_essence("  TEXT/plain ;charset=x") == "text/plain"
    assert mime_type_essence("text") is None
    assert parse_single_range("bytes=-5", allow_whitespace=False) == (None, 5)
    assert parse_single_range("bytes = 1 - 2", allow_whitespace=True) == (1, 2)
    assert get_decode_split('a, "b,c" ,d') == ["a", '"b,c"', "d"]
    assert get_decode_split("") == [""]


@given(st.lists(st.tuples(header_name, header_value), max_size=8).map(tuple))
def test_unsafe_names_are_lowercase_sorted_unique(headers: tuple[tuple[str, str], ...]) -> None:
    """CORS-unsafe request-header names come out byte-lowercased, sorted and unique."""
    names = cors_unsafe_request_header_names(headers)
    assert list(names) == sorted(set(names))
    assert all(n == n.lower() for n in names)
    assert set(names) <= {n.lower() for n, _ in headers}


@given(st.lists(st.sampled_from([("Accept", "*/*"), ("Content-Type", "text/plain"), ("Content-Language", "en"),
                                  ("Range", "bytes=0-"), ("accept-language", "de, en;q=0.5")]),
                max_size=8).map(tuple))
def test_safelisted_headers_within_limit_are_safe(headers: tuple[tuple[str, str], ...]) -> None:
    """Safelisted headers whose values total at most 1024 bytes never need a preflight."""
    assert cors_unsafe_request_header_names(headers) == ()
