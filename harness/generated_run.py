"""Run generated scenarios live in the engines and compare them with the engine profiles.

```sh
PYTHONPATH=/work/snap python3 harness/generated_run.py --n 300 --seed 1 --engine all \
    --out /tmp/gen-run --shrink --diffs /tmp/diffs
```

Scenarios come from ``harness/generate.py``; each engine runs them through the harness's
runner (``harness.run_engine_async``, in chunks so progress can be shown); the comparison is
the project's own, through its public command line (``cors-spec conformance --from-record
--json``, run as ``python3 -m cors_spec`` in a neutral directory, so ``PYTHONPATH`` chooses
which ``cors_spec`` is compared). Every disagreeing request gets a signature (the fields
that differ, with detail for ``sent``, and the request's main features); with ``--shrink``
one example per signature is shrunk by a delta-debugging loop (every one-step reduction is
run in one batch; the first that still shows the same difference is kept) and written to
``--diffs`` with the three engines' observations and the model's.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's harness, before any other on PYTHONPATH

from harness.engines import ENGINES  # noqa: E402
from harness.generate import features, generate  # noqa: E402
from harness.run import run_engine_async  # noqa: E402
from harness.scenario import load_paths  # noqa: E402
from harness.server import Server  # noqa: E402

Scenario = dict[str, Any]
MAIN_FEATURES = ("api=", "page=null", "mode=", "redirect=", "hop=", "client-hint", "dup-header",
                 "forbidden-header", "upload-listener", "repeat-url", "after", "empty-response-header",
                 "same-origin-url")


def _quiet() -> bool:
    return not sys.stderr.isatty()


# -- running ----------------------------------------------------------------------------------
async def _run(engines: list[str], scenarios: list[Scenario], chunk: int, label: str = "") -> dict[str, dict[str, Any]]:
    """Each engine's record (one dict per engine, chunks merged)."""
    server = Server()
    out: dict[str, dict[str, Any]] = {}
    try:
        for engine in engines:
            rec: dict[str, Any] = {"engine": engine, "scenarios": [], "seconds": 0.0, "after_launch": 0.0}
            bar = tqdm(total=len(scenarios), desc=f"{label}{engine}", unit="scn", disable=_quiet(), leave=False)
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


def run_engines(engines: list[str], scenarios: list[Scenario], chunk: int = 60, label: str = "") -> dict[str, dict[str, Any]]:
    return asyncio.run(_run(engines, scenarios, chunk, label))


def model_compare(record: dict[str, Any], scenarios: list[Scenario], work: Path) -> dict[str, Any]:
    """``cors-spec conformance --from-record --json`` on the record; its report for the engine."""
    sdir = work / "scenarios"
    sdir.mkdir(parents=True, exist_ok=True)
    for old in sdir.glob("*.json"):
        old.unlink()
    for s in scenarios:
        (sdir / f"{s['name']}.json").write_text(json.dumps(s, indent=1), encoding="utf-8")
    rec_path = work / f"record.{record['engine']}.json"
    rec_path.write_text(json.dumps(record), encoding="utf-8")
    cmd = [sys.executable, "-m", "cors_spec", "conformance", "--from-record", str(rec_path), "--json",
           "--known", str(work / "no-known-differences.json"), str(sdir)]
    p = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"cors-spec conformance failed ({p.returncode}): {p.stderr[-2000:]}")
    reports: list[dict[str, Any]] = json.loads(p.stdout)
    return reports[0]


# -- signatures ---------------------------------------------------------------------------------
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


def common_features(items: list[tuple[Scenario, int]]) -> str:
    """The main features of a class's requests, with how many of them have each."""
    tally: dict[str, int] = defaultdict(int)
    for s, i in items:
        for f in features(s, i):
            if f.startswith(MAIN_FEATURES) and not f.startswith("api="):
                tally[f] += 1
    return " ".join(f"{f}:{n}" for f, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:8])


# -- shrinking ----------------------------------------------------------------------------------
def _reductions(s: Scenario, target: int) -> list[tuple[Scenario, int]]:
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


def shrink(engine: str, scenario: Scenario, target: int, want: str, work: Path, max_rounds: int = 25) -> tuple[Scenario, int]:
    """Smallest scenario (one-step minimal) whose request ``target`` still differs as ``want``."""
    cur, t = scenario, target
    for rnd in range(max_rounds):
        cands = _reductions(cur, t)
        if not cands:
            break
        batch = []
        for i, (c, _ti) in enumerate(cands):
            c["name"] = f"{scenario['name']}-s{rnd}-{i}"
            batch.append(c)
        rec = run_engines([engine], batch, chunk=200, label=f"shrink r{rnd} ")[engine]
        rep = model_compare(rec, batch, work)
        hit = {(d["scenario"], d["request"]): d for d in rep["disagreements"]}
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


