"""Run scenarios in one engine and build observations."""

from __future__ import annotations

import asyncio
import re
import sys
import threading
import time
from typing import Any

from .engines import ENGINES, Engine, binary_for
from .scenario import Case, ScenarioError, new_run_id, origin_of, ports_of, prepare
from .server import LogEntry, Mark, Run, Server
from .wsclient import WebSocketError

_SENTINEL = re.compile(r"__H:(start|end):(\d+)")
LAUNCH_RETRIES = 3
FINAL_CONSOLE_WAIT = 3.0


class ConsoleSorter:
    """Attribute console lines to cases using the page's sentinels."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.current: int | None = None
        self.lines: dict[int, list[str]] = {c.index: [] for c in run.cases}
        self.unattributed: list[str] = []
        self.ended: set[int] = set()
        self.changed = asyncio.Event()
        self._token = re.compile(r"/__s/" + re.escape(run.run_id) + r"\.(\d+)/")

    def feed(self, line: str) -> None:
        m = _SENTINEL.search(line)
        if m and len(line) < 200:
            k = int(m.group(2))
            if m.group(1) == "start":
                self.current = k
            else:
                self.ended.add(k)
            self.changed.set()
            return
        t = self._token.search(line)
        k2 = int(t.group(1)) if t else self.current
        if k2 is None or k2 not in self.lines:
            self.unattributed.append(line)
        else:
            self.lines[k2].append(self.run.cases[k2].rewriter.back(line))


async def _pump(engine: Engine, sorter: ConsoleSorter) -> None:
    while True:
        line = await engine.console.get()
        sorter.feed(line)


def _split_sent(case: Case, entries: list[LogEntry | Mark]) -> tuple[list[list[dict[str, Any]]], list[str]]:
    n = len(case.requests)
    segs: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    stray: list[str] = []
    cur: int | None = None
    for e in entries:
        if isinstance(e, Mark):
            cur = e.request
            continue
        if cur is None:
            cur = 0
        if cur < n:
            segs[cur].append(e.sent())
        else:
            stray.append(f"unattributed request: {e.method} {e.url}")
    return segs, stray


def _strip_fragment(u: str) -> str:
    return u.split("#", 1)[0]


def observe(case: Case, run: Run) -> tuple[list[dict[str, Any]], list[str]]:
    """Build the observations and error lines of a finished case."""
    res = run.results.get(case.index)
    errors: list[str] = []
    if res is None:
        return [], ["harness: no result"]
    if "error" in res and "results" not in res:
        return [], [f"harness: {res['error']}"]
    segs, stray = _split_sent(case, run.logs[case.index])
    errors.extend(stray)
    for e in run.late[case.index]:
        errors.append(f"late request after results: {e.method} {e.url}")
    back = case.rewriter.back
    obs: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = res.get("results", [])
    for i, req in enumerate(case.requests):
        r = results[i] if i < len(results) else {"kind": "harness-error", "error": "missing result"}
        kind = r.get("kind")
        sent = segs[i]
        o: dict[str, Any] = {"outcome": "network-error", "status": 0, "headers": [], "redirected": False, "url": "", "sent": sent}
        if kind == "sync-error":
            o["sent"] = []
            errors.append(f"request {i}: {back(str(r.get('error')))}")
        elif kind in ("error", "timeout", "unsupported", "harness-error"):
            errors.append(f"request {i}: {back(str(r.get('error', kind)))}")
        elif kind == "element":
            # provisional: element loads expose no response; outcome is derived
            o["loaded"] = bool(r.get("loaded"))
            o["readable"] = r.get("readable")
            if o["loaded"]:
                o["outcome"] = _element_type(case, req, sent)
            if r.get("timeout"):
                errors.append(f"request {i}: element load timed out")
        elif kind == "response":
            url = back(str(r.get("url", "")))
            o["status"] = int(r.get("status", 0))
            o["headers"] = sorted({str(h).lower() for h in r.get("headers", [])})
            o["url"] = url
            if r.get("outcome") == "xhr":
                req_url = _strip_fragment(str(req["scenario_url"]))
                o["redirected"] = bool(url) and _strip_fragment(url) != req_url
                o["outcome"] = _xhr_type(case, req_url, url, sent)
            else:
                o["outcome"] = str(r.get("outcome"))
                o["redirected"] = bool(r.get("redirected"))
            if r.get("body_error"):
                errors.append(f"request {i}: body: {back(str(r['body_error']))}")
        else:
            errors.append(f"request {i}: harness: unexpected result {r!r}")
        obs.append(o)
    return obs, errors


def _element_type(case: Case, req: dict[str, Any], sent: list[dict[str, Any]]) -> str:
    urls = [str(req["scenario_url"])] + [str(s["url"]) for s in sent]
    same = case.page != "null" and all(origin_of(u) == case.page_origin for u in urls)
    if same:
        return "basic"
    cors_mode = req.get("crossorigin") is not None or req.get("api") in ("module-script", "font")
    return "cors" if cors_mode else "opaque"


def _xhr_type(case: Case, req_url: str, final_url: str, sent: list[dict[str, Any]]) -> str:
    """XHR exposes no response type: basic iff every URL involved is same-origin."""
    if case.page == "null":
        return "cors"
    urls = [req_url, final_url] + [str(s["url"]) for s in sent]
    return "basic" if all(origin_of(u) == case.page_origin for u in urls if u) else "cors"


async def run_engine_async(engine_name: str, scenarios: list[dict[str, Any]], server: Server | None = None,
                           case_timeout: float = 10.0, engine: Engine | None = None) -> dict[str, Any]:
    """Async form of :func:`run_engine`.  ``server`` lets several engines share
    one loopback server; ``case_timeout`` is the base per-case budget in seconds
    (each request adds 2 s plus its ``after``); ``engine`` is a ready driver
    instance to use instead of ``ENGINES[engine_name]()`` (e.g. a recorder)."""
    if engine_name not in ENGINES:
        raise ValueError(f"unknown engine {engine_name!r}")
    if binary_for(engine_name) is None:
        raise RuntimeError(f"{engine_name}: browser binary not found (run harness/setup.sh)")
    run_id = new_run_id()
    out_scen: list[dict[str, Any]] = []
    cases: list[Case] = []
    slot: list[int | None] = []  # out_scen index -> case index
    for i, s in enumerate(scenarios):
        try:
            c = prepare(s, len(cases), run_id, case_timeout)
        except (ScenarioError, KeyError, TypeError, ValueError) as exc:
            out_scen.append({"name": str(s.get("name", f"scenario-{i}")), "observations": [], "console": [],
                             "errors": [f"harness: invalid scenario: {exc}"]})
            slot.append(None)
            continue
        cases.append(c)
        slot.append(c.index)
        out_scen.append({"name": c.name, "observations": [], "console": [], "errors": []})

    own_server = server is None
    srv = server or Server()
    run = Run(run_id, cases)
    srv.runs[run_id] = run
    if engine is None:
        engine = ENGINES[engine_name]()
    version = await asyncio.get_running_loop().run_in_executor(None, engine.version)
    failed: dict[int, str] = {}
    sorter = ConsoleSorter(run)
    t_first_start: float | None = None
    t_last_result: float | None = None
    launches = 0
    user_agent = ""
    try:
        await srv.listen(ports_of(cases) | {80})
        k: int | None = run.first_index()
        consecutive_fail = 0
        while k is not None:
            launches += 1
            pump = asyncio.ensure_future(_pump(engine, sorter))
            try:
                await asyncio.wait_for(engine.launch(run.page_url(k)), 40)
            except (asyncio.TimeoutError, OSError, RuntimeError, WebSocketError) as exc:
                failed[k] = f"harness: {engine_name} launch failed: {exc!r}"
                pump.cancel()
                await engine.stop()
                consecutive_fail += 1
                if consecutive_fail >= LAUNCH_RETRIES:
                    for j in range(k, len(cases)):
                        failed.setdefault(j, "harness: engine could not be launched")
                    break
                k = run.next_index(k)
                continue
            current = k
            deadline = time.monotonic() + cases[k].timeout + 30  # first page includes start-up
            finished = False
            exit_task = asyncio.ensure_future(engine.wait_exit())
            try:
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        failed[current] = f"harness: timeout in case {cases[current].name!r}; {engine_name} killed"
                        break
                    get = asyncio.ensure_future(run.events.get())
                    done, _ = await asyncio.wait({get, exit_task}, timeout=remaining,
                                                 return_when=asyncio.FIRST_COMPLETED)
                    if get not in done:
                        get.cancel()
                        if exit_task in done:
                            failed[current] = f"harness: {engine_name} exited during case {cases[current].name!r}"
                            break
                        continue
                    ev, j = get.result()
                    if ev == "start":
                        current = j
                        if t_first_start is None:
                            t_first_start = time.monotonic()
                        deadline = time.monotonic() + cases[j].timeout
                        consecutive_fail = 0
                    elif ev == "result":
                        t_last_result = time.monotonic()
                        res = run.results.get(j) or {}
                        user_agent = user_agent or str(res.get("ua", ""))
                        if run.next_index(j) is None:
                            finished = True
                            break
                        deadline = time.monotonic() + 30
            finally:
                exit_task.cancel()
            if finished:
                # let the console catch up with the last case
                end = time.monotonic() + FINAL_CONSOLE_WAIT
                last = current
                while last not in sorter.ended and time.monotonic() < end:
                    sorter.changed.clear()
                    try:
                        await asyncio.wait_for(sorter.changed.wait(), max(0.0, end - time.monotonic()))
                    except asyncio.TimeoutError:
                        break
                await asyncio.sleep(0.05)
                pump.cancel()
                await engine.stop()
                break
            pump.cancel()
            await engine.stop()
            # drain stale events of the dead browser
            while not run.events.empty():
                run.events.get_nowait()
            k = run.next_index(current)
    finally:
        await engine.stop()
        srv.runs.pop(run_id, None)
        if own_server:
            await srv.close()

    for i, ci in enumerate(slot):
        if ci is None:
            continue
        case = cases[ci]
        entry = out_scen[i]
        if ci in failed and ci not in run.results:
            entry["errors"] = [failed[ci]]
            entry["observations"] = []
        else:
            obs, errs = observe(case, run)
            entry["observations"] = obs
            entry["errors"] = errs + ([failed[ci]] if ci in failed else [])
        entry["console"] = sorter.lines.get(ci, [])
    elapsed = (t_last_result - t_first_start) if (t_first_start and t_last_result) else 0.0
    return {
        "engine": engine_name,
        "version": version,
        "user_agent": user_agent,
        "scenarios": out_scen,
        "stats": {"cases": len(cases), "seconds_after_launch": round(elapsed, 3), "launches": launches,
                  "failed": len(failed)},
    }


def run_engine(engine: str, scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``scenarios`` in ``engine`` (chromium|firefox|webkit); see docs/harness.md."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run_engine_async(engine, scenarios))
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["r"] = asyncio.run(run_engine_async(engine, scenarios))
        except BaseException as exc:
            box["e"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "e" in box:
        raise box["e"]
    result: dict[str, Any] = box["r"]
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use python -m harness")
