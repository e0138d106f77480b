"""Generated scenarios run live: the pieces shared by ``cors-spec conformance --generate`` and
``harness/generated_run.py``.

Everything here works on plain data: scenarios as format-v1 dicts, engine records as
``run_engine`` returns them, and comparison reports in the JSON shape of ``cors-spec
conformance --json`` (``{"engine", "version", "compared", "agreeing", "disagreements":
[{"scenario", "request", "fields": {f: {"engine", "model"}}, "false_allow", ...}],
"not_run"}``). Comparing with the model is the caller's job, passed in as a function, so
this module never imports ``cors_spec``.

- :func:`run_engines` runs scenarios in engines in chunks, with a progress bar (tqdm) when
  asked for one;
- :func:`signature` and :func:`field_signature` name a difference's class: the engine, the
  fields that differ (with detail for ``sent``), and the request's api;
- :func:`summarise` turns one engine's report into agreement numbers and classes;
- :func:`shrink` reduces a scenario, one step at a time, while the same difference shows;
- :func:`golden_candidate` writes a shrunk scenario as a format-v1 golden candidate.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from .generate import features
from .run import run_engine_async
from .server import Server

Scenario = dict[str, Any]
Report = dict[str, Any]
#: Runs ``scenarios`` in ``engine`` and compares them with the model: the report.
Differ = Callable[[str, list[Scenario]], Report]

MAIN_FEATURES = ("api=", "page=null", "mode=", "redirect=", "hop=", "client-hint", "dup-header",
                 "forbidden-header", "upload-listener", "repeat-url", "after", "empty-response-header",
                 "same-origin-url")


# -- running ----------------------------------------------------------------------------------
class _Bar:
    """A tqdm bar, or nothing when progress is off (or tqdm is not installed)."""

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # progress is a nicety
                return
            self._bar = tqdm(total=total, desc=desc, unit="scn", leave=False)

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


async def _run(engines: Sequence[str], scenarios: list[Scenario], chunk: int, label: str,
               progress: bool) -> dict[str, dict[str, Any]]:
    server = Server()
    out: dict[str, dict[str, Any]] = {}
    try:
        for engine in engines:
            rec: dict[str, Any] = {"engine": engine, "version": "", "scenarios": [], "seconds": 0.0,
                                   "after_launch": 0.0}
            bar = _Bar(len(scenarios), f"{label}{engine}", progress)
            t0 = time.monotonic()
            for k in range(0, len(scenarios), chunk):
                part = scenarios[k:k + chunk]
                r = await run_engine_async(engine, part, server=server)
                rec["version"] = r["version"]
                rec["scenarios"].extend(r["scenarios"])
                rec["after_launch"] += float(r["stats"]["seconds_after_launch"])
                bar.update(len(part))
            bar.close()
            rec["seconds"] = round(time.monotonic() - t0, 2)
            out[engine] = rec
    finally:
        await server.close()
    return out


def run_engines(engines: Sequence[str], scenarios: list[Scenario], chunk: int = 60, label: str = "",
                progress: bool = False) -> dict[str, dict[str, Any]]:
    """Each engine's record (chunks of ``chunk`` scenarios per browser launch, merged)."""
    return asyncio.run(_run(engines, scenarios, max(1, chunk), label, progress))


# -- classes of differences -------------------------------------------------------------------
def _sent_detail(engine: list[dict[str, Any]], model: list[dict[str, Any]]) -> str:
    if len(engine) != len(model):
        em = [s["method"] for s in engine]
        mm = [s["method"] for s in model]
        if em.count("OPTIONS") != mm.count("OPTIONS"):
            return "sent.preflight:" + ("engine-only" if em.count("OPTIONS") > mm.count("OPTIONS") else "model-only")
        return f"sent.count:{len(engine)}vs{len(model)}"
    keys = sorted({k for a, b in zip(engine, model, strict=True) for k in ("method", "url", "origin", "acrm", "acrh")
                   if a.get(k) != b.get(k)})
    return "sent." + "+".join(keys)


def field_signature(fields: dict[str, Any]) -> str:
    """The fields that differ (console left out), with detail for ``sent`` and ``outcome``."""
    parts = []
    for f in sorted(fields):
        if f == "console":
            continue
        e, m = fields[f]["engine"], fields[f]["model"]
        if f == "sent":
            parts.append(_sent_detail(e or [], m or []))
        elif f == "outcome":
            parts.append(f"outcome:{e}/{m}")
        else:
            parts.append(f)
    return ",".join(parts)


def signature(engine: str, scenario: Scenario, request: int, fields: dict[str, Any]) -> str:
    """engine | what differs | the request's api (and an opaque page): one difference class."""
    feats = [f for f in features(scenario, request) if f.startswith(("api=", "page=null"))]
    return f"{engine}|{field_signature(fields)}|{' '.join(feats)}"


def common_features(items: Sequence[tuple[Scenario, int]]) -> str:
    """The main features of a class's requests, with how many of them have each."""
    tally: dict[str, int] = defaultdict(int)
    for s, i in items:
        for f in features(s, i):
            if f.startswith(MAIN_FEATURES) and not f.startswith("api="):
                tally[f] += 1
    return " ".join(f"{f}:{n}" for f, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:8])


