"""``cors-spec explain-error``: a pasted browser console message, explained.

Recognises a Chromium, Firefox or WebKit CORS message (DevTools noise around it is fine),
says which engine and which reason, what the browser checked, what to change, and prints
a minimal scenario that reproduces it (save it and run ``cors-spec run FILE``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from cors_spec.teach.diagnose import MAX_PASTE, diagnose

_EPILOG = """\
examples:
  cors-spec explain-error "Access to fetch at 'https://api.example/x' from origin \\
      'https://app.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' \\
      header is present on the requested resource."
  pbpaste | cors-spec explain-error -          read the message from standard input
  cors-spec explain-error --json "..."         the diagnosis as JSON (scenario included)

exit status: 0 when the message was recognised, 1 when it was not.
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "explain-error", help="recognise a pasted browser CORS error message and explain the fix",
        description="Recognise a console message printed by Chromium, Firefox or WebKit for a blocked "
                    "request: the engine, the reason, the URL/origin/value it names, what the browser "
                    "checked, what the server must change, and a scenario that reproduces it.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    p.add_argument("message", nargs="*", metavar="MESSAGE",
                   help="the pasted message (several words are joined; '-' or nothing: read standard input)")
    p.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    words: list[str] = args.message
    text = sys.stdin.read(MAX_PASTE + 1) if not words or words == ["-"] else " ".join(words)
    d = diagnose(text)
    if d is None:
        print("cors-spec: no Chromium, Firefox or WebKit CORS message recognised in the text", file=err)
        return 1
    if args.json:
        print(json.dumps(d.to_json(), indent=1, ensure_ascii=False), file=out)
        return 0
    engines = d.engine + (" (also " + ", ".join(d.also) + ")" if d.also else "")
    print(f"engine:  {engines}", file=out)
    reason = d.reason.value if d.reason is not None else "(none: see below)"
    also = f" (the same words also mean: {', '.join(r.value for r in d.alternatives)})" if d.alternatives else ""
    print(f"reason:  {reason}{also}", file=out)
    print(f"message: {d.template}", file=out)
    for k, v in d.values.items():
        print(f"  {k}: {v}", file=out)
    print("\nwhat the browser checked:\n  " + d.checked.replace("\n", "\n  "), file=out)
    print("\nwhat to change:\n  " + d.fix.replace("\n", "\n  "), file=out)
    if d.scenario is not None:
        print("\na scenario that reproduces it (save as repro.json, then: cors-spec run --profile "
              f"{d.engine} repro.json):", file=out)
        print(json.dumps(d.scenario, indent=1, ensure_ascii=False), file=out)
    return 0
