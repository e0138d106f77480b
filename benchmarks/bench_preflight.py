"""Every speed figure of the simulator, as ratios measured side by side in one run.

History (a Browser keeps its preflight cache across requests):
  (h1) one Browser, preflighted credentialed PUTs to distinct URLs, a server that is a function:
       cost of the last 2,000 / the first 2,000 of 16,000 requests;
  (h2) the same against a table of 10,000 routes (one route per URL, answering both the
       preflight and the request), one request per route in table order: last / first 2,000.
One exchange (a preflighted credentialed PUT with a custom header, a fresh Browser each time):
  (a) the library, trace off and trace on;
  (b) Starlette's CORSMiddleware answering the same preflight and request, driven directly;
  (m) a minimal hand-written decision of the same exchange (a speed floor, not a model);
  (b') Starlette on an asyncio event loop (for information).
CLI (subprocess, so only the command line is used):
  (r) `cors-spec run --json`, per request, on a file of 1,000 requests (the most a scenario holds) to distinct URLs and on
      one of 1,000 requests to one URL, against the library with the trace on doing the same;
  (c) cold start of `cors-spec run --json` on a one-request file against `python -c pass`, with
      the package's bytecode cached (as installed), and for information with none;
  (s) peak RSS of `cors-spec run` over 2,000 and over 20,000 small scenario files.

Run:  python3 benchmarks/bench_preflight.py [--quick] [--json] [--skip SECTIONS] [--baseline REV]
Only the public API and the CLI are used, so the benchmark does not depend on module layout
and runs against an older commit too: --baseline REV measures an export of REV's package and
the working tree's, in alternating child processes of this same script, and prints both.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cors_spec import Browser, Route, Routes, ServerResponse, WireRequest

PAGE = "https://app.example"
URL = "https://api.example/items/1"
PREFLIGHT_HEADERS = (("access-control-allow-origin", PAGE), ("access-control-allow-credentials", "true"),
                     ("access-control-allow-methods", "GET, PUT"), ("access-control-allow-headers", "x-token"),
                     ("access-control-max-age", "600"), ("vary", "Origin"))
ACTUAL_HEADERS = (("content-type", "application/json"), ("access-control-allow-origin", PAGE),
                  ("access-control-allow-credentials", "true"), ("vary", "Origin"))
ROUTES = Routes((
    Route(URL, 200, PREFLIGHT_HEADERS, method="OPTIONS"),
    Route(URL, 200, ACTUAL_HEADERS, "{}"),
))
# One route per URL answering both the preflight and the request (used for tables and files).
BOTH_HEADERS = (("access-control-allow-origin", PAGE), ("access-control-allow-credentials", "true"),
                ("access-control-allow-methods", "GET, PUT"), ("access-control-allow-headers", "x-token"),
                ("access-control-max-age", "600"), ("content-type", "application/json"), ("vary", "Origin"))


def put(browser: Browser, url: str, server: Any) -> None:
    r = browser.fetch(url, method="PUT", headers=(("X-Token", "t"),), body="{}", credentials="include",
                      server=server)
    assert r.ok, r


def simulate(trace: bool) -> None:
    r = Browser(PAGE, trace=trace).fetch(URL, method="PUT", headers=(("X-Token", "t"),), body="{}",
                                         credentials="include", server=ROUTES)
    assert len(r.sent) == 2 and r.ok


# --- (m) a minimal hand-written decision of the same exchange -------------------------------

MIN_ROUTES: dict[tuple[str, str], tuple[int, tuple[tuple[str, str], ...], str]] = {
    ("OPTIONS", URL): (200, PREFLIGHT_HEADERS, ""),
    ("PUT", URL): (200, ACTUAL_HEADERS, "{}"),
}
SAFELISTED_RESPONSE = frozenset({"cache-control", "content-language", "content-length", "content-type",
                                 "expires", "last-modified", "pragma"})


def _headers(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    d: dict[str, str] = {}
    for n, v in pairs:
        n = n.lower()
        d[n] = d[n] + ", " + v if n in d else v
    return d


def _cors_ok(h: dict[str, str], origin: str) -> bool:
    return h.get("access-control-allow-origin") == origin and h.get("access-control-allow-credentials") == "true"


def minimal(cache: dict[tuple[str, str, bool], tuple[set[str], set[str], float]] | None = None,
            ) -> tuple[int, list[str], str]:
    """A credentialed PUT with X-Token from PAGE to URL: preflight unless cached, check it,
    store it, send the request, check it, filter the headers. A speed floor, not a model."""
    cache = {} if cache is None else cache
    method, origin, url, now = "PUT", PAGE, URL, 0.0
    script_headers = (("X-Token", "t"),)
    names = sorted(n.lower() for n, _ in script_headers)
    wire = [("origin", origin), *((n.lower(), v) for n, v in script_headers),
            ("content-type", "text/plain;charset=UTF-8")]
    key = (origin, url, True)
    entry = cache.get(key)
    if entry is None or entry[2] <= now or method not in entry[0] or not all(n in entry[1] for n in names):
        _preflight = [("accept", "*/*"), ("origin", origin), ("access-control-request-method", method),
                      ("access-control-request-headers", ",".join(names))]
        status, raw, _ = MIN_ROUTES[("OPTIONS", url)]
        h = _headers(raw)
        if not 200 <= status < 300 or not _cors_ok(h, origin):
            raise RuntimeError("preflight failed")
        methods = {m.strip() for m in h.get("access-control-allow-methods", "").split(",")}
        allowed = {n.strip().lower() for n in h.get("access-control-allow-headers", "").split(",")}
        if method not in methods or not all(n in allowed for n in names):
            raise RuntimeError("preflight disallows")
        cache[key] = (methods, allowed, now + int(h.get("access-control-max-age", "5")))
    _actual = (method, url, wire, "{}", True)
    status, raw, body = MIN_ROUTES[(method, url)]
    h = _headers(raw)
    if not _cors_ok(h, origin):
        raise RuntimeError("CORS check failed")
    exposed = {n.strip().lower() for n in h.get("access-control-expose-headers", "").split(",")}
    return status, sorted(n for n in h if n in SAFELISTED_RESPONSE or n in exposed), body


# --- (b) Starlette's CORSMiddleware, driven directly ----------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


def starlette_app() -> Any:
    from starlette.middleware.cors import CORSMiddleware

    async def app(scope: Scope, receive: Callable[[], Awaitable[Message]],
                  send: Callable[[Message], Awaitable[None]]) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    return CORSMiddleware(app, allow_origins=[PAGE], allow_methods=["GET", "PUT"], allow_headers=["x-token"],
                          allow_credentials=True, max_age=600)


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
    """One preflight and one actual request through the middleware."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    origin = PAGE.encode()
    for scope in (
        _scope("OPTIONS", [(b"origin", origin), (b"access-control-request-method", b"PUT"),
                           (b"access-control-request-headers", b"x-token")]),
        _scope("PUT", [(b"origin", origin), (b"cookie", b"s=1"), (b"x-token", b"t"),
                       (b"content-type", b"text/plain;charset=UTF-8")]),
    ):
        run(app(scope, receive, send))
    assert sent[0]["status"] == 200 and len(sent) == 4
    assert (b"access-control-allow-credentials", b"true") in sent[2]["headers"]


