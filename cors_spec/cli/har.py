"""``cors-spec har``: a HAR recorded in a browser, every CORS failure in it explained."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from cors_spec.cli.common import ExitStatus, SubParsers
from cors_spec.debug.har_explain import Explained, Unknown, explain
from cors_spec.debug.har_read import read_har
from cors_spec.debug.probe import mask
from cors_spec.engines import PROFILES
from cors_spec.errors import InputError

HELP = "explain every CORS failure (and engine quirk) in a HAR exported by DevTools or Playwright"

_EPILOG = """\
examples:
  cors-spec har session.har                    the profile from the HAR's creator
  cors-spec har --profile firefox session.har  read it as Firefox's
  cors-spec har --json session.har             every request, as JSON

exit status: 0 when it ran (whatever the requests did), 2 for a file that is not HAR.
"""


def add_parser(sub: SubParsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("har", help=HELP, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG,
                       description="Rebuild the page origin, the requests and the server's answers from a HAR "
                                   "1.2 file (Chromium and Firefox DevTools, Playwright, WebKit's Web "
                                   "Inspector), run them in the model, and explain every failure, every "
                                   "preflight the HAR leaves out, and every request that passed only because "
                                   "of one engine's quirk.")
    p.add_argument("file", metavar="FILE.har", type=Path)
    p.add_argument("--profile", default="auto", choices=["auto", *sorted(PROFILES)],
                   help="the browser profile (default auto: from the HAR's creator and browser)")
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    p.set_defaults(handler=_handle)


def _headers(h: tuple[tuple[str, str], ...]) -> list[list[str]]:
    return [[n, mask(n, v)] for n, v in h]


def _json(x: Explained) -> dict[str, object]:
    r = x.rebuilt
    m = x.model
    return {
        "method": r.method, "url": r.url, "api": r.api, "credentials": r.credentials, "headers": _headers(r.headers),
        "hops": [{"method": e.method, "url": e.url, "status": e.status} for e in x.chain.hops],
        "preflights_in_har": [{"url": e.url, "status": e.status, "headers": _headers(e.response_headers)}
                              for e in x.chain.preflights],
        "verdict": x.verdict, "certainty": x.certainty,
        "reason": None if x.reason is None else x.reason.value,
        "alternatives": [a.value for a in x.alternatives], "why": x.why, "notes": list(r.notes),
        "console": [] if m is None else list(m.console),
        "preflight_missing": [{"request": {"method": w.method, "url": w.url, "headers": _headers(w.headers)},
                               "must_receive": None if a is None else {"status": a.status,
                                                                       "headers": _headers(a.headers)}}
                              for w, a in zip(x.preflight_missing, x.preflight_answers)],
        "fix": None if x.fix is None else x.fix.to_json(),
        "others": x.others, "quirk": x.quirk or None,
    }


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    log = read_har(args.file)
    profile = None if args.profile == "auto" else args.profile
    try:
        page, evidence, items = explain(log, profile)
    except Unknown as e:
        raise InputError(str(args.file), str(e)) from None
    used = profile or log.profile
    if args.json:
        json.dump({"file": str(args.file), "creator": log.creator, "browser": log.browser, "recorder": log.recorder,
                   "profile": used, "page": page, "page_evidence": evidence,
                   "requests": [_json(x) for x in items]}, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return ExitStatus.OK
    source = "" if profile else f" (from the HAR: {log.creator or '?'}, {log.browser or 'browser not named'})"
    print(f"profile: {used}{source}", file=out)
    print(f"page:    {page} ({evidence})", file=out)
    blocked = sum(x.verdict == "network-error" for x in items)
    print(f"{len(items)} request(s), {blocked} blocked\n", file=out)
    for k, x in enumerate(items, 1):
        _print(k, x, used, out)
    return ExitStatus.OK


def _print(k: int, x: Explained, profile: str, out: TextIO) -> None:
    r = x.rebuilt
    hops = " -> ".join(f"{e.url} [{e.status}]" for e in x.chain.hops)
    verdict = {"cors": "ok", "network-error": "BLOCKED", "unknown": "unknown"}.get(x.verdict, x.verdict)
    print(f"#{k} {r.method} {hops}: {verdict} ({x.certainty})", file=out)
    for n, v in r.headers:
        print(f"    script set {n}: {mask(n, v)}", file=out)
    print(f"    why: {x.why}", file=out)
    for note in r.notes:
        print(f"    note: {note}", file=out)
    if x.reason is not None:
        also = f" (or: {', '.join(a.value for a in x.alternatives)})" if x.alternatives else ""
        print(f"    cause: {x.reason.value}{also}", file=out)
    if x.model is not None and x.verdict == "network-error":
        for line in x.model.console:
            print(f"    console ({profile}): {line}", file=out)
    for w, a in zip(x.preflight_missing, x.preflight_answers):
        print(f"    preflight not in the HAR; it must have been: {w.method} {w.url}", file=out)
        for n, v in w.headers:
            print(f"        {n}: {mask(n, v)}", file=out)
        if a is not None:
            print(f"      and it must have received an ok status (e.g. {a.status}) with:", file=out)
            for n, v in a.headers:
                print(f"        {n}: {v}", file=out)
        elif x.verdict == "network-error":
            print("      and the request failed there or after it"
                  + (f" ({x.reason.value})" if x.reason is not None else ": the HAR does not say which check"),
                  file=out)
    if x.fix is not None:
        state = "checked: passes when re-run" if x.fix.passes else "still blocked when re-run"
        print(f"    fix ({state}):", file=out)
        for c in x.fix.changes:
            print(f"      {c.describe()}", file=out)
        if not x.fix.changes:
            print("      none in the server's headers", file=out)
        for m, u in x.fix.unrecorded:
            print(f"      (the HAR has no answer to {m} {u}: assumed 200 with no headers)", file=out)
    if x.quirk:
        print(f"    quirk: {x.quirk}", file=out)
    print(file=out)
