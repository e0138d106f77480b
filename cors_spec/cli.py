"""The ``cors-spec`` command line: an edge adapter over the model.

It parses arguments, reads files, calls the model, renders, and returns an exit status.
``main`` takes argv and streams so tests run it in-process.
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TextIO

from ._browser import check
from ._errors import InputError
from ._profile import PROFILES
from ._render import FORMATS, render_result, render_scenario, render_summary
from ._scenario import load_scenario, observation, run_scenario, scenario_files
from ._text import LANGUAGES


class ExitStatus(enum.IntEnum):
    """Exit statuses of ``cors-spec``."""

    OK = 0  # it ran (whatever the browser decided)
    BAD_INPUT = 2  # bad arguments or an invalid scenario file


_EPILOG = """\
examples:
  cors-spec run examples/                    readable report for every scenario
  cors-spec run --json examples/ > out.json  observations as JSON, for other tools
  cors-spec explain examples/preflight-put.json
  cors-spec explain --lang ru --format markdown examples/preflight-put.json
  cors-spec check --page https://app.example --url https://api.example/items \\
      --method PUT -H 'Content-Type: application/json' \\
      --preflight-header 'Access-Control-Allow-Origin: https://app.example' \\
      --preflight-header 'Access-Control-Allow-Methods: PUT' \\
      --response-header 'Access-Control-Allow-Origin: https://app.example'

exit status: 0 when it ran (even if the browser blocks the request), 2 for bad input.
"""


def _parser(chosen: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cors-spec",
        description="What a browser does with a cross-origin request, per the Fetch standard.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EPILOG,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    profiles = sorted(PROFILES)

    run = sub.add_parser("run", help="run scenario files (format v1) and report what script gets",
                         description="Run scenario files or folders of them; one observation per request.")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="scenario .json files or folders")
    run.add_argument("--profile", default="spec", choices=profiles, help="browser profile (default: spec)")
    run.add_argument("--json", action="store_true", help="print JSON: {profile, scenarios: [{name, observations}]}")
    run.add_argument("--trace", action="store_true", help="with --json: include each request's trace records")

    ex = sub.add_parser("explain", help="print the step-by-step trace of a scenario, with spec links",
                        description="Print each step the browser takes, what it looked at, what it decided, "
                                    "and the link to that step in the Fetch standard.")
    ex.add_argument("file", type=Path, metavar="FILE", help="a scenario .json file")
    ex.add_argument("--profile", default="spec", choices=profiles)
    ex.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                    help="colour output (default: auto, on a terminal only)")
    ex.add_argument("--format", default="text", choices=FORMATS,
                    help="text (default), markdown (as on the documentation site), mermaid (a sequence "
                         "diagram) or json (the steps with titles, explanations and links)")
    ex.add_argument("--lang", default=LANGUAGES[0], choices=LANGUAGES,
                    help="language of titles and explanations (default: en)")

    ck = sub.add_parser("check", help="one quick question without a file",
                        description="Would fetch() from PAGE be able to read URL, given these response headers?")
    ck.add_argument("--page", required=True, help="the page's origin, e.g. https://app.example, or null")
    ck.add_argument("--url", required=True, help="the URL fetched")
    ck.add_argument("--method", default="GET")
    ck.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'",
                    help="a request header set by script (repeatable)")
    ck.add_argument("--credentials", default="same-origin", choices=["omit", "same-origin", "include"])
    ck.add_argument("--response-header", action="append", default=[], metavar="'NAME: VALUE'",
                    help="a header of the actual response (repeatable)")
    ck.add_argument("--preflight-header", action="append", default=[], metavar="'NAME: VALUE'",
                    help="a header of the response to the OPTIONS preflight (repeatable)")
    ck.add_argument("--status", type=int, default=200, help="actual response status (default 200)")
    ck.add_argument("--preflight-status", type=int, default=204, help="preflight response status (default 204)")
    ck.add_argument("--profile", default="spec", choices=profiles)
    ck.add_argument("--json", action="store_true", help="print the observation as JSON")
    # Subcommands in their own modules are imported only when chosen (they pull in
    # asyncio, hypothesis, the harness...); otherwise a stub keeps them in --help.
    for name in _COMMAND_MODULES:
        command = name.rsplit("._cmd_", 1)[1].replace("_", "-")
        if command == chosen:
            _import_command(name).add_parser(sub)
        else:
            sub.add_parser(command, help=_COMMAND_HELP.get(command, ""), add_help=False)
    return p


#: Subcommands that live in their own modules. Each module has
#: ``add_parser(subparsers) -> None``, which registers a parser and sets its default
#: ``handler`` to a function ``(args, out, err) -> int``.
_COMMAND_MODULES: tuple[str, ...] = ("cors_spec._cmd_audit", "cors_spec._cmd_conformance", "cors_spec._cmd_explain_error")


#: One line of help per subcommand module, for the top-level --help.
_COMMAND_HELP: dict[str, str] = {
    "audit": "search an ASGI/WSGI app for CORS answers that differ from a declared intent",
    "conformance": "run scenarios in Chromium, Firefox ESR and WebKitGTK and compare with their profiles",
    "explain-error": "recognise a pasted browser CORS error message and explain the fix",
}


def _import_command(name: str) -> CommandModule:
    import importlib

    module: CommandModule = importlib.import_module(name)
    return module


class CommandModule(Protocol):
    def add_parser(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def _header_arg(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise InputError(option, "must look like 'Name: value'", text)
    return name.strip(), value.strip()


def _color(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    parser = _parser(chosen)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code or 0)
    try:
        handler = getattr(args, "handler", None)
        if handler is not None:
            return int(handler(args, out, err))
        if args.command == "run":
            return _run(args, out)
        if args.command == "explain":
            return _explain(args, out)
        return _check(args, out)
    except InputError as e:
        print(f"cors-spec: error: {e}", file=err)
        return ExitStatus.BAD_INPUT


def _run(args: argparse.Namespace, out: TextIO) -> int:
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


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    s = load_scenario(args.file)
    results = run_scenario(s, args.profile, trace=True)
    color = args.format == "text" and _color(args.color, out)
    print(render_scenario(s, results, args.format, profile=args.profile, lang=args.lang, color=color), file=out)
    return ExitStatus.OK


def _check(args: argparse.Namespace, out: TextIO) -> int:
    result = check(
        args.page, args.url, method=args.method,
        headers=[_header_arg(h, "--header") for h in args.header],
        credentials=args.credentials,
        response_headers=[_header_arg(h, "--response-header") for h in args.response_header],
        preflight_headers=[_header_arg(h, "--preflight-header") for h in args.preflight_header],
        status=args.status, preflight_status=args.preflight_status, profile=args.profile,
    )
    if args.json:
        json.dump(observation(result, with_trace=True), out, indent=1)
        out.write("\n")
    else:
        print(render_result(result, color=_color("auto", out)), file=out)
    return ExitStatus.OK


def entry() -> None:
    """Console-script entry point."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = ExitStatus.OK
    sys.exit(status)