# --- timing helpers --------------------------------------------------------------------------

def per_call(fn: Callable[[], object], seconds: float) -> float:
    """Median seconds per call over several timed batches."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > 0.02:
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


def interleaved(fns: dict[str, Callable[[], object]], seconds: float, rounds: int = 3) -> dict[str, float]:
    """per_call for each function, in interleaved rounds; the best round's median for each, so
    that a slow moment of the machine does not land on one side of a ratio only."""
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, fn in fns.items():
            t = per_call(fn, seconds / rounds)
            best[name] = min(best.get(name, t), t)
    return best


def child_env() -> dict[str, str]:
    """The environment of CLI children: the package this process imported comes first, so
    library and CLI figures are of the same code (``python -m`` would otherwise put the
    working directory first)."""
    import cors_spec

    home = str(Path(cors_spec.__file__).resolve().parent.parent)
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [home, e.get("PYTHONPATH", "")]))
    return e


ENV = child_env()
CWD = tempfile.gettempdir()  # not the checkout: `python -m` puts the working directory on sys.path


def bytecode_envs(cache: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Child environments for the cold start: with the package's bytecode cached (in
    ``cache``, not in the checkout), as an installed package has it; and with no bytecode
    written or read for it (``PYTHONDONTWRITEBYTECODE``: every run compiles the package's
    source, while the standard library's and the dependencies' bytecode is still used)."""
    cached = {k: v for k, v in ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(cache)
    uncached = {k: v for k, v in ENV.items() if k != "PYTHONPYCACHEPREFIX"}
    uncached["PYTHONDONTWRITEBYTECODE"] = "1"
    return cached, uncached


def walls(cmds: dict[str, list[str]], runs: int, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall time of each command (output discarded), run in interleaved rounds; the fastest
    run of each, so that a busy moment of the machine does not land on one side only."""
    best: dict[str, float] = {}
    for _ in range(runs):
        for name, cmd in cmds.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=CWD, env=ENV if env is None else env)
            dt = time.perf_counter() - t0
            best[name] = min(best.get(name, dt), dt)
    return best


#: Runs ``python -m cors_spec ARGS`` and, at exit, writes the process's own peak resident set
#: (``VmHWM``) to stderr. The kernel's ``ru_maxrss`` of a child cannot be used: it keeps the
#: high-water mark of the memory the child had before ``exec``, which is the benchmark's own.
_RSS_PROBE = (
    "import atexit, runpy, sys\n"
    "def _hwm():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('\\nVmHWM ' + line.split()[1] + '\\n')\n"
    "atexit.register(_hwm)\n"
    "sys.argv = ['cors_spec', *sys.argv[1:]]\n"
    "runpy.run_module('cors_spec', run_name='__main__')\n"
)


def peak_rss_mb(args: list[str]) -> tuple[float, float]:
    """Peak resident set of one ``cors-spec`` child process (MB), as the child itself
    reports it, and its wall time (s)."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _RSS_PROBE, *args], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, cwd=CWD, env=ENV, check=False)
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"cors-spec {args[:2]} exited {p.returncode}: {p.stderr[-500:]}")
    kb = [line.split()[1] for line in p.stderr.splitlines() if line.startswith("VmHWM ")]
    return int(kb[-1]) / 1024, elapsed


CLI = [sys.executable, "-m", "cors_spec"]


# --- (h) history ------------------------------------------------------------------------------

def answer(request: WireRequest) -> ServerResponse:
    """A server with no route table: every URL answers the preflight and the request."""
    if request.method == "OPTIONS":
        return ServerResponse(200, PREFLIGHT_HEADERS, "")
    return ServerResponse(200, ACTUAL_HEADERS, "{}")


def history(n: int, window: int, table: bool, budget: float) -> tuple[float, float, int]:
    """Seconds per request of the first and the last ``window`` of ``n`` preflighted
    credentialed PUTs to distinct URLs in one Browser (trace off), and how many requests were
    made: a run that exceeds ``budget`` seconds stops after the window under way."""
    urls = [f"https://api.example/items/{i}" for i in range(n)]
    server: Any = Routes(tuple(Route(u, 200, BOTH_HEADERS, "{}") for u in urls)) if table else answer
    b = Browser(PAGE, trace=False)
    t_first = t_last = 0.0
    deadline = time.perf_counter() + budget
    done = 0
    for start in range(0, n, window):
        t0 = time.perf_counter()
        for u in urls[start:start + window]:
            put(b, u, server)
        t_last = time.perf_counter() - t0
        done = start + window
        if start == 0:
            t_first = t_last
        if time.perf_counter() > deadline:
            break
    return t_first / window, t_last / window, done


# --- (r, c, s) the CLI --------------------------------------------------------------------------

def scenario(name: str, urls: list[str], routes: list[str]) -> dict[str, object]:
    return {
        "name": name, "page": PAGE,
        "requests": [{"method": "PUT", "url": u, "headers": [["X-Token", "t"]], "body": "{}",
                      "credentials": "include"} for u in urls],
        "server": [{"url": u, "headers": [list(h) for h in BOTH_HEADERS], "body": "{}"} for u in routes],
    }


def library_like_file(urls: list[str], routes: list[str], trace: bool) -> float:
    """The library doing what `cors-spec run` does for one such file: seconds per request."""
    server = Routes(tuple(Route(u, 200, BOTH_HEADERS, "{}") for u in routes))
    t0 = time.perf_counter()
    b = Browser(PAGE, trace=trace)
    for u in urls:
        put(b, u, server)
    return (time.perf_counter() - t0) / len(urls)


def write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


# --- main -----------------------------------------------------------------------------------

class Table:
    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []

    def add(self, key: str, label: str, value: float, unit: str, goal: float | None = None,
            note: str = "") -> None:
        status = "" if goal is None else ("PASS" if value <= goal else "MISS")
        self.rows.append({"key": key, "measure": label, "value": round(value, 4), "unit": unit,
                          "goal": goal, "status": status, "note": note})

    def print(self) -> None:
        w = max(len(str(r["measure"])) for r in self.rows)
        print(f"{'measure':<{w}}  {'value':>12}  {'goal':>8}  status")
        print("-" * (w + 32))
        for r in self.rows:
            v = float(str(r["value"]))
            unit = str(r["unit"])
            shown = f"{v:.2f}x" if unit == "x" else f"{v:.1f} {unit}"
            goal = "" if r["goal"] is None else f"<= {r['goal']}"
            note = f"  ({r['note']})" if r["note"] else ""
            print(f"{r['measure']:<{w}}  {shown:>12}  {goal:>8}  {r['status']:<4}{note}")


SECTIONS = ("exchange", "history", "cli", "stream")


def section_exchange(t: Table, quick: bool, log: Callable[[str], None], tmp: Path) -> None:
    log("exchange: library trace off/on, Starlette, minimal ...")
    app = starlette_app()
    simulate(False)
    simulate(True)
    starlette_round(app)
    minimal()
    loop = asyncio.new_event_loop()
    times = interleaved({
        "off": lambda: simulate(False), "on": lambda: simulate(True),
        "star": lambda: starlette_round(app), "min": minimal,
        "star_loop": lambda: starlette_round(app, loop.run_until_complete),
    }, 3.0 if quick else 10.0)
    loop.close()
    off, on, star, floor = times["off"], times["on"], times["star"], times["min"]
    t.add("exchange_off_us", "(a) library, trace off", off * 1e6, "us")
    t.add("exchange_on_us", "(a) library, trace on", on * 1e6, "us")
    t.add("starlette_us", "(b) Starlette CORSMiddleware, direct", star * 1e6, "us")
    t.add("starlette_loop_us", "(b') Starlette on an event loop", times["star_loop"] * 1e6, "us")
    t.add("minimal_us", "(m) minimal hand-written decision", floor * 1e6, "us")
    t.add("off_vs_starlette", "trace off / Starlette direct", off / star, "x", 2.0)
    t.add("off_vs_minimal", "trace off / minimal decision", off / floor, "x", 3.0)
    t.add("on_vs_off", "trace on / trace off", on / off, "x", 1.5)


def section_history(t: Table, quick: bool, log: Callable[[str], None], tmp: Path) -> None:
    n, window = (4000, 1000) if quick else (16000, 2000)
    ntab = 4000 if quick else 10000
    budget = 15.0 if quick else 45.0
    for key, table, size in (("history", False, n), ("routes", True, ntab)):
        what = f"{size} distinct URLs" if not table else f"{size}-route table"
        log(f"history: {size} requests, {what} ...")
        gc.collect()
        first, last, done = history(size, window, table, budget)
        stopped = f"stopped after {done} of {size} requests ({budget:.0f} s budget)" if done < size else ""
        tag = "(h1)" if not table else "(h2)"
        t.add(f"{key}_first_us", f"{tag} {what}: first {window}, per request", first * 1e6, "us")
        t.add(f"{key}_last_us", f"{tag} {what}: last {window}, per request", last * 1e6, "us", None, stopped)
        t.add(f"{key}_flat", f"{tag} {what}: last / first {window}", last / first, "x", 1.25,
              "; ".join(filter(None, ["quick: smaller" if quick else "", stopped])))
        if stopped:
            t.rows[-1]["status"] = "MISS"


def section_cli(t: Table, quick: bool, log: Callable[[str], None], d: Path) -> None:
    nreq = 500 if quick else 1000  # a scenario file holds at most 1,000 requests
    runs = 2 if quick else 3
    urls = [f"https://api.example/items/{i}" for i in range(nreq)]
    one = write_json(d / "one.json", scenario("one", urls[:1], urls[:1]))
    distinct = write_json(d / "distinct.json", scenario("distinct", urls, urls))
    repeated = write_json(d / "repeated.json", scenario("repeated", [URL] * nreq, [URL]))
    log("cli: cold start ...")
    cached, uncached = bytecode_envs(d / "pycache")
    cold_cmds = {"py": [sys.executable, "-c", "pass"], "json": [*CLI, "run", "--json", str(one)],
                 "text": [*CLI, "run", str(one)]}
    walls(cold_cmds, 1, cached)  # writes the package's bytecode into the cache
    cold = walls(cold_cmds, runs * 3, cached)
    py, cold_json, cold_text = cold["py"], cold["json"], cold["text"]
    t.add("python_pass_ms", "(c) python -c pass", py * 1e3, "ms")
    t.add("cold_json_ms", "(c) cors-spec run --json, one request", cold_json * 1e3, "ms")
    t.add("cold_json", "(c) cold start run --json / python -c pass", cold_json / py, "x", 3.0,
          "bytecode cached")
    t.add("cold_text", "(c) cold start run (text) / python -c pass", cold_text / py, "x", None,
          "bytecode cached")
    raw = walls(cold_cmds, runs * 3, uncached)
    t.add("cold_json_nobc", "(c) the same, no bytecode: run --json / python -c pass", raw["json"] / raw["py"],
          "x", None, f"source compiled each run; {raw['json'] * 1e3:.1f} / {raw['py'] * 1e3:.1f} ms")
    log(f"cli: {nreq} requests per file ...")
    whole = walls({"one": [*CLI, "run", "--json", str(one)],
                   "distinct": [*CLI, "run", "--json", str(distinct)],
                   "repeated": [*CLI, "run", "--json", str(repeated)]}, runs)
    for name, rurls, rroutes in (("distinct", urls, urls), ("repeated", [URL] * nreq, [URL])):
        cli_per = max(whole[name] - whole["one"], 0.0) / (nreq - 1)
        lib_on = min(library_like_file(rurls, rroutes, True) for _ in range(runs))
        t.add(f"cli_{name}_us", f"(r) run --json, {nreq} {name} URLs: per request", cli_per * 1e6, "us",
              None, "file time minus one-request file time")
        t.add(f"lib_{name}_us", f"(r) library trace on, same {nreq}: per request", lib_on * 1e6, "us")
        t.add(f"cli_{name}", f"(r) run --json / library trace on, {name}", cli_per / lib_on, "x", 2.0)


def section_stream(t: Table, quick: bool, log: Callable[[str], None], d: Path) -> None:
    small, big = (500, 5000) if quick else (2000, 20000)
    log(f"stream: writing {big} scenario files ...")
    folder = d / "many"
    folder.mkdir()
    tiny = json.dumps(scenario("s", [URL], [URL]))
    for i in range(big):
        (folder / f"s{i:06d}.json").write_text(tiny)
    sub = d / "few"
    sub.mkdir()
    for i in range(small):
        (sub / f"s{i:06d}.json").write_text(tiny)
    log(f"stream: cors-spec run over {small} and {big} files ...")
    rss_small, s_small = peak_rss_mb(["run", str(sub)])
    rss_big, s_big = peak_rss_mb(["run", str(folder)])
    rss_json_small, _ = peak_rss_mb(["run", "--json", str(sub)])
    rss_json, _ = peak_rss_mb(["run", "--json", str(folder)])
    t.add("rss_small_mb", f"(s) run over {small} files: peak RSS", rss_small, "MB", None,
          f"{s_small:.1f} s")
    t.add("rss_big_mb", f"(s) run over {big} files: peak RSS", rss_big, "MB", None, f"{s_big:.1f} s")
    t.add("rss_big_json_mb", f"(s) run --json over {big} files: peak RSS", rss_json, "MB")
    t.add("rss_flat", f"(s) peak RSS {big} / {small} files (text)", rss_big / rss_small, "x", 1.1)
    t.add("rss_flat_json", f"(s) peak RSS {big} / {small} files (--json)", rss_json / rss_json_small, "x", 1.1)
    t.add("file_ms", f"(s) run, per file over {big} files", s_big / big * 1e3, "ms")


SECTION_FUNCS: dict[str, Callable[[Table, bool, Callable[[str], None], Path], None]] = {
    "exchange": section_exchange, "history": section_history, "cli": section_cli, "stream": section_stream,
}


def measure(skip: set[str], quick: bool, log: Callable[[str], None], keep_going: bool = False,
            ) -> tuple[Table, dict[str, str]]:
    """The rows of every section not skipped; with ``keep_going``, a section that fails (an
    older package without something the benchmark uses) is recorded in the errors and left
    out, and the others still run."""
    t = Table()
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cors-") as tmp:
        for name in SECTIONS:
            if name in skip:
                continue
            section_dir = Path(tmp) / name
            section_dir.mkdir()
            kept = len(t.rows)
            try:
                SECTION_FUNCS[name](t, quick, log, section_dir)
            except Exception as e:  # recorded; its rows print "n/a"
                if not keep_going:
                    raise
                del t.rows[kept:]
                errors[name] = f"{type(e).__name__}: {e}"[:300]
                log(f"{name}: failed: {errors[name]}")
    return t, errors


# --- --baseline REV: before and after in one run ------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
SIDE_MARK = "BENCH_PREFLIGHT_SIDE"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="a ~30 s version with smaller sizes")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: " + ",".join(SECTIONS))
    ap.add_argument("--baseline", metavar="REV",
                    help="also measure the package as it is at git revision REV (an export of it on PYTHONPATH), "
                         "in alternating child processes with the working tree's package, and print both")
    ap.add_argument("--rounds", type=int, default=2, metavar="N",
                    help="with --baseline: runs of each side, in the order REV, current, current, REV, ... "
                         "(default: 2); a figure is the median of its side's runs")
    ap.add_argument("--side", action="store_true", help=argparse.SUPPRESS)  # one side of --baseline, as JSON
    args = ap.parse_args(argv)
    args.skip = set(filter(None, args.skip.split(",")))
    unknown = args.skip - set(SECTIONS)
    if unknown:
        ap.error(f"--skip: unknown section(s) {', '.join(sorted(unknown))}; sections: {', '.join(SECTIONS)}")
    if args.rounds < 1:
        ap.error("--rounds must be 1 or more")
    if args.baseline is not None and args.side:
        ap.error("--side is the child of --baseline")
    return args


