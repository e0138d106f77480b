"""Profile field media_unplayable_fetched_again: WebKitGTK sends a media load again when its
response (status below 400, no network error) is not media. The cases are the ones measured
in WebKitGTK 2.50.6 (spec_traces/diff-webkit-media-*.json and the matrix behind them)."""

from __future__ import annotations

import attrs
import pytest

from cors_spec import Browser, Route
from cors_spec.model.profile import SPEC
from cors_spec.model.spec import Algorithm

WEBM = "\x1a\x45\xdf\xa3\x00"
WAV = "RIFF\x00\x00\x00\x00WAVEfmt "
NOT_MEDIA = "not media"
ACAO = (("Access-Control-Allow-Origin", "*"),)
SAME = "http://a.test/m"
CROSS = "http://b.test/m"


def _wire(profile: str, url: str, routes: list[Route], crossorigin: str | None = None,
          api: str = "media") -> list[tuple[str, str, str | None]]:
    r = Browser("http://a.test", profile).load(api, url, crossorigin=crossorigin, server=routes)
    return [(s.method, s.url, s.origin) for s in r.sent]


@pytest.mark.parametrize(
    ("status", "body", "times"),
    [
        (200, NOT_MEDIA, 2),
        (200, "", 2),
        (204, "", 2),
        (206, NOT_MEDIA, 2),
        (302, NOT_MEDIA, 2),  # a 3xx without Location is the response
        (304, WEBM, 2),  # a 304 carries no content, whatever the server wrote
        (399, NOT_MEDIA, 2),
        (400, NOT_MEDIA, 1),
        (404, WEBM, 1),
        (500, NOT_MEDIA, 1),
        (200, WEBM, 1),
        (200, WAV, 1),
        (302, WEBM, 1),
    ],
)
def test_webkit_repeats_a_load_below_400_that_is_not_media(status: int, body: str, times: int) -> None:
    routes = [Route(SAME, status, (("Content-Type", "video/mp4"),), body)]
    assert _wire("webkit", SAME, routes) == [("GET", SAME, None)] * times
    assert _wire("spec", SAME, routes) == [("GET", SAME, None)]


@pytest.mark.parametrize("crossorigin", [None, "anonymous", "use-credentials"])
def test_the_repeat_is_a_copy_with_the_same_origin_header(crossorigin: str | None) -> None:
    headers = ACAO if crossorigin != "use-credentials" else (
        ("Access-Control-Allow-Origin", "http://a.test"), ("Access-Control-Allow-Credentials", "true"))
    routes = [Route(CROSS, headers=headers, body=NOT_MEDIA)]
    origin = None if crossorigin is None else "http://a.test"
    assert _wire("webkit", CROSS, routes, crossorigin) == [("GET", CROSS, origin)] * 2


def test_a_cors_failure_is_not_repeated() -> None:
    routes = [Route(CROSS, body=NOT_MEDIA)]  # no Access-Control-Allow-Origin
    assert _wire("webkit", CROSS, routes, "anonymous") == [("GET", CROSS, "http://a.test")]


def test_a_redirect_chain_is_sent_again_whole_in_order() -> None:
    routes = [Route("http://a.test/r", 301, (("Location", "http://b.test/r2"),)),
              Route("http://b.test/r2", 307, (("Location", "http://c.test/t"),)),
              Route("http://c.test/t", body=NOT_MEDIA)]
    chain = [("GET", "http://a.test/r", None), ("GET", "http://b.test/r2", None), ("GET", "http://c.test/t", None)]
    assert _wire("webkit", "http://a.test/r", routes) == chain + chain
    assert _wire("spec", "http://a.test/r", routes) == chain


def test_a_redirect_to_a_cors_failure_is_not_repeated() -> None:
    routes = [Route("http://a.test/r", 307, (("Location", "http://b.test/t"),)),
              Route("http://b.test/t", body=NOT_MEDIA)]
    assert len(_wire("webkit", "http://a.test/r", routes, "anonymous")) == 2


def test_only_media_loads_are_repeated() -> None:
    routes = [Route(SAME, body=NOT_MEDIA)]
    for api in ("img", "script", "stylesheet", "font"):
        assert len(_wire("webkit", SAME, routes, api=api)) == 1, api


def test_the_element_verdict_does_not_change() -> None:
    routes = [Route(SAME, body=NOT_MEDIA)]
    spec = Browser("http://a.test").load("media", SAME, server=routes)
    webkit = Browser("http://a.test", "webkit").load("media", SAME, server=routes)
    assert webkit.element == spec.element
    assert (webkit.outcome, webkit.failure) == (spec.outcome, spec.failure)


def test_the_field_alone_makes_the_repeat_and_the_trace_says_so() -> None:
    assert SPEC.media_unplayable_fetched_again is False
    profile = attrs.evolve(SPEC, name="spec-repeat", media_unplayable_fetched_again=True)
    r = Browser("http://a.test", profile).load("media", SAME, server=[Route(SAME, body=NOT_MEDIA)])
    assert len(r.sent) == 2
    steps = [s for s in r.trace if s.algorithm is Algorithm.FILTERED_RESPONSE
             and ("fetched again", "yes") in s.facts]
    assert len(steps) == 1
