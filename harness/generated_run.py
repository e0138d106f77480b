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
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's harness, before any other on PYTHONPATH

from harness.engines import ENGINES  # noqa: E402
from harness.generate import generate  # noqa: E402
from harness.generated import classes, common_features, field_signature, shrink, summarise  # noqa: E402
from harness.generated import run_engines as _run_engines  # noqa: E402
from harness.scenario import load_paths  # noqa: E402

Scenario = dict[str, Any]


def run_engines(engines: list[str], scenarios: list[Scenario], chunk: int = 60, label: str = "") -> dict[str, dict[str, Any]]:
    return _run_engines(engines, scenarios, chunk, label, progress=sys.stderr.isatty())


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
    reports: dict[str, dict[str, Any]] = {}
    for engine in engines:
        rec = records[engine]
        rep = reports[engine] = model_compare(rec, scenarios, work)
        e = summary["engines"][engine] = summarise(rep, rec, len(scenarios))
        print(f"{engine:9} {rec.get('version', '')[:40]:40} requests {e['requests_compared']:5}  agreeing "
              f"{e['requests_agreeing']:5}  ({e['agreement_pct']:.2f} %)  false allows {e['false_allows']}  "
              f"not run {e['not_run']}  console-only {e['console_only_differences']}  {rec['seconds']:.1f} s")
        for nr in rep["not_run"]:
            print(f"  not run: {nr['scenario']}: {nr['why'][:150]}")
    ordered = classes(reports, by_name)
    groups = dict(ordered)
    print(f"\n{len(ordered)} difference signatures:", flush=True)
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

            def differ(eng: str, batch: list[Scenario]) -> dict[str, Any]:
                rec = run_engines([eng], batch, chunk=200, label="shrink ")[eng]
                return model_compare(rec, batch, work / "shrink")

            small, t = shrink(engine, by_name[name], req, want, differ)
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