def side_order(rounds: int) -> list[str]:
    """Which side each child run measures: REV, current, current, REV, REV, current, ... so a
    machine getting busier or quieter during the run weighs on both sides alike."""
    order: list[str] = []
    for r in range(rounds):
        order += ["base", "current"] if r % 2 == 0 else ["current", "base"]
    return order


def side_args(args: argparse.Namespace) -> list[str]:
    """The arguments of a child measuring one side: the same sections and sizes, as JSON."""
    out = ["--side"]
    if args.quick:
        out.append("--quick")
    if args.skip:
        out += ["--skip", ",".join(sorted(args.skip))]
    return out


def _median(values: list[float]) -> float:
    return statistics.median(values)


def merge_sides(base_runs: list[dict[str, Any]], current_runs: list[dict[str, Any]]) -> list[dict[str, object]]:
    """One row per measure, in the current package's order (then any only REV has): the
    median of each side's runs (None when that side has no figure: "n/a"), the current
    side's goal and status, and the note of the current side (else REV's)."""
    order: list[str] = []
    info: dict[str, dict[str, object]] = {}
    values: dict[str, dict[str, list[float]]] = {}
    for side, runs in (("current", current_runs), ("base", base_runs)):
        for run in runs:
            for row in run.get("rows", []):
                key = str(row["key"])
                if key not in info:
                    order.append(key)
                    info[key] = dict(row)
                values.setdefault(key, {"base": [], "current": []})[side].append(float(row["value"]))
    merged: list[dict[str, object]] = []
    for key in order:
        row = info[key]
        base, current = values[key]["base"], values[key]["current"]
        goal = row["goal"] if current else None
        value = _median(current) if current else None
        status = "" if goal is None or value is None else ("PASS" if value <= float(str(goal)) else "MISS")
        if status and any(r["key"] == key and r.get("status") == "MISS" and "stopped" in str(r.get("note"))
                          for run in current_runs for r in run.get("rows", [])):
            status = "MISS"  # a history run that stopped at its time budget
        merged.append({"key": key, "measure": row["measure"], "unit": row["unit"],
                       "base": None if not base else round(_median(base), 4), "base_runs": base,
                       "current": None if value is None else round(value, 4), "current_runs": current,
                       "goal": goal, "status": status, "note": row.get("note", "")})
    return merged


