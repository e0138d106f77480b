"""Origins by WHATWG URL parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cors_spec import OpaqueOrigin, parse_origin, parse_url, same_origin


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        # default ports are elided
        ("http://a.test:80/x", "http://a.test"), ("https://a.test:443", "https://a.test"),
        ("https://a.test:80", "https://a.test:80"),
        # host case and IDNA
        ("http://A.TEST/", "http://a.test"), ("https://bücher.example/", "https://xn--bcher-kva.example"),
        # IPv4 and IPv6 forms are canonicalised
        ("http://0x7f.1/", "http://127.0.0.1"), ("http://[0:0::1]:8080/", "http://[::1]:8080"),
        # a trailing dot is another host
        ("http://a.test./", "http://a.test."),
        # blob: URLs take the origin of their inner URL
        ("blob:https://a.test/uuid", "https://a.test"),
        # opaque origins
        ("data:text/plain,hi", "null"), ("file:///etc/passwd", "null"),
    ],
)
def test_url_origin(url: str, origin: str) -> None:
    parsed = parse_url(url)
    assert parsed is not None
    assert parsed.origin.serialized == origin


def test_opaque_origins_are_only_same_origin_with_themselves() -> None:
    a, b = OpaqueOrigin(), OpaqueOrigin()
    assert same_origin(a, a)
    assert not same_origin(a, b)
    page = parse_origin("null")
    assert page is not None and page.opaque and page.serialized == "null"


def test_page_origin_rejects_non_origins() -> None:
    assert parse_origin("not a url") is None
    assert parse_origin("data:text/plain,x") is None
    origin = parse_origin("https://app.example/some/path")
    assert origin is not None and origin.serialized == "https://app.example"


@given(st.sampled_from(["http", "https"]), st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,5}){0,2}", fullmatch=True),
       st.one_of(st.none(), st.integers(1, 65535)))
def test_origin_serialization_round_trips(scheme: str, host: str, port: int | None) -> None:
    """Serializing a URL's origin and parsing it again gives the same origin."""
    url = f"{scheme}://{host}" + ("" if port is None else f":{port}") + "/p?q#f"
    parsed = parse_url(url)
    assert parsed is not None
    again = parse_origin(parsed.origin.serialized)
    assert again is not None and same_origin(again, parsed.origin)
    assert again.serialized == parsed.origin.serialized
