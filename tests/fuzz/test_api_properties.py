"""Hypothesis properties of the public API under hostile input (issue 16).

Whatever a caller or a server gives, ``check()`` and ``Browser.fetch/xhr/load`` either
return a Result (which can be explained and serialised) or raise the documented
:class:`cors_spec.InputError`; nothing else escapes, and no call takes more than 2 s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cors_spec import SPEC, Browser, InputError, Result, Route, Routes, check

LIMIT_SECONDS = 2.0
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Header bytes 0x00-0xFF, held one character per byte, and some text beyond.
#: For the formerly known classes: few examples, no shrinking (each input is already minimal).
KNOWN = settings(max_examples=5, deadline=None, derandomize=True, database=None, phases=[Phase.generate])

header_bytes = st.text(st.characters(min_codepoint=0, max_codepoint=0xFF), max_size=40)
any_text = st.text(max_size=40)  # includes lone surrogates
header_names = st.one_of(header_bytes, any_text, st.sampled_from([
    "Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers", "Access-Control-Allow-Credentials", "Access-Control-Max-Age",
    "Location", "Content-Type", "Range", "Authorization", "X-Token"]))
header_values = st.one_of(header_bytes, any_text, st.sampled_from(["*", "null", "https://app.example", "true", "PUT",
                                                                   "x-token", "600", "-1", "bytes=0-"]),
                          st.integers(0, 10**40).map(str))
headers = st.lists(st.tuples(header_names, header_values), max_size=6)
urls = st.one_of(st.sampled_from([
    "https://api.example/x", "http://api.example:6000/", "https://api.example:65536/", "data:,x", "about:blank",
    "//api.example/x", "/relative", "", "https://[::1]/", "https://user:pw@api.example/", "blob:https://a.example/1",
    "https://api.example/\ud800", "https://xn--/", "ftp://api.example/"]), any_text)
origins = st.one_of(st.sampled_from(["https://app.example", "null", "https://api.example", "http://app.example:8080",
                                     "https://app.example/", "", "*", "https://\ud800"]), any_text)
methods = st.one_of(st.sampled_from(["GET", "HEAD", "POST", "PUT", "patch", "DELETE", "OPTIONS", "CONNECT", "TRACE",
                                     "TRACK", ""]), any_text)
statuses = st.one_of(st.sampled_from([0, 99, 100, 200, 204, 299, 301, 302, 303, 307, 308, 404, 999, 1000]),
                     st.integers(-(2**64), 2**64))
profiles = st.sampled_from(["spec", "chromium", "firefox", "webkit"])


def _bounded(call: Callable[[], Result | list[Result]]) -> None:
    started = time.monotonic()
    try:
        out = call()
    except InputError:
        return
    except Exception as e:  # reported short: a RecursionError's 1,000 frames take minutes to format
        raise AssertionError(f"{type(e).__name__}: {str(e)[:200]}") from None
    results = out if isinstance(out, list) else [out]
    for r in results:
        r.explain()
        json.dumps(r.observation())
    assert time.monotonic() - started < LIMIT_SECONDS


@SETTINGS
@given(page=origins, url=urls, method=methods, req=headers, resp=headers, pre=headers, status=statuses,
       pstatus=statuses, credentials=st.sampled_from(["omit", "same-origin", "include", "x"]), profile=profiles)
def test_check_raises_only_input_error(page: str, url: str, method: str, req: list[tuple[str, str]],
                                       resp: list[tuple[str, str]], pre: list[tuple[str, str]], status: int,
                                       pstatus: int, credentials: str, profile: str) -> None:
    _bounded(lambda: check(page, url, method=method, headers=req, response_headers=resp, preflight_headers=pre,
                           status=status, preflight_status=pstatus, credentials=credentials, profile=profile))


routes = st.lists(st.builds(lambda u, s, h, m, loc: Route(u, s, tuple(h) + loc, "", m),
                            urls, statuses, headers, st.sampled_from([None, "OPTIONS", "GET", "PUT"]),
                            st.one_of(st.just(()), urls.map(lambda u: (("Location", u),)))), max_size=5)


@st.composite
def steps(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    api = draw(st.sampled_from(["fetch", "xhr", "load"]))
    kw: dict[str, object] = {"url": draw(urls)}
    if api == "load":
        kw["element"] = draw(st.sampled_from(["img", "script", "module-script", "stylesheet", "font", "media",
                                              "iframe", "video"]))
        kw["crossorigin"] = draw(st.sampled_from([None, "anonymous", "use-credentials", ""]))
    else:
        kw.update(method=draw(methods), headers=draw(headers), body=draw(st.one_of(st.none(), any_text)))
        if api == "fetch":
            kw.update(mode=draw(st.sampled_from(["cors", "no-cors", "same-origin", "navigate", "x"])),
                      credentials=draw(st.sampled_from(["omit", "same-origin", "include"])),
                      redirect=draw(st.sampled_from(["follow", "manual", "error"])))
        else:
            kw.update(with_credentials=draw(st.booleans()), upload_listener=draw(st.booleans()))
    return api, kw


@SETTINGS
@given(page=origins, profile=profiles, server=routes, calls=st.lists(steps(), min_size=1, max_size=4),
       pauses=st.lists(st.floats(0, 1e9), min_size=4, max_size=4))
def test_reused_browser_raises_only_input_error(page: str, profile: str, server: list[Route],
                                                calls: list[tuple[str, dict[str, object]]],
                                                pauses: list[float]) -> None:
    def run() -> list[Result]:
        b = Browser(page, profile)
        out = []
        for (api, kw), pause in zip(calls, pauses):
            b.advance(pause)
            if api == "load":
                args = dict(kw)
                element, url = args.pop("element"), args.pop("url")
                out.append(b.load(element, url, server=Routes(tuple(server)), **args))  # type: ignore[arg-type]
            else:
                out.append(getattr(b, api)(server=Routes(tuple(server)), **kw))
        return out

    _bounded(run)


@SETTINGS
@given(value=st.one_of(st.integers(0, 4300).map(lambda n: "1" * n), header_values), again=st.floats(0, 10))
def test_any_max_age_is_an_answer_not_an_exception(value: str, again: float) -> None:
    """A preflight's max-age, then the cache path (more than 4300 digits: below)."""
    b = Browser("https://app.example")
    server = Routes((Route("https://api.example/x", 204, (("Access-Control-Allow-Origin", "*"),
                                                           ("Access-Control-Allow-Methods", "PUT"),
                                                           ("Access-Control-Max-Age", value)), "", "OPTIONS"),
                     Route("https://api.example/x", 200, (("Access-Control-Allow-Origin", "*"),))))
    _bounded(lambda: [b.fetch("https://api.example/x", method="PUT", body="1", server=server)])
    b.advance(again)
    _bounded(lambda: [b.fetch("https://api.example/x", method="PUT", body="1", server=server)])


