"""``cors-spec conformance``: run scenarios in real engines and compare with their profiles.

An edge adapter: it imports the real-browser harness (the ``harness`` package of the
source checkout) only when it runs browsers. ``--from-record`` compares saved records
without any browser.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from cors_spec.errors import InputError
from cors_spec.scenario.conformance import ENGINE_PROFILES, EngineReport, compare, load_known_differences, render_report
from cors_spec.scenario.format import Scenario, load_scenario, scenario_files

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
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="scenario files or folders")
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
    p.set_defaults(handler=run)


def _record_path(base: Path, engine: str, several: bool) -> Path:
    return base.with_name(f"{base.stem}.{engine}{base.suffix}") if several else base


def _run_engines(engines: list[str], scenarios: list[Scenario]) -> list[dict[str, Any]]:
    root = Path.cwd()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        import harness  # the source checkout's real-browser harness
    except ImportError:
        raise InputError("--engine", "the real-browser harness is part of the source checkout: run "
                         "from the repository root (after harness/setup.sh), or use --from-record") from None
    raw = [dict(s.raw) for s in scenarios]
    return [harness.run_engine(engine, raw) for engine in engines]


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    scenarios = {s.name: s for s in (load_scenario(p) for p in scenario_files(args.paths))}
    known = load_known_differences(args.known) if args.known.exists() else ()
    if args.from_record:
        records = []
        for path in args.from_record:
            try:
                records.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError) as e:
                raise InputError("--from-record", f"cannot read {path}: {e}") from None
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
