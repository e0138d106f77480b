"""Linear cost inside the documented limits (issue 16; docs/limits.md).

Each case runs at 20,000 lines, names or methods, where a quadratic path took 8-32 s on
the machine that found it and a linear one takes well under 0.2 s. The bound is an alarm
of ALARM seconds (generous, so a slow machine does not fail), plus, where a helper was
the quadratic one, a count of its calls.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

import pytest

from cors_spec import Browser, Route, Routes
from cors_spec.model import headers as headers_module

N = 20_000
ALARM = 8  # seconds; a quadratic path at N takes longer than this
URL = "https://api.example/x"
ACAO = ("Access-Control-Allow-Origin", "*")
PAGE = "https://app.example"


@contextlib.contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"not done in {seconds} s: a quadratic path?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _preflight(*extra: tuple[str, str]) -> Route:
    return Route(URL, 204, (ACAO, *extra), "", "OPTIONS")


def request_headers() -> None:
    server = Routes((_preflight(("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "*")),
                     Route(URL, 200, (ACAO,))))
    r = Browser(PAGE).fetch(URL, method="PUT", headers=[(f"X-H{i}", "v") for i in range(N)], body="",
                            server=server)
    assert r.ok


def request_headers_one_name_xhr() -> None:
    server = Routes((_preflight(("Access-Control-Allow-Headers", "*")), Route(URL, 200, (ACAO,))))
    r = Browser(PAGE).xhr(URL, headers=[("X-A", "v")] * N, server=server)
    assert r.ok


def response_headers_aceh_star() -> None:
    server = Routes((Route(URL, 200, (ACAO, ("Access-Control-Expose-Headers", "*"),
                                      *((f"X-R{i}", "v") for i in range(N)))),))
    r = Browser(PAGE).fetch(URL, server=server)
    assert r.ok and len(r.headers) >= N


def acah_names_twice() -> None:
    server = Routes((_preflight(("Access-Control-Allow-Methods", "PUT"),
                                ("Access-Control-Allow-Headers", ", ".join(f"X-H{i}" for i in range(N)))),
                     Route(URL, 200, (ACAO,))))
    b = Browser(PAGE)
    for _ in range(2):  # the second is a cache hit
        assert b.fetch(URL, method="PUT", headers=[("X-H1", "v")], body="", server=server).ok


def acam_methods() -> None:
    server = Routes((_preflight(("Access-Control-Allow-Methods", ", ".join(f"M{i}" for i in range(N)))),
                     Route(URL, 200, (ACAO,))))
    b = Browser(PAGE)
    for _ in range(2):
        assert b.fetch(URL, method="M1", body="", server=server).ok


CASES: dict[str, Callable[[], None]] = {
    "20,000 request headers": request_headers,
    "20,000 setRequestHeader calls of one name": request_headers_one_name_xhr,
    "20,000 response headers, ACEH *": response_headers_aceh_star,
    "ACAH of 20,000 names, twice": acah_names_twice,
    "ACAM of 20,000 methods, twice": acam_methods,
}


@pytest.mark.parametrize("case", list(CASES))
def test_linear_at_20000(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = headers_module.header_get

    def counted(headers: headers_module.HeaderList, lname: str) -> str | None:
        nonlocal calls
        calls += 1
        return real(headers, lname)

    monkeypatch.setattr(headers_module, "header_get", counted)
    with _alarm(ALARM):
        CASES[case]()
    assert calls < 100, f"header_get (a scan of the whole list) called {calls} times"


def test_a_long_paste_is_linear() -> None:
    from cors_spec.teach.diagnose import MAX_PASTE, diagnose

    line = ("Access to fetch at 'https://api.example/x' from origin 'https://app.example' has been blocked by "
            "CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\n")
    text = line * (MAX_PASTE // len(line))
    with _alarm(ALARM):
        assert diagnose(text) is not None
