"""Profile fields that decide the Origin header a request carries (class by class, each
against the spec default; the goldens named in the fields hold the real engines' runs)."""

from __future__ import annotations

import itertools

import attrs

from cors_spec import PROFILES, SPEC, Browser, Route

NULL_ON_HOP = attrs.evolve(SPEC, name="null-on-hop", origin_null_after_cross_origin_hop=True)


def _origins(browser: Browser, url: str, routes: list[Route], *, mode: str = "no-cors") -> list[str | None]:
    result = browser.fetch(url, method="POST", mode=mode, body="x", server=routes)
    return [w.origin for w in result.sent]


def _chain(*hops: str, status: int = 307, acao: bool = False) -> list[Route]:
    extra = (("Access-Control-Allow-Origin", "*"),) if acao else ()
    routes = [Route(a, status, (("Location", b),) + extra) for a, b in itertools.pairwise(hops)]
    return routes + [Route(hops[-1], 200, extra)]


def test_spec_nulls_origin_only_after_redirect_taint() -> None:
    b = Browser("http://a.test", SPEC)
    assert _origins(b, "http://a.test/1", _chain("http://a.test/1", "http://api.a.test/2")) == [
        "http://a.test", "http://a.test"]
    assert _origins(b, "http://a.test/3", _chain("http://a.test/3", "http://b.test/4", "http://a.test/5")) == [
        "http://a.test", "http://a.test", "null"]


def test_null_from_the_first_cross_origin_hop_of_a_no_cors_request() -> None:
    b = Browser("http://a.test", NULL_ON_HOP)
    assert _origins(b, "http://a.test/1", _chain("http://a.test/1", "http://api.a.test/2")) == [
        "http://a.test", "null"]
    # once null, it stays null, on a same-origin hop and back at the page's origin
    assert _origins(b, "http://a.test/3", _chain("http://a.test/3", "http://b.test/4", "http://a.test/5")) == [
        "http://a.test", "null", "null"]
    assert _origins(b, "http://a.test/6", _chain("http://a.test/6", "http://a.test:8081/7", "http://a.test:8081/8")) == [
        "http://a.test", "null", "null"]
    # a same-origin hop alone keeps the page's origin
    assert _origins(b, "http://b.test/9", _chain("http://b.test/9", "http://b.test/10")) == [
        "http://a.test", "http://a.test"]
    # a 302 makes the POST a GET: no Origin at all
    assert _origins(b, "http://a.test/11", _chain("http://a.test/11", "http://b.test/12", status=302)) == [
        "http://a.test", None]


def test_cors_mode_is_not_affected() -> None:
    b = Browser("http://a.test", NULL_ON_HOP)
    routes = _chain("http://a.test/1", "http://b.test/2", acao=True)
    assert _origins(b, "http://a.test/1", routes, mode="cors") == ["http://a.test", "http://a.test"]


def test_chromium_profile_sets_the_field() -> None:
    assert PROFILES["chromium"].origin_null_after_cross_origin_hop
    assert not PROFILES["firefox"].origin_null_after_cross_origin_hop
    assert not PROFILES["webkit"].origin_null_after_cross_origin_hop