# -- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engine", default="all", choices=[*ENGINES, "all"])
    ap.add_argument("--out", type=Path, help="keep scenarios, records and the summary here (default: a temp dir)")
    ap.add_argument("--chunk", type=int, default=60, help="scenarios per browser launch (progress granularity)")
    ap.add_argument("--shrink", action="store_true", help="shrink one example per difference signature")
    ap.add_argument("--shrink-max", type=int, default=30, help="at most this many signatures are shrunk")
    ap.add_argument("--diffs", type=Path, help="with --shrink: write the minimal scenarios here")
    ap.add_argument("--reuse", action="store_true", help="compare the records already in --out (no engine run)")
    ap.add_argument("--scenarios", type=Path, nargs="+", metavar="PATH",
                    help="run these scenario files or folders instead of generated ones")
    args = ap.parse_args(argv)

    engines = list(ENGINES) if args.engine == "all" else [args.engine]
    work = args.out or Path(tempfile.mkdtemp(prefix="gen-run-"))
    work.mkdir(parents=True, exist_ok=True)
    scenarios = load_paths([str(p) for p in args.scenarios]) if args.scenarios else generate(args.n, args.seed)
    by_name = {s["name"]: s for s in scenarios}
    if args.reuse and args.out:
        records = {e: json.loads((work / f"record.{e}.json").read_text(encoding="utf-8")) for e in engines}
    else:
        records = run_engines(engines, scenarios, args.chunk)
    summary: dict[str, Any] = {"n": args.n, "seed": args.seed, "engines": {}}
    groups: dict[str, list[tuple[str, int, dict[str, Any]]]] = defaultdict(list)
    for engine in engines:
        rec = records[engine]
        rep = model_compare(rec, scenarios, work)
        false_allows = [d for d in rep["disagreements"] if d["false_allow"]]
        compared, agreeing = int(rep["compared"]), int(rep["agreeing"])
        # console lines are compared by the project too; count observable fields only
        observable = [d for d in rep["disagreements"] if set(d["fields"]) - {"console"}]
        console_only = len(rep["disagreements"]) - len(observable)
        pct = 100.0 * (compared - len(observable)) / compared if compared else 0.0
        summary["engines"][engine] = {
            "version": rec.get("version"), "scenarios": len(scenarios), "requests_compared": compared,
            "requests_agreeing": compared - len(observable), "agreement_pct": round(pct, 2),
            "console_only_differences": console_only, "agreeing_incl_console": agreeing,
            "false_allows": len(false_allows), "not_run": len(rep["not_run"]),
            "seconds": rec["seconds"], "seconds_after_launch": round(rec["after_launch"], 2),
        }
        for d in observable:
            sig = signature(engine, by_name[d["scenario"]], int(d["request"]), d["fields"])
            groups[sig].append((d["scenario"], int(d["request"]), d))
        print(f"{engine:9} {rec.get('version', '')[:40]:40} requests {compared:5}  agreeing {compared - len(observable):5}"
              f"  ({pct:.2f} %)  false allows {len(false_allows)}  not run {len(rep['not_run'])}"
              f"  console-only {console_only}  {rec['seconds']:.1f} s")
        for nr in rep["not_run"]:
            print(f"  not run: {nr['scenario']}: {nr['why'][:150]}")
    print(f"\n{len(groups)} difference signatures:", flush=True)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for sig, items in ordered:
        fa = sum(1 for _, _, d in items if d["false_allow"])
        ex = ", ".join(f"{n}[{i}]" for n, i, _ in items[:3])
        print(f"  {len(items):3}{' FA' + str(fa) if fa else ''}  {sig}   e.g. {ex}\n"
              f"        {common_features([(by_name[n], i) for n, i, _ in items])}")
    summary["signatures"] = {sig: [f"{n}[{i}]" for n, i, _ in items] for sig, items in ordered}
    (work / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")

    if args.shrink:
        diffs = args.diffs or (work / "diffs")
        diffs.mkdir(parents=True, exist_ok=True)
        minimal: list[tuple[str, str, Scenario, int, dict[str, Any]]] = []
        for sig, items in ordered[:args.shrink_max]:
            engine = sig.split("|", 1)[0]
            name, req, d = min(items, key=lambda it: len(json.dumps(by_name[it[0]])))
            want = field_signature(d["fields"])
            small, t = shrink(engine, by_name[name], req, want, work / "shrink")
            minimal.append((sig, engine, small, t, d))
            # kept at once, so an interrupted run keeps what it has shrunk
            (diffs / f"shrunk-{len(minimal) - 1:02d}.json").write_text(
                json.dumps({"signature": sig, "request": t, "scenario": small}, indent=1) + "\n", encoding="utf-8")
            print(f"shrunk {sig}: {len(json.dumps(by_name[name]))} -> {len(json.dumps(small))} chars", flush=True)
        # the minimal scenarios in every engine, and the model under every profile
        mins = [copy.deepcopy(m[2]) for m in minimal]
        for i, m in enumerate(mins):
            m["name"] = f"min-{i:02d}"
        allrec = run_engines(list(ENGINES), mins, chunk=200, label="minimal ")
        reports = {e: model_compare(allrec[e], mins, work / "min") for e in ENGINES}
        model_obs = {}
        for p in ENGINES:
            sdir = work / "min" / "scenarios"
            out = subprocess.run([sys.executable, "-m", "cors_spec", "run", "--json", "--profile", p, str(sdir)],
                                 cwd=work, capture_output=True, text=True, check=True).stdout
            model_obs[p] = {s["name"]: s["observations"] for s in json.loads(out)["scenarios"]}
        for i, (sig, engine, small, t, _d) in enumerate(minimal):
            key = f"min-{i:02d}"
            entry = {
                "signature": sig, "engine": engine, "request": t,
                "count": len(groups[sig]), "examples": [f"{n}[{r}]" for n, r, _ in groups[sig][:10]],
                "scenario": small,
                "observed": {e: next((s["observations"] for s in allrec[e]["scenarios"] if s["name"] == key), None)
                             for e in ENGINES},
                "model": {p: model_obs[p].get(key) for p in ENGINES},
                "differs_in": {e: [dd["fields"] for dd in reports[e]["disagreements"] if dd["scenario"] == key
                                   and dd["request"] == t] for e in ENGINES},
            }
            (diffs / f"auto-{engine}-{i:02d}.json").write_text(json.dumps(entry, indent=1, ensure_ascii=False) + "\n",
                                                              encoding="utf-8")
    print(f"\nwork dir: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
