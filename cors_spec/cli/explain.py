"""``cors-spec explain``: the step-by-step trace of a scenario, with spec links."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from cors_spec.cli.common import ExitStatus, SubParsers, use_color
from cors_spec.engines import PROFILES
from cors_spec.scenario.format import load_scenario, run_scenario
from cors_spec.teach.render import FORMATS, render_scenario
from cors_spec.teach.text import LANGUAGES

HELP = "print the step-by-step trace of a scenario, with spec links"


def add_parser(sub: SubParsers[argparse.ArgumentParser]) -> None:
    ex = sub.add_parser("explain", help=HELP,
                        description="Print each step the browser takes, what it looked at, what it decided, "
                                    "and the link to that step in the Fetch standard.")
    ex.add_argument("file", type=Path, metavar="FILE", help="a scenario .json file")
    ex.add_argument("--profile", default="spec", choices=sorted(PROFILES))
    ex.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                    help="colour output (default: auto, on a terminal only)")
    ex.add_argument("--format", default="text", choices=FORMATS,
                    help="text (default), markdown (as on the documentation site), mermaid (a sequence "
                         "diagram) or json (the steps with titles, explanations and links)")
    ex.add_argument("--lang", default=LANGUAGES[0], choices=LANGUAGES,
                    help="language of titles and explanations (default: en)")
    ex.set_defaults(handler=_explain)


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    s = load_scenario(args.file)
    results = run_scenario(s, args.profile, trace=True)
    color = args.format == "text" and use_color(args.color, out)
    print(render_scenario(s, results, args.format, profile=args.profile, lang=args.lang, color=color), file=out)
    return ExitStatus.OK