@settings(KNOWN)
@given(n=st.integers(4301, 6000))
def test_max_age_of_more_than_4300_digits(n: int) -> None:
    _bounded(lambda: check("https://app.example", "https://api.example/x", method="PUT",
                           preflight_headers={"Access-Control-Allow-Origin": "*",
                                              "Access-Control-Allow-Methods": "PUT",
                                              "Access-Control-Max-Age": "9" * n},
                           response_headers={"Access-Control-Allow-Origin": "*"}))


@settings(KNOWN)
@given(hops=st.integers(20, 150), api=st.sampled_from(["fetch", "xhr", "img"]))
def test_redirect_chains_under_the_highest_redirect_limit(hops: int, api: str) -> None:
    names = [f"https://h{i}.example/" for i in range(hops)] + ["https://end.example/"]
    server = Routes(tuple(Route(names[i], 302, (("Location", names[i + 1]), ("Access-Control-Allow-Origin", "*")))
                          for i in range(hops)) + (Route(names[-1], 200, (("Access-Control-Allow-Origin", "*"),)),))
    b = Browser("https://app.example", attrs.evolve(SPEC, redirect_limit=100))
    _bounded(lambda: b.load("img", names[0], server=server) if api == "img"
             else getattr(b, api)(names[0], server=server))
