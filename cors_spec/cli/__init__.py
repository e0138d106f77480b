"""The ``cors-spec`` command line: an edge adapter over the model.

One module per subcommand (``cors_spec.cli.<name>``), each with ``add_parser`` that
registers its parser and a ``handler(args, out, err) -> int``. Only the chosen
subcommand's module is imported; the others appear in ``--help`` from the table below.
``main`` takes argv and streams so tests run it in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import TextIO, cast

from cors_spec.cli.common import CommandModule, ExitStatus
from cors_spec.errors import InputError

__all__ = ["COMMANDS", "ExitStatus", "entry", "main"]

#: Every subcommand: name -> (module, one line of help for the top-level --help).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("cors_spec.cli.run", "run scenario files (format v1) and report what script gets"),
    "explain": ("cors_spec.cli.explain", "print the step-by-step trace of a scenario, with spec links"),
    "check": ("cors_spec.cli.check", "one quick question without a file"),
    "conformance": ("cors_spec.cli.conformance",
                    "run scenarios in Chromium, Firefox ESR and WebKitGTK and compare with their profiles"),
    "explain-error": ("cors_spec.cli.explain_error",
                      "recognise a pasted browser CORS error message and explain the fix"),
    "audit": ("cors_spec.cli.audit",
              "search an app (ASGI/WSGI in-process, or any server over HTTP) for CORS answers that differ "
              "from a declared intent"),
    "har": ("cors_spec.cli.har", "explain every CORS failure and engine quirk in a HAR from DevTools or Playwright"),
    "probe": ("cors_spec.cli.probe", "send each engine's exact requests to a live server: verdict, console, checked fix"),
}

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
    for command, (module, help_text) in COMMANDS.items():
        if command == chosen:
            _import_command(module).add_parser(sub)
        else:
            sub.add_parser(command, help=help_text, add_help=False)
    return p


def _import_command(name: str) -> CommandModule:
    module: CommandModule = importlib.import_module(name)
    return module


class _EscapingWriter(io.TextIOBase):
    """A text stream over another that never fails on what it is given: text the stream's
    encoding cannot hold (a lone surrogate, say) is written as backslash escapes."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except UnicodeEncodeError:
            enc = getattr(self.stream, "encoding", None) or "utf-8"
            return self.stream.write(text.encode(enc, "backslashreplace").decode(enc))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def writable(self) -> bool:
        return True


def _escaping(stream: TextIO) -> TextIO:
    return stream if isinstance(stream, _EscapingWriter) else cast(TextIO, _EscapingWriter(stream))


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit status. Output never fails on what it prints: both
    streams escape what their encoding cannot hold."""
    out = _escaping(stdout or sys.stdout)
    err = _escaping(stderr or sys.stderr)
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    parser = _parser(chosen if chosen in COMMANDS else None)
    try:  # argparse prints --help and usage errors to sys.stdout/sys.stderr: escaped too
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(args_list)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code or 0)
    try:
        return int(args.handler(args, out, err))
    except InputError as e:
        print(f"cors-spec: error: {e}", file=err)
        return ExitStatus.BAD_INPUT


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
