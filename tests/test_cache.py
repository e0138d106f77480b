"""The CORS-preflight cache as the standard keys it, with expiry that drops entries, and the
indexed route table: behaviour that does not depend on how much history there is."""

from __future__ import annotations

from cors_spec import Browser, CacheEntry, Route, Routes, WireRequest
from cors_spec.model.fetch.cache import PreflightCache, clear, match_header, match_method, store
from cors_spec.model.profile import SPEC

PAGE = "https://app.example"
ALLOW = (("access-control-allow-origin", PAGE), ("access-control-allow-methods", "PUT"),
         ("access-control-allow-headers", "x-token"), ("access-control-max-age", "5"))


def _put(b: Browser, url: str) -> list[str]:
    r = b.fetch(url, method="PUT", headers={"X-Token": "t"}, body="",
                server=[Route(url, 200, ALLOW, "", "OPTIONS"), Route(url, 200, ALLOW[:1])])
    assert r.ok, r
    return [s.method for s in r.sent]


def test_the_browser_cache_lists_its_entries_in_storing_order() -> None:
    b = Browser(PAGE)
    _put(b, "https://api.example/a")
    _put(b, "https://api.example/b")
    entries = list(b.cache)
    assert all(isinstance(e, CacheEntry) for e in entries) and len(b.cache) == len(entries) == 4
    assert [(e.url[-1], e.method, e.header_name) for e in entries] == [
        ("a", "PUT", None), ("a", None, "x-token"), ("b", "PUT", None), ("b", None, "x-token")]
    assert b.cache.partition == PAGE


def test_expired_entries_are_dropped_not_only_skipped() -> None:
    b = Browser(PAGE)
    for i in range(50):
        _put(b, f"https://api.example/{i}")
    assert len(b.cache) == 100
    b.advance(10)  # every entry's max-age (5 s) has passed
    _put(b, "https://api.example/new")
    assert len(b.cache) == 2 and {e.url for e in b.cache} == {"https://api.example/new"}


def test_a_cached_preflight_is_used_and_expires_on_time() -> None:
    b = Browser(PAGE)
    assert _put(b, "https://api.example/x") == ["OPTIONS", "PUT"]
    b.advance(4.5)
    assert _put(b, "https://api.example/x") == ["PUT"]
    b.advance(1)
    assert _put(b, "https://api.example/x") == ["OPTIONS", "PUT"]  # the entries had expired


def test_clear_removes_one_origin_and_url_and_nothing_else() -> None:
    cache = PreflightCache(PAGE)
    for url in ("u1", "u2"):
        for include in (False, True):
            store(cache, origin=PAGE, url=url, include=include, methods=["PUT"], header_names=["X-A"],
                  max_age=60, now=0.0, profile=SPEC)
    clear(cache, PAGE, "u1")
    assert {e.url for e in cache} == {"u2"} and len(cache) == 4
    assert match_method(cache, PAGE, "u1", True, "PUT", 1.0, SPEC) is None
    hit = match_header(cache, PAGE, "u2", True, "x-a", 1.0, SPEC)
    assert hit is not None and hit.header_name == "X-A" and hit.credentials


def test_refreshing_one_url_many_times_keeps_the_expiry_heap_small() -> None:
    cache = PreflightCache(PAGE)
    for t in range(5000):
        store(cache, origin=PAGE, url="u", include=False, methods=["PUT"], header_names=["X-A"],
              max_age=10**9, now=float(t), profile=SPEC)
    assert len(cache) == 2 and len(cache._expiry) <= 2 * len(cache) + 64


def test_routes_answer_with_the_first_matching_route_in_table_order() -> None:
    routes = Routes((
        Route("https://b.example/x", 201, (), "any-first"),
        Route("https://b.example/x", 202, (), "options", "OPTIONS"),
        Route("https://b.example/y", 203, (), "put", "PUT"),
        Route("https://b.example/y", 204, (), "any"),
    ))

    def ask(method: str, url: str) -> tuple[int, str]:
        answer = routes(WireRequest(method=method, url=url, headers=(), body=None, credentials=False,
                                    preflight=method == "OPTIONS"))
        return answer.status, answer.body

    assert ask("OPTIONS", "https://b.example/x") == (201, "any-first")
    assert ask("PUT", "https://b.example/y") == (203, "put")
    assert ask("GET", "https://b.example/y") == (204, "any")
    assert ask("GET", "https://b.example/z") == (404, "")
    assert routes == Routes(routes.routes) and hash(routes) == hash(Routes(routes.routes))
    assert "_by_url" not in repr(routes)
