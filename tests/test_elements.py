"""Element loads: fetch parameters per element and crossorigin value, and what the page gets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cors_spec import Browser, Outcome, Reason, Route
from tests.strategies import response_headers, statuses

PNG = "\x89PNG\r\n\x1a\n\x00\x00"
WOFF2 = "wOF2\x00\x01"
WEBM = "\x1a\x45\xdf\xa3\x00"
OGG = "OggS\x00\x02"
ACAO = (("Access-Control-Allow-Origin", "*"),)


@pytest.mark.parametrize(
    ("crossorigin", "origin_sent", "loaded", "readable", "outcome"),
    [
        # no attribute: no-cors, opaque: shown, canvas tainted
        (None, None, True, False, "opaque"),
        # anonymous: CORS without credentials; ACAO * suffices
        ("anonymous", "http://a.test", True, True, "cors"),
        # use-credentials: ACAO * is rejected, so the image fails to load
        ("use-credentials", "http://a.test", False, None, "network-error"),
    ],
)
def test_img_crossorigin(crossorigin: str | None, origin_sent: str | None, loaded: bool, readable: bool | None,
                         outcome: str) -> None:
    r = Browser("http://a.test").load("img", "http://b.test/i", crossorigin=crossorigin,
                                      server=[Route("http://b.test/i", headers=ACAO, body=PNG)])
    assert r.sent[0].origin == origin_sent
    assert r.element is not None
    assert (r.element.loaded, r.element.readable, r.outcome.value) == (loaded, readable, outcome)
    assert (r.status, r.headers, r.url, r.redirected) == (0, (), "", False)


def test_images_load_whatever_the_status_but_scripts_need_ok() -> None:
    routes = [Route("http://b.test/i", 404, body=PNG), Route("http://b.test/s", 404, (("Content-Type", "text/javascript"),))]
    img = Browser("http://a.test").load("img", "http://b.test/i", server=routes)
    script = Browser("http://a.test").load("script", "http://b.test/s", server=routes)
    assert img.element is not None and img.element.loaded
    assert script.element is not None and not script.element.loaded
    assert script.reason is Reason.LOAD_STATUS_NOT_OK


def test_scripts_and_styles_mime_rules() -> None:
    def load(api: str, ctype: str, nosniff: bool = False) -> Reason | None:
        headers = [("Content-Type", ctype), *([("X-Content-Type-Options", "nosniff")] if nosniff else [])]
        r = Browser("http://a.test").load(api, "http://a.test/r", server=[Route("http://a.test/r", 200, tuple(headers))])
        return r.reason
    assert load("script", "text/plain") is None  # classic scripts are lenient
    assert load("script", "image/gif") is Reason.BLOCKED_BY_MIME_TYPE
    assert load("script", "text/plain", nosniff=True) is Reason.BLOCKED_BY_NOSNIFF
    assert load("module-script", "text/plain") is Reason.LOAD_MIME_TYPE_MISMATCH
    assert load("stylesheet", "text/plain") is Reason.LOAD_MIME_TYPE_MISMATCH
    assert load("stylesheet", "text/css") is None


def test_fonts_are_always_cors_and_media_audio_has_no_probe() -> None:
    font = Browser("http://a.test").load("font", "http://b.test/f", server=[Route("http://b.test/f", body=WOFF2)])
    assert font.reason is Reason.MISSING_ALLOW_ORIGIN_HEADER and font.sent[0].origin == "http://a.test"
    audio = Browser("http://a.test").load("media", "http://b.test/a", server=[Route("http://b.test/a", body=OGG)])
    assert audio.element is not None and audio.element.loaded and audio.element.readable is None
    video = Browser("http://a.test").load("media", "http://b.test/v", server=[Route("http://b.test/v", body=WEBM)])
    assert video.element is not None and video.element.readable is False and video.outcome is Outcome.OPAQUE


def test_iframe_is_a_navigation() -> None:
    cross = Browser("http://a.test").load("iframe", "http://b.test/", server=[Route("http://b.test/")])
    assert cross.sent[0].origin is None
    assert cross.element is not None and cross.element.loaded and cross.element.readable is False
    same = Browser("http://a.test").load("iframe", "http://a.test/p#f", server=[Route("http://a.test/p")])
    assert (same.outcome, same.url) == (Outcome.BASIC, "http://a.test/p")
    denied = Browser("http://a.test").load("iframe", "http://a.test/p",
                                           server=[Route("http://a.test/p", headers=(("X-Frame-Options", "DENY"),))])
    assert denied.element is not None and denied.element.readable is False


@given(st.sampled_from(["img", "script", "stylesheet", "media"]), statuses, response_headers,
       st.sampled_from([PNG, WEBM, OGG, "x"]), st.sampled_from(["http://b.test/r", "http://c.test/r"]))
def test_a_no_cors_element_load_is_never_readable(api: str, status: int, headers: tuple[tuple[str, str], ...],
                                                 body: str, target: str) -> None:
    """Without crossorigin, a cross-origin element load never exposes a readable response."""
    routes = [Route("http://b.test/r", status, headers, body), Route("http://c.test/r", 200, headers, body)]
    r = Browser("http://a.test", trace=False).load(api, "http://b.test/r", server=routes)
    assert r.element is not None
    assert r.element.readable is not True
    assert r.outcome in (Outcome.OPAQUE, Outcome.NETWORK_ERROR)
    assert (r.status, r.headers, r.url) == (0, (), "")


def test_data_url_module_script_and_stylesheet_load() -> None:
    """A `data:` URL answers with its MIME type as the Content-Type (scheme fetch), so a
    JavaScript module script and a text/css stylesheet load, basic and readable."""
    browser = Browser("https://app.example")
    for api, url in (("module-script", "data:text/javascript,export%20default%201"),
                     ("stylesheet", "data:text/css,a%7Bcolor:red%7D")):
        result = browser.load(api, url)
        assert result.failure is None, (api, result.failure)
        assert result.element is not None and result.element.loaded, api


def test_data_url_image_is_blocked_as_a_script() -> None:
    """Main fetch step 20: a script whose MIME type is an image is blocked (before any load)."""
    result = Browser("https://app.example").load("script", "data:image/png,xx")
    assert result.failure is not None and result.failure.reason is Reason.BLOCKED_BY_MIME_TYPE
    assert result.element is not None and not result.element.loaded
