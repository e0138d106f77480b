"""The fetch driver end to end, and the properties the model must keep."""

from __future__ import annotations

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cors_spec import PROFILES, Browser, Outcome, Reason, Result, Route, Routes, ServerResponse, WireRequest
from tests.strategies import ORIGINS, header_name, header_value, methods, route_tables, urls

ALLOW_ALL = (
    ("Access-Control-Allow-Origin", "http://a.test"),
    ("Access-Control-Allow-Methods", "PUT, DELETE"),
    ("Access-Control-Allow-Headers", "X-Token"),
)


def test_simple_get_is_not_preflighted_and_carries_origin() -> None:
    r = Browser("http://a.test").fetch("http://b.test/x", server=[Route("http://b.test/x", headers=(("Access-Control-Allow-Origin", "*"),))])
    assert r.outcome is Outcome.CORS
    assert [(s.method, s.origin) for s in r.sent] == [("GET", "http://a.test")]


def test_same_origin_get_has_no_origin_header_but_post_does() -> None:
    b = Browser("http://a.test")
    routes = [Route("http://a.test/x")]
    assert b.fetch("http://a.test/x", server=routes).sent[0].origin is None
    assert b.fetch("http://a.test/x", method="POST", body="", server=routes).sent[0].origin == "http://a.test"


def test_failed_preflight_sends_no_actual_request() -> None:
    r = Browser("http://a.test").fetch("http://b.test/x", method="PUT", server=[Route("http://b.test/x", 204, method="OPTIONS")])
    assert r.reason is Reason.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER
    assert [s.method for s in r.sent] == ["OPTIONS"]


def test_preflight_cache_hit_then_expiry() -> None:
    b = Browser("http://a.test")
    routes = [Route("http://b.test/x", 204, (*ALLOW_ALL, ("Access-Control-Max-Age", "10")), method="OPTIONS"),
              Route("http://b.test/x", 200, ALLOW_ALL)]
    assert len(b.fetch("http://b.test/x", method="PUT", server=routes).sent) == 2
    b.advance(9.5)
    assert len(b.fetch("http://b.test/x", method="PUT", server=routes).sent) == 1
    b.advance(0.5)  # exactly 10 s after storing: gone
    assert len(b.fetch("http://b.test/x", method="PUT", server=routes).sent) == 2


def test_server_callable_sees_the_wire_request() -> None:
    seen: list[WireRequest] = []

    def server(req: WireRequest) -> ServerResponse:
        seen.append(req)
        return ServerResponse(200, (("Access-Control-Allow-Origin", req.origin or ""),))

    r = Browser("http://a.test").fetch("http://b.test/x", headers={"Accept": "text/html"}, server=server)
    assert r.ok
    assert seen[0].header("accept") == "text/html"
    assert seen[0].header("accept-language") == "en-US,en;q=0.9"


Args = tuple[str, str, str, tuple[tuple[str, str], ...], str, str, str, "str | None"]


def _run(browser: Browser, args: Args, server: Routes) -> Result:
    api, url, method, headers, mode, credentials, redirect, body = args
    if api == "xhr":
        return browser.xhr(url, method=method, headers=headers, with_credentials=credentials == "include",
                           body=body, upload_listener=mode == "no-cors", server=server)
    return browser.fetch(url, method=method, headers=headers, mode=mode, credentials=credentials,
                         redirect=redirect, body=body, server=server)


request_args = st.tuples(
    st.sampled_from(["fetch", "xhr"]), urls, methods,
    st.lists(st.tuples(header_name, header_value), max_size=4).map(tuple),
    st.sampled_from(["cors", "no-cors", "same-origin", "navigate"]),
    st.sampled_from(["omit", "same-origin", "include"]),
    st.sampled_from(["follow", "error", "manual"]),
    st.one_of(st.none(), st.just("body")),
)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ORIGINS), request_args, route_tables(), st.sampled_from(sorted(PROFILES)))
def test_no_input_a_page_or_server_can_produce_raises(page: str, args: Args, server: Routes, profile: str) -> None:
    """Any request script can make against any route table, under any profile, gives a Result,
    never an exception; the traced and untraced runs agree; a network error has a reason;
    readable results are basic or cors."""
    traced = _run(Browser(page, profile, trace=True), args, server)
    plain = _run(Browser(page, profile, trace=False), args, server)
    assert attrs.evolve(traced, trace=()) == plain
    assert (traced.outcome is Outcome.NETWORK_ERROR) == (traced.failure is not None)
    if traced.failure is not None and traced.failure.reason.before_network:
        assert traced.sent == ()
    if traced.outcome in (Outcome.OPAQUE, Outcome.OPAQUE_REDIRECT, Outcome.NETWORK_ERROR):
        assert traced.status == 0 and traced.headers == ()
    assert "set-cookie" not in traced.header_names


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(request_args, route_tables())
def test_a_cross_origin_hop_makes_origin_null_from_then_on(args: Args, server: Routes) -> None:
    """Once a redirect goes from one origin to another that is not the page's, every later
    request of that fetch carries Origin: null (or none)."""
    r = _run(Browser("http://a.test", trace=False), args, server)
    tainted = False
    for prev, cur in zip(r.sent, r.sent[1:]):
        prev_origin = prev.url.split("/")[2]
        cur_origin = cur.url.split("/")[2]
        if cur.method != "OPTIONS" and prev_origin != cur_origin and prev_origin != "a.test":
            tainted = True
        if tainted:
            assert cur.origin in (None, "null")


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["PUT", "DELETE", "GET"]), st.sampled_from(["", "X-A", "X-B"]),
                          st.floats(0, 20, allow_nan=False)), min_size=1, max_size=6),
       st.sampled_from(["0", "1", "5", "10", "abc", "-1"]))
def test_cache_never_serves_an_entry_past_expiry(seq: list[tuple[str, str, float]], max_age: str) -> None:
    """A request skips the preflight only while some preflight for it is younger than its max-age."""
    b = Browser("http://a.test", trace=False)
    routes = [Route("http://b.test/x", 204, (*ALLOW_ALL, ("Access-Control-Allow-Headers", "X-A, X-B"),
                                             ("Access-Control-Max-Age", max_age)), method="OPTIONS"),
              Route("http://b.test/x", 200, ALLOW_ALL)]
    effective = int(max_age) if max_age.isdigit() else 5
    preflights: list[float] = []
    for method, header, after in seq:
        b.advance(after)
        r = b.fetch("http://b.test/x", method=method, headers=[(header, "1")] if header else [], server=routes)
        if r.sent and r.sent[0].method == "OPTIONS":
            preflights.append(b.now)
        elif method != "GET" or header:
            assert any(b.now - t < effective for t in preflights)