def _shown(value: object, unit: str) -> str:
    if value is None:
        return "n/a"
    v = float(str(value))
    return f"{v:.2f}x" if unit == "x" else f"{v:.1f} {unit}"


def print_baseline(rows: list[dict[str, object]], rev: str, errors: dict[str, dict[str, str]],
                   out: Any = None) -> None:
    out = sys.stdout if out is None else out
    w = max([len("measure"), *(len(str(r["measure"])) for r in rows)])
    before = rev[:12]
    print(f"{'measure':<{w}}  {before:>12}  {'current':>12}  {'goal':>8}  status", file=out)
    print("-" * (w + 46), file=out)
    for r in rows:
        unit = str(r["unit"])
        goal = "" if r["goal"] is None else f"<= {r['goal']}"
        note = f"  ({r['note']})" if r["note"] else ""
        print(f"{r['measure']:<{w}}  {_shown(r['base'], unit):>12}  {_shown(r['current'], unit):>12}  {goal:>8}  "
              f"{r['status']:<4}{note}", file=out)
    for side, errs in errors.items():
        for section, message in errs.items():
            print(f"{side}: section {section} could not run: {message}", file=out)


@contextmanager
def exported(rev: str) -> Iterator[tuple[str, Path]]:
    """REV's commit and an export of its package (``git archive``, into a temporary folder
    removed at the end, also on Ctrl-C or SIGTERM)."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                            capture_output=True, text=True, check=False).stdout.strip()
    if not commit:
        raise SystemExit(f"bench_preflight: --baseline: {rev!r} is not a commit of {REPO}")
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
            got = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit, "cors_spec"],
                                 capture_output=True, check=False)
            if got.returncode != 0:
                raise SystemExit(f"bench_preflight: --baseline: {rev!r} has no cors_spec package to export: "
                                 + got.stderr.decode(errors="replace").strip())
            archive = got.stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            yield commit, Path(tmp)
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_side(root: Path, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """One child run of this script measuring the package under ``root``: its JSON."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    env[SIDE_MARK] = str(root)
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), *side_args(args)], env=env, cwd=CWD,
                       stdout=subprocess.PIPE, stderr=None if not args.json else subprocess.DEVNULL, text=True,
                       check=False)
    try:
        doc: dict[str, Any] = json.loads(p.stdout)
    except json.JSONDecodeError:
        doc = {"rows": [], "errors": {"all": f"the benchmark exited {p.returncode} without results"}}
    package = str(doc.get("package", ""))
    if doc.get("rows") and not package.startswith(str(root)):
        raise RuntimeError(f"the child measured {package}, not the package under {root}")
    return doc


