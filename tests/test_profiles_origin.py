"""Profile fields that decide the Origin header a request carries (class by class, each
against the spec default; the goldens named in the fields hold the real engines' runs)."""

from __future__ import annotations

import itertools

import attrs
import pytest

from cors_spec import PROFILES, SPEC, Browser, InputError, Route, check

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


# -- opaque_origin_same_site_null: an opaque page's precursor ----------------------------

PNG = (("Content-Type", "image/png"),)


def _img_origins(browser: Browser, url: str, routes: list[Route]) -> list[str | None]:
    return [w.origin for w in browser.load("img", url, server=routes).sent]


def test_credentialed_same_site_get_from_an_opaque_page_carries_null() -> None:
    b = Browser("null", "chromium", page_precursor="http://a.test")
    for url in ("http://a.test/1", "http://api.a.test/2", "http://a.test:8081/3"):
        assert _img_origins(b, url, [Route(url, 200, PNG)]) == ["null"], url
    assert _img_origins(b, "http://b.test/4", [Route("http://b.test/4", 200, PNG)]) == [None]
    # fetch no-cors: only with credentials "include"
    r = b.fetch("http://a.test/5", mode="no-cors", credentials="include", server=[Route("http://a.test/5")])
    assert [w.origin for w in r.sent] == ["null"]
    r = b.fetch("http://a.test/6", mode="no-cors", credentials="omit", server=[Route("http://a.test/6")])
    assert [w.origin for w in r.sent] == [None]


def test_the_first_url_decides_and_the_header_stays_on_later_hops() -> None:
    b = Browser("null", "chromium", page_precursor="http://a.test")
    there = [Route("http://a.test/1", 302, (("Location", "http://b.test/2"),)), Route("http://b.test/2", 200, PNG)]
    back = [Route("http://b.test/3", 302, (("Location", "http://a.test/4"),)), Route("http://a.test/4", 200, PNG)]
    assert _img_origins(b, "http://a.test/1", there) == ["null", "null"]
    assert _img_origins(b, "http://b.test/3", back) == [None, None]


def test_the_precursor_decides_the_site() -> None:
    b = Browser("null", "chromium", page_precursor="http://b.test")
    assert _img_origins(b, "http://b.test:8080/1", [Route("http://b.test:8080/1", 200, PNG)]) == ["null"]
    assert _img_origins(b, "http://a.test/2", [Route("http://a.test/2", 200, PNG)]) == [None]


def test_unknown_precursor_or_spec_profile_sends_none() -> None:
    route = [Route("http://a.test/1", 200, PNG)]
    assert _img_origins(Browser("null", "chromium"), "http://a.test/1", route) == [None]
    assert _img_origins(Browser("null", SPEC, page_precursor="http://a.test"), "http://a.test/1", route) == [None]


def test_check_takes_the_precursor_and_checks_it() -> None:
    r = check("null", "http://a.test/x", profile="chromium", page_precursor="http://a.test",
              response_headers={"Access-Control-Allow-Origin": "null"})
    assert r.ok and [w.origin for w in r.sent] == ["null"]  # a CORS request: null in every profile
    with pytest.raises(InputError, match="page_precursor"):
        check("http://a.test", "http://a.test/x", page_precursor="http://a.test")


@pytest.mark.parametrize(("page", "precursor", "rule"), [
    ("http://a.test", "http://b.test", "applies only when page is 'null'"),
    ("null", "null", "must be a tuple origin"),
    ("null", "not a url", "must be a tuple origin"),
])
def test_a_bad_precursor_is_an_input_error_naming_the_field(page: str, precursor: str, rule: str) -> None:
    with pytest.raises(InputError, match="page_precursor") as info:
        Browser(page, "chromium", page_precursor=precursor)
    assert rule in str(info.value)
