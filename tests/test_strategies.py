"""The oracle's hypothesis strategies draw what real pages and browsers produce."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cors_spec import Browser, InputError, Outcome, parse_origin
from cors_spec.intent import BrowserRequest, Intent
from cors_spec.model.classify import is_cors_safelisted_request_header
from cors_spec.model.headers import FAILURE, extract_header_list_values
from cors_spec.model.request import Api, Mode
from cors_spec.strategies import (
    browser_requests,
    cors_response_headers,
    malformed_values,
    methods,
    near_misses,
    origins,
    request_headers,
    request_sequences,
    safelist_edge_values,
)

INTENT = Intent.from_dict({"origins": ["https://app.example", "https://*.example.org"], "methods": ["PUT"],
                           "headers": ["X-Token"], "credentials": True})


def test_near_misses_of_an_origin() -> None:
    misses = near_misses("https://example.com")
    for expected in ["http://example.com", "https://example.com:8443", "https://example.com.evil.test",
                     "https://evilexample.com", "https://evil-example.com", "https://evil.example.com",
                     "https://example.com.", "https://examplexcom", "null"]:
        assert expected in misses, expected
    assert any(m.startswith("https://xn--") for m in misses)  # an IDN look-alike, as browsers send it
    # Case folds back to the origin itself: browsers lowercase hosts, so it is no near miss.
    assert "https://example.com" not in misses
    assert parse_origin("https://EXAMPLE.com") == parse_origin("https://example.com")


def test_near_misses_of_a_pattern_and_ports() -> None:
    misses = near_misses("https://*.example.org")
    assert "https://example.org" in misses and "https://x.example.org.evil.test" in misses
    assert not any(INTENT.allows_origin(m) for m in misses if m.endswith(".evil.test"))
    assert "https://app.example" in near_misses("https://app.example:8443")


@given(origins(INTENT))
def test_origins_are_serialized_as_browsers_send_them(origin: str) -> None:
    o = parse_origin(origin)
    assert o is not None and o.serialized == origin


@settings(max_examples=300)
@given(st.data())
def test_origins_hit_allowed_and_near_misses(data: st.DataObject) -> None:
    drawn = {data.draw(origins(INTENT)) for _ in range(40)}
    assert any(INTENT.allows_origin(o) for o in drawn) or len(drawn) < 3


def test_safelist_edge_values_straddle_each_rule() -> None:
    for name in ["Accept", "Accept-Language", "Content-Language", "Content-Type", "Range"]:
        values = safelist_edge_values(name)
        safe = [v for v in values if is_cors_safelisted_request_header(name, v)]
        unsafe = [v for v in values if not is_cors_safelisted_request_header(name, v)]
        assert safe and unsafe, name


@given(methods(INTENT), request_headers(INTENT))
def test_methods_and_headers_are_what_script_can_pass(method: str, headers: tuple[tuple[str, str], ...]) -> None:
    assert method and all(c.isalpha() for c in method)
    assert all(n and "\n" not in v for n, v in headers)


@settings(max_examples=200)
@given(browser_requests(INTENT, "https://api.example/x"))
def test_requests_run_in_the_model(req: BrowserRequest) -> None:
    if req.method.upper() in ("GET", "HEAD"):
        assert req.body is None
    if req.api is Api.XHR:
        assert req.mode is Mode.CORS
    else:
        assert not req.upload_listener
    try:
        result = req.run(Browser(req.page), lambda w: __import__("cors_spec").ServerResponse(204))
    except InputError as e:  # pragma: no cover - a strategy bug
        raise AssertionError(f"generated an invalid request: {e}") from e
    assert result.outcome in Outcome


@given(request_sequences(INTENT, max_size=3))
def test_sequences(seq: list[BrowserRequest]) -> None:
    assert 1 <= len(seq) <= 3
    assert seq[0].after == 0


@given(cors_response_headers("https://app.example", valid=True))
def test_valid_response_headers_parse(headers: tuple[tuple[str, str], ...]) -> None:
    lowered = tuple((n.lower(), v) for n, v in headers)
    for name in ["access-control-allow-methods", "access-control-allow-headers", "access-control-expose-headers",
                 "access-control-max-age"]:
        assert extract_header_list_values(lowered, name) is not FAILURE


@given(cors_response_headers("https://app.example", valid=False))
def test_malformed_response_headers_break_the_cors_protocol(headers: tuple[tuple[str, str], ...]) -> None:
    # A malformed header other than Access-Control-Max-Age (whose failure means "use the
    # default") and Access-Control-Expose-Headers (whose failure only exposes nothing extra)
    # means a preflight answered with the set never lets a credentialed PUT with X-Token
    # through.
    bad = malformed_values("https://app.example")
    harmless = ("Access-Control-Max-Age", "Access-Control-Expose-Headers")
    assume(any(v in bad[n] for n, v in headers if n not in harmless))
    routes = lambda w: __import__("cors_spec").ServerResponse(200, headers)  # noqa: E731
    r = Browser("https://app.example").fetch("https://api.example/", method="PUT", headers={"X-Token": "t"},
                                             credentials="include", body="", server=routes)
    assert r.outcome is Outcome.NETWORK_ERROR
