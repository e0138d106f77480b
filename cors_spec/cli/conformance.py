"""``cors-spec conformance``: run scenarios in real engines and compare with their profiles.

An edge adapter: it imports the real-browser harness (the ``harness`` package of the
source checkout) only when it runs browsers. ``--from-record`` compares saved records
without any browser. ``--generate N`` runs generated scenarios (``harness/generate.py``, with
``harness/generated.py``'s classes and shrinking); ``--drift`` lists the profile fields whose
evidence goldens no longer agree with the engine build measured.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from cors_spec.errors import InputError
from cors_spec.scenario.conformance import (
    ELEMENT_FIELDS,
    ENGINE_PROFILES,
    FIELDS,
    DriftReport,
    EngineReport,
    KnownDifference,
    compare,
    drift,
    evidence_goldens,
    load_known_differences,
    render_drift,
    render_report,
)
from cors_spec.scenario.format import Scenario, load_scenario, observation, parse_scenario, run_scenario, scenario_files

DEFAULT_KNOWN = Path("conformance") / "known-differences.json"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "conformance",
        help="run scenarios in Chromium, Firefox ESR and WebKitGTK and compare with their profiles",
        description="Run format-v1 scenarios in real engines (from the source checkout's harness, "
                    "loopback only) and compare every observation with what the model predicts for "
                    "that engine's profile. Exit status 0 when every difference is a listed known "
                    "difference, 1 otherwise, 2 for bad input.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="scenario files or folders (none with --generate)")
    p.add_argument("--engine", default="all", choices=[*ENGINE_PROFILES, "all"])
    p.add_argument("--record", type=Path, metavar="FILE",
                   help="write each engine's raw observations as JSON (with --engine all: FILE with the "
                        "engine name before the extension)")
    p.add_argument("--from-record", type=Path, action="append", default=[], metavar="FILE",
                   help="compare a saved record instead of running a browser (repeatable)")
    p.add_argument("--known", type=Path, default=DEFAULT_KNOWN, metavar="FILE",
                   help=f"known, explained differences (default: {DEFAULT_KNOWN})")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.add_argument("--retries", type=int, default=0, metavar="N",
                   help="run scenarios with an unexplained difference again, up to N times; a scenario "
                        "that then agrees is reported as flaky instead of failing (default 0)")
    g = p.add_argument_group("generated scenarios (harness/generate.py)")
    g.add_argument("--generate", type=int, metavar="N",
                   help="run N generated scenarios instead of PATHs; per engine, print the requests agreeing "
                        "on every observable, the false allows and the classes of differences")
    g.add_argument("--seed", type=int, default=1, metavar="S", help="the generator's seed (default 1)")
    g.add_argument("--shrink", action="store_true",
                   help="shrink one example of each class of differences and write it to --out as a "
                        "golden candidate (engines' observations under expect.profiles)")
    g.add_argument("--shrink-max", type=int, default=30, metavar="K", help="shrink at most K classes (default 30)")
    g.add_argument("--out", type=Path, metavar="DIR", help="where --shrink writes golden candidates")
    g.add_argument("--summary", type=Path, metavar="FILE",
                   help="write the run's summary as JSON (docs/conformance.md is generated from "
                        "conformance/generated-summary.json)")
    g.add_argument("--min-agreement", type=float, default=0.0, metavar="PCT",
                   help="exit 1 when an engine agrees on fewer than PCT %% of requests (default 0: report only)")
    g.add_argument("--fail-on-false-allow", action="store_true",
                   help="exit 1 when the model allows a request an engine blocked")
    g.add_argument("--chunk", type=int, default=60, metavar="K", help="scenarios per browser launch (default 60)")
    p.add_argument("--drift", action="store_true",
                   help="the profile drift report: which profile fields their evidence goldens no longer "
                        "show in the engine build measured (runs only the evidence goldens among PATHs)")
    p.set_defaults(handler=run)


def _record_path(base: Path, engine: str, several: bool) -> Path:
    return base.with_name(f"{base.stem}.{engine}{base.suffix}") if several else base


def _harness() -> Any:
    """The source checkout's real-browser harness package."""
    root = Path.cwd()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        import harness
        import harness.generate
        import harness.generated
    except ImportError:
        raise InputError("--engine", "the real-browser harness is part of the source checkout: run "
                         "from the repository root (after harness/setup.sh), or use --from-record") from None
    return harness