def observable(report: Report) -> list[dict[str, Any]]:
    """The report's disagreements on an observable (not only the console lines)."""
    return [d for d in report["disagreements"] if set(d["fields"]) - {"console"}]


def summarise(report: Report, record: dict[str, Any], n_scenarios: int) -> dict[str, Any]:
    """One engine's numbers: requests compared and agreeing on every observable, false allows."""
    compared = int(report["compared"])
    differing = observable(report)
    agreeing = compared - len(differing)
    return {
        "version": record.get("version", ""), "scenarios": n_scenarios, "requests_compared": compared,
        "requests_agreeing": agreeing,
        "agreement_pct": round(100.0 * agreeing / compared, 2) if compared else 0.0,
        "false_allows": sum(1 for d in differing if d["false_allow"]),
        "console_only_differences": len(report["disagreements"]) - len(differing),
        "not_run": len(report["not_run"]), "seconds": record.get("seconds", 0.0),
    }


Item = tuple[str, int, dict[str, Any]]  # scenario name, request, disagreement


def classes(reports: dict[str, Report], by_name: dict[str, Scenario]) -> list[tuple[str, list[Item]]]:
    """Every engine's observable differences grouped by :func:`signature`, largest first."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for engine, rep in reports.items():
        for d in observable(rep):
            sig = signature(engine, by_name[d["scenario"]], int(d["request"]), d["fields"])
            groups[sig].append((d["scenario"], int(d["request"]), d))
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


# -- shrinking ----------------------------------------------------------------------------------
def reductions(s: Scenario, target: int) -> list[tuple[Scenario, int]]:
    """Every one-step smaller scenario, with the new index of the target request."""
    out: list[tuple[Scenario, int]] = []
    reqs = s["requests"]
    for j in range(len(reqs)):
        if j != target:
            c = copy.deepcopy(s)
            del c["requests"][j]
            out.append((c, target - (1 if j < target else 0)))
    for k in range(len(s.get("server", []))):
        c = copy.deepcopy(s)
        del c["server"][k]
        out.append((c, target))
    for j, r in enumerate(reqs):
        for key in ("mode", "credentials", "redirect", "body", "method", "upload_listener", "after", "crossorigin"):
            if key in r:
                c = copy.deepcopy(s)
                del c["requests"][j][key]
                out.append((c, target))
        for h in range(len(r.get("headers", []))):
            c = copy.deepcopy(s)
            del c["requests"][j]["headers"][h]
            if not c["requests"][j]["headers"]:
                del c["requests"][j]["headers"]
            out.append((c, target))
    for k, route in enumerate(s.get("server", [])):
        for h in range(len(route.get("headers", []))):
            c = copy.deepcopy(s)
            del c["server"][k]["headers"][h]
            out.append((c, target))
        if "body" in route:
            c = copy.deepcopy(s)
            del c["server"][k]["body"]
            out.append((c, target))
        if route.get("status", 200) not in (200, 204) and not 300 <= int(route.get("status", 200)) < 400:
            c = copy.deepcopy(s)
            c["server"][k]["status"] = 200
            out.append((c, target))
    return out


def shrink(engine: str, scenario: Scenario, target: int, want: str, differ: Differ,
           max_rounds: int = 25) -> tuple[Scenario, int]:
    """The smallest scenario (one-step minimal) whose request ``target`` still differs as ``want``
    (a :func:`field_signature`). Every one-step reduction of a round runs in one batch; the
    first that still shows the difference is kept."""
    cur, t = scenario, target
    for rnd in range(max_rounds):
        cands = reductions(cur, t)
        if not cands:
            break
        for i, (c, _ti) in enumerate(cands):
            c["name"] = f"{scenario['name']}-s{rnd}-{i}"
        rep = differ(engine, [c for c, _ in cands])
        hit = {(d["scenario"], int(d["request"])): d for d in rep["disagreements"]}
        found = None
        for c, ti in cands:
            d = hit.get((c["name"], ti))
            if d is not None and field_signature(d["fields"]) == want:
                found = (c, ti)
                break
        if found is None:
            break
        cur, t = found
    out = copy.deepcopy(cur)
    out["name"] = scenario["name"]
    return out, t


def golden_candidate(scenario: Scenario, request: int, sig: str, count: int,
                     engine_observations: dict[str, list[dict[str, Any]] | None],
                     versions: dict[str, str], spec_observations: list[dict[str, Any]]) -> Scenario:
    """A format-v1 scenario with the engines' recorded observations under ``expect.profiles``
    and the spec profile's under ``expect.observations``, marked as needing review."""
    out = {k: v for k, v in scenario.items() if k not in ("expect", "anchors")}
    out["about"] = (f"Candidate golden (needs review): request {request} differs as {sig} "
                    f"({count} generated request(s) in this class). Write what it shows, check "
                    "expect.observations against the standard, add anchors.")
    profiles = {e: {"observations": obs, "source": versions.get(e, "")}
                for e, obs in engine_observations.items() if obs is not None}
    out["expect"] = {"observations": spec_observations, "needs_review": True, "profiles": profiles}
    return out
