"""``cors-spec run``: scenario files through the model, one observation per request."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from cors_spec.cli.common import ExitStatus, SubParsers
from cors_spec.engines import PROFILES
from cors_spec.scenario.format import load_scenario, observation, run_scenario, scenario_files
from cors_spec.teach.render import render_summary

HELP = "run scenario files (format v1) and report what script gets"


def add_parser(sub: SubParsers[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help=HELP,
                         description="Run scenario files or folders of them; one observation per request.")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="scenario .json files or folders")
    run.add_argument("--profile", default="spec", choices=sorted(PROFILES), help="browser profile (default: spec)")
    run.add_argument("--json", action="store_true", help="print JSON: {profile, scenarios: [{name, observations}]}")
    run.add_argument("--trace", action="store_true", help="with --json: include each request's trace records")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # Load and check every file first, so nothing is printed as if valid before an error.
    scenarios = [load_scenario(p) for p in scenario_files(args.paths)]
    if args.json:
        doc = {
            "profile": args.profile,
            "scenarios": [
                {"name": s.name, "file": s.source,
                 "observations": [observation(r, with_trace=args.trace)
                                  for r in run_scenario(s, args.profile, trace=args.trace)]}
                for s in scenarios
            ],
        }
        json.dump(doc, out, indent=1)
        out.write("\n")
        return ExitStatus.OK
    for s in scenarios:
        results = run_scenario(s, args.profile)
        print(f"{s.name}  ({s.page}, profile {args.profile})", file=out)
        if s.about:
            print(f"  {s.about}", file=out)
        for req, r in zip(s.requests, results):
            print(f"  {req.api.value} {req.method} {req.url}", file=out)
            print(f"    -> {render_summary(r)}", file=out)
            for w in r.sent:
                extra = "".join(f" {k}: {v}" for k, v in (("Origin", w.origin), ("ACRM", w.acrm), ("ACRH", w.acrh))
                                if v is not None)
                print(f"       sent {w.method} {w.url}{extra}", file=out)
        print(file=out)
    print(f"{len(scenarios)} scenario(s) run", file=out)
    return ExitStatus.OK