def baseline(args: argparse.Namespace, log: Callable[[str], None]) -> int:
    import cors_spec

    current_root = Path(cors_spec.__file__).resolve().parent.parent
    with exported(args.baseline) as (commit, base_root):
        runs: dict[str, list[dict[str, Any]]] = {"base": [], "current": []}
        for i, side in enumerate(side_order(args.rounds), 1):
            root = base_root if side == "base" else current_root
            log(f"--- run {i} of {2 * args.rounds}: {commit[:12] if side == 'base' else 'current'} ({root})")
            runs[side].append(run_side(root, args, log))
    rows = merge_sides(runs["base"], runs["current"])
    errors = {label: {k: v for run in runs[side] for k, v in run.get("errors", {}).items()}
              for side, label in (("base", commit[:12]), ("current", "current"))}
    errors = {k: v for k, v in errors.items() if v}
    if args.json:
        json.dump({"python": sys.version.split()[0], "quick": args.quick, "baseline": commit,
                   "current": str(current_root), "load_average": list(os.getloadavg()), "rows": rows,
                   "errors": errors}, sys.stdout, indent=1)
        print()
    else:
        print(f"before: {commit[:12]} ({args.baseline}); current: {current_root}; {args.rounds} run(s) of each, "
              f"alternating; load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print_baseline(rows, commit, errors)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        if not args.json or args.side:
            print(message, file=sys.stderr, flush=True)

    if args.baseline is not None:
        try:
            return baseline(args, log)
        except KeyboardInterrupt:
            print("bench_preflight: interrupted; the export of the baseline is removed", file=sys.stderr)
            return 130
    t, errors = measure(args.skip, args.quick, log, keep_going=args.side)
    if args.side:
        import cors_spec

        json.dump({"python": sys.version.split()[0], "quick": args.quick, "package": cors_spec.__file__,
                   "rows": t.rows, "errors": errors}, sys.stdout)
        print()
    elif args.json:
        json.dump({"python": sys.version.split()[0], "quick": args.quick, "rows": t.rows}, sys.stdout, indent=1)
        print()
    else:
        t.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