def _run_engines(engines: list[str], scenarios: list[Scenario]) -> list[dict[str, Any]]:
    harness = _harness()
    raw = [dict(s.raw) for s in scenarios]
    return [harness.run_engine(engine, raw) for engine in engines]


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.generate is not None:
        return _generate(args, out, err)
    if not args.paths:
        raise InputError("PATH", "give scenario files or folders, or --generate N")
    scenarios = {s.name: s for s in (load_scenario(p) for p in scenario_files(args.paths))}
    known = load_known_differences(args.known) if args.known.exists() else ()
    if args.drift:
        return _drift(args, scenarios, known, out)
    if args.from_record:
        records = [_read_record(path) for path in args.from_record]
    else:
        engines = list(ENGINE_PROFILES) if args.engine == "all" else [args.engine]
        records = _run_engines(engines, list(scenarios.values()))
        if args.record:
            for rec in records:
                path = _record_path(args.record, str(rec["engine"]), len(records) > 1)
                path.write_text(json.dumps(rec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    reports: list[EngineReport] = [compare(rec, scenarios, known) for rec in records]
    flaky: list[str] = []
    if not args.from_record:
        for _ in range(max(0, args.retries)):
            for i, report in enumerate(reports):
                names = sorted({d.scenario for d in report.unexplained})
                if not names:
                    continue
                [again] = _run_engines([report.engine], [scenarios[n] for n in names])
                agreed = {n for n in names
                          if not compare(again, {n: scenarios[n]}, known).unexplained}
                if agreed:
                    flaky += [f"{report.engine}: {n}" for n in sorted(agreed)]
                    runs = {r["name"]: r for r in again["scenarios"] if r["name"] in agreed}
                    records[i] = {**records[i], "scenarios": [runs.get(r["name"], r) for r in records[i]["scenarios"]]}
                    reports[i] = compare(records[i], scenarios, known)
    if args.json:
        json.dump([_report_json(r) for r in reports], out, indent=1)
        out.write("\n")
    else:
        print(render_report(reports), file=out)
        for line in flaky:
            print(f"flaky (differed, then agreed when run again): {line}", file=out)
    failed = any(r.unexplained for r in reports)
    return 1 if failed else 0


def _report_json(r: EngineReport) -> dict[str, object]:
    return {
        "engine": r.engine, "version": r.version, "profile": r.profile, "compared": r.compared,
        "agreeing": r.agreeing,
        "disagreements": [{"scenario": d.scenario, "request": d.request,
                           "fields": {f: {"engine": e, "model": m} for f, (e, m) in d.fields.items()},
                           "known": None if d.known is None else d.known.why, "false_allow": d.false_allow}
                          for d in r.disagreements],
        "not_run": [{"scenario": n, "why": w} for n, w in r.not_run],
    }


# -- the profile drift report -------------------------------------------------------------------
def _drift(args: argparse.Namespace, scenarios: dict[str, Scenario], known: Sequence[KnownDifference],
           out: TextIO) -> int:
    if args.from_record:
        records = [_read_record(path) for path in args.from_record]
    else:
        wanted = [s for name, s in scenarios.items() if name in evidence_goldens()]
        engines = list(ENGINE_PROFILES) if args.engine == "all" else [args.engine]
        records = _run_engines(engines, wanted)
        if args.record:
            for rec in records:
                path = _record_path(args.record, str(rec["engine"]), len(records) > 1)
                path.write_text(json.dumps(rec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    reports = [drift(rec, scenarios, known) for rec in records]
    if args.json:
        json.dump([_drift_json(r) for r in reports], out, indent=1)
        out.write("\n")
    else:
        print(render_drift(reports), file=out)
    return 1 if any(r.drifted for r in reports) else 0


def _read_record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError("--from-record", f"cannot read {path}: {e}") from None
    if not isinstance(data, dict):
        raise InputError("--from-record", f"{path}: not an engine record")
    return data


def _drift_json(r: DriftReport) -> dict[str, object]:
    return {
        "engine": r.engine, "version": r.version, "verified_against": r.verified_against,
        "same_build": r.same_build,
        "fields": [{"field": f.field, "evidence": f.evidence, "value": repr(f.value), "status": f.status,
                    "spec_value_agrees": f.spec_value_agrees,
                    "differences": [{"request": d.request, "fields": sorted(d.fields)} for d in f.differences]}
                   for f in r.fields],
    }


# -- generated scenarios ----------------------------------------------------------------------
def _parsed(raw: list[dict[str, Any]]) -> dict[str, Scenario]:
    """The scenarios that parse (a shrinking step may make one invalid: it is left out)."""
    out: dict[str, Scenario] = {}
    for data in raw:
        try:
            s = parse_scenario(data, str(data.get("name", "<generated>")))
        except InputError:
            continue
        out[s.name] = s
    return out


def _measured(obs: dict[str, Any], element: bool) -> dict[str, Any]:
    """The fields the harness measures for a request (see record_engine_expectations)."""
    got = {f: obs[f] for f in (ELEMENT_FIELDS if element else FIELDS) if f in obs}
    if got.get("readable") is None or got.get("loaded") is False:
        got.pop("readable", None)
    return got


def _generate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.generate < 1:
        raise InputError("--generate", "must be at least 1", str(args.generate))
    if not 0.0 <= args.min_agreement <= 100.0:
        raise InputError("--min-agreement", "must be a percentage from 0 to 100", str(args.min_agreement))
    if args.paths or args.from_record or args.drift:
        raise InputError("--generate", "takes no PATH, --from-record or --drift")
    if args.shrink and args.out is None:
        raise InputError("--shrink", "needs --out DIR for the golden candidates")
    harness = _harness()
    gen = harness.generated
    progress = err.isatty() and not args.json
    raw: list[dict[str, Any]] = harness.generate.generate(args.generate, args.seed)
    by_name = {str(s["name"]): s for s in raw}
    scenarios = _parsed(raw)
    engines = list(ENGINE_PROFILES) if args.engine == "all" else [args.engine]
    records = gen.run_engines(engines, raw, args.chunk, progress=progress)
    if args.record:
        for engine, rec in records.items():
            _record_path(args.record, engine, len(records) > 1).write_text(
                json.dumps(rec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    reports = {e: _report_json(compare(records[e], scenarios)) for e in engines}
    summary: dict[str, Any] = {"generated": args.generate, "seed": args.seed,
                               "engines": {e: gen.summarise(reports[e], records[e], len(raw)) for e in engines}}
    ordered = gen.classes(reports, by_name)
    summary["classes"] = [
        {"signature": sig, "count": len(items), "false_allows": sum(1 for _, _, d in items if d["false_allow"]),
         "examples": [f"{n}[{i}]" for n, i, _ in items[:5]],
         "features": gen.common_features([(by_name[n], i) for n, i, _ in items])}
        for sig, items in ordered]
    if args.shrink:
        summary["candidates"] = _shrink_all(args, gen, ordered, by_name, progress, err)
    if args.summary:
        args.summary.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.json:
        json.dump(summary, out, indent=1, ensure_ascii=False)
        out.write("\n")
    else:
        print(_render_generated(summary), file=out)
    worst = min(e["agreement_pct"] for e in summary["engines"].values())
    false_allows = sum(e["false_allows"] for e in summary["engines"].values())
    return 1 if worst < args.min_agreement or (args.fail_on_false_allow and false_allows) else 0


def _render_generated(summary: dict[str, Any]) -> str:
    lines = [f"{summary['generated']} generated scenarios, seed {summary['seed']}: requests agreeing on every "
             "observable (outcome, status, headers, redirected, url, sent, loaded, readable)", "",
             "engine    version                        requests  agreeing        %  false allows  not run"
             "  console-only  seconds", "-" * 105]
    for engine, e in summary["engines"].items():
        lines.append(f"{engine:<9} {str(e['version'])[:30]:<30} {e['requests_compared']:>8}  {e['requests_agreeing']:>8}"
                     f"  {e['agreement_pct']:>7.2f}  {e['false_allows']:>12}  {e['not_run']:>7}"
                     f"  {e['console_only_differences']:>12}  {e['seconds']:>7.1f}")
    lines += ["", f"{len(summary['classes'])} classes of differences (engine|fields|api):"]
    for c in summary["classes"]:
        fa = f" FALSE ALLOW x{c['false_allows']}" if c["false_allows"] else ""
        lines.append(f"  {c['count']:>4}{fa}  {c['signature']}   e.g. {', '.join(c['examples'][:3])}")
        if c["features"]:
            lines.append(f"        {c['features']}")
    for path in summary.get("candidates", []):
        lines.append(f"golden candidate: {path}")
    return "\n".join(lines)


def _shrink_all(args: argparse.Namespace, gen: Any, ordered: list[tuple[str, list[Any]]],
                by_name: dict[str, dict[str, Any]], progress: bool, err: TextIO) -> list[str]:
    """Shrink one example per class; write each as a golden candidate into ``args.out``."""

    def differ(engine: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
        parsed = _parsed(batch)
        ok = [b for b in batch if b["name"] in parsed]
        rec = gen.run_engines([engine], ok, 200, label="shrink ", progress=progress)[engine]
        return _report_json(compare(rec, parsed))

    args.out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for k, (sig, items) in enumerate(ordered[:max(0, args.shrink_max)]):
        engine = sig.split("|", 1)[0]
        name, req, d = min(items, key=lambda it: len(json.dumps(by_name[it[0]])))
        small, t = gen.shrink(engine, by_name[name], req, gen.field_signature(d["fields"]), differ)
        small["name"] = f"candidate-{engine}-{k:02d}"
        [parsed] = _parsed([small]).values()
        all_recs = gen.run_engines(list(ENGINE_PROFILES), [small], 1, label="candidate ", progress=progress)
        element = [r.api.is_element for r in parsed.requests]
        engine_obs = {e: ([_measured(o, element[i]) for i, o in enumerate(run["observations"])]
                          if (run := next(iter(rec["scenarios"]), None)) and run["observations"] else None)
                      for e, rec in all_recs.items()}
        spec_obs = [{f: v for f, v in observation(r).items() if f not in ("console", "detail", "exception")}
                    for r in run_scenario(parsed, "spec")]
        golden = gen.golden_candidate(small, t, sig, len(items), engine_obs,
                                      {e: str(rec.get("version", "")) for e, rec in all_recs.items()}, spec_obs)
        path = args.out / f"{small['name']}.json"
        path.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(str(path))
        if progress:
            print(f"shrunk {sig} -> {path}", file=err, flush=True)
    return written
