"""Speed of the simulator against Starlette's CORSMiddleware, and CLI cold start.

(a) a preflighted PUT with a custom header, simulated end to end (trace off, trace on);
(b) Starlette's CORSMiddleware answering the same preflight and actual request in-process
    (two direct ASGI calls, no server, no event loop);
(c) `cors-spec run` on one small file, against `python -c pass`.

Run: python3 benchmarks/bench_preflight.py   (prints the times and the ratios)
Targets: (a) trace off <= 0.5 x (b), trace on <= 1.5 x (b); (c) <= 3 x python startup.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from cors_spec import Browser, Route, Routes

ROOT = Path(__file__).resolve().parent.parent
PAGE = "https://app.example"
URL = "https://api.example/items/1"
ROUTES = Routes((
    Route(URL, 200, (("access-control-allow-origin", PAGE), ("access-control-allow-methods", "GET, PUT"),
                     ("access-control-allow-headers", "x-token"), ("access-control-max-age", "600"),
                     ("vary", "Origin")), method="OPTIONS"),
    Route(URL, 200, (("content-type", "application/json"), ("access-control-allow-origin", PAGE), ("vary", "Origin")),
          "{}"),
))


def simulate(trace: bool) -> None:
    r = Browser(PAGE, trace=trace).fetch(URL, method="PUT", headers=(("X-Token", "t"),), body="{}", server=ROUTES)
    assert len(r.sent) == 2 and r.ok


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


def starlette_app() -> Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]:
    from starlette.middleware.cors import CORSMiddleware

    async def app(scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    return CORSMiddleware(app, allow_origins=[PAGE], allow_methods=["GET", "PUT"], allow_headers=["x-token"],
                          max_age=600)


def _scope(method: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "https",
            "path": "/items/1", "raw_path": b"/items/1", "query_string": b"", "root_path": "",
            "headers": [(b"host", b"api.example"), *headers], "server": ("api.example", 443),
            "client": ("127.0.0.1", 5000)}


def _drive(coro: Any) -> None:
    """Run an ASGI call that never suspends, without an event loop."""
    try:
        coro.send(None)
    except StopIteration:
        return
    raise RuntimeError("the ASGI call suspended")  # pragma: no cover


def starlette_round(app: Any, run: Callable[[Any], Any] = _drive) -> None:
    """One preflight and one actual request through the middleware; ``run`` awaits each call
    (default: driven directly, no event loop)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    origin = PAGE.encode()
    for scope in (
        _scope("OPTIONS", [(b"origin", origin), (b"access-control-request-method", b"PUT"),
                           (b"access-control-request-headers", b"x-token")]),
        _scope("PUT", [(b"origin", origin), (b"x-token", b"t"), (b"content-type", b"text/plain;charset=UTF-8")]),
    ):
        run(app(scope, receive, send))
    assert sent[0]["status"] == 200 and len(sent) == 4


def per_call(fn: Callable[[], None], seconds: float = 1.0) -> float:
    """Median seconds per call over several timed batches."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > 0.05:
            break
        n *= 2
    batches: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(batches) < 5:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        batches.append((time.perf_counter() - t0) / n)
    return statistics.median(batches)


def cold(cmd: list[str], runs: int = 15) -> float:
    times: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def hypothesis_share(examples: int = 2000) -> tuple[float, float]:
    """Seconds per example of a hypothesis test drawing browser requests from
    cors_spec.strategies, with and without simulating each one: how much of an oracle
    test's time the simulator takes."""
    from hypothesis import HealthCheck, given, settings

    from cors_spec.strategies import browser_requests

    routes = ROUTES
    config = settings(max_examples=examples, database=None, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))

    @config
    @given(browser_requests(url=URL))
    def draw_only(req: Any) -> None:
        assert req.page

    @config
    @given(browser_requests(url=URL))
    def draw_and_simulate(req: Any) -> None:
        req.run(Browser(req.page, trace=False), routes)

    t0 = time.perf_counter()
    draw_only()
    t1 = time.perf_counter()
    draw_and_simulate()
    t2 = time.perf_counter()
    return (t1 - t0) / examples, (t2 - t1) / examples


def main() -> None:
    app = starlette_app()
    off = per_call(lambda: simulate(False))
    on = per_call(lambda: simulate(True))
    star = per_call(lambda: starlette_round(app))
    loop = asyncio.new_event_loop()
    star_loop = per_call(lambda: starlette_round(app, loop.run_until_complete))
    loop.close()
    print(f"(a) simulate, trace off : {off * 1e6:8.1f} us")
    print(f"(a) simulate, trace on  : {on * 1e6:8.1f} us")
    print(f"(b) starlette CORSMiddleware preflight + actual : {star * 1e6:8.1f} us")
    print(f"    ratio trace off / starlette = {off / star:.2f}  (target <= 0.5)")
    print(f"    ratio trace on  / starlette = {on / star:.2f}  (target <= 1.5)")
    print(f"(b') starlette CORSMiddleware, each call awaited on an asyncio loop : {star_loop * 1e6:8.1f} us")
    print(f"    ratio trace off / starlette on a loop = {off / star_loop:.2f}  (target <= 0.5)")
    print(f"    ratio trace on  / starlette on a loop = {on / star_loop:.2f}  (target <= 1.5)")
    draw, both = hypothesis_share()
    print(f"(d) hypothesis, per example: drawing a request {draw * 1e6:.0f} us; drawing and simulating it "
          f"{both * 1e6:.0f} us (the simulator's share: {(both - draw) / both:.0%})")
    py = cold([sys.executable, "-c", "pass"])
    cli = cold([sys.executable, "-m", "cors_spec", "run", str(ROOT / "examples" / "simple-get-allowed.json")])
    print(f"(c) python -c pass: {py * 1e3:.1f} ms; cors-spec run one file: {cli * 1e3:.1f} ms; "
          f"ratio {cli / py:.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
