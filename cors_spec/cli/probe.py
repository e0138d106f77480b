"""``cors-spec probe``: each browser profile against a live server, with the checked fix."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from cors_spec.cli.common import ExitStatus, SubParsers, header_arg
from cors_spec.debug.probe import ProbeRequest, ProfileProbe, Unreachable, mask, probe
from cors_spec.engines import ENGINES, PROFILES
from cors_spec.errors import InputError

HELP = "send each engine's exact requests to a live server and say what the browser does, and the fix"

_EPILOG = """\
examples:
  cors-spec probe http://127.0.0.1:8000/api --page http://localhost:3000
  cors-spec probe http://127.0.0.1:8000/api --page http://localhost:3000 -X PUT \\
      -H 'Content-Type: application/json' --data '{}' --credentials include --profile chromium
  cors-spec probe --scan http://127.0.0.1:8000/api --page http://localhost:3000

exit status: 0 when it ran (even if every browser blocks the request), 2 for bad input or a
server that gave no answer.
"""


def add_parser(sub: SubParsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("probe", help=HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Send the preflight and the request each profile's browser would send "
                                   "(exact headers, redirects followed as that engine does) to a live "
                                   "server, and print per profile the verdict, the wire exchange, the "
                                   "console line and the smallest server change that makes it pass, "
                                   "checked by re-running the model with the change.", epilog=_EPILOG)
    p.add_argument("url", metavar="URL", help="the URL the page fetches (http or https)")
    p.add_argument("--page", required=True, help="the page's origin, e.g. https://app.example, or null")
    p.add_argument("-X", "--method", default="GET")
    p.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'",
                   help="a request header set by script (repeatable)")
    p.add_argument("--data", default=None, metavar="BODY", help="the request body")
    p.add_argument("--credentials", default="same-origin", choices=["omit", "same-origin", "include"])
    p.add_argument("--api", default="fetch", choices=["fetch", "xhr"])
    p.add_argument("--cookie", default=None, metavar="C",
                   help="the Cookie header the browser would attach to a credentialed request")
    p.add_argument("--profile", default="all", choices=["all", *sorted(PROFILES)],
                   help="one profile, or all three engines (default)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    p.add_argument("--scan", action="store_true",
                   help="run the misconfiguration battery (foreign origins, null, http, subdomains, "
                        "methods, headers) against the server instead")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.scan:
        return _scan(args, out, err)
    if args.method.upper() in ("GET", "HEAD") and args.data is not None:
        raise InputError("--data", "a GET or HEAD request has no body", args.data)
    req = ProbeRequest(args.url, args.page, args.method, tuple(header_arg(h, "-H") for h in args.header),
                       args.data, args.credentials, args.api, args.cookie)
    profiles = list(ENGINES) if args.profile == "all" else [args.profile]
    try:
        results = probe(req, profiles, timeout=args.timeout)
    except Unreachable as e:
        print(f"cors-spec: error: server unreachable: {e}", file=err)
        return ExitStatus.BAD_INPUT
    if args.json:
        doc = {"url": req.url, "page": req.page, "method": req.method, "api": req.api,
               "credentials": req.credentials, "headers": [[n, mask(n, v)] for n, v in req.headers],
               "profiles": [p.to_json() for p in results]}
        json.dump(doc, out, indent=1, ensure_ascii=False)
        out.write("\n")
    else:
        for p in results:
            _print(p, out)
    return ExitStatus.OK


def _print(p: ProfileProbe, out: TextIO) -> None:
    r = p.result
    verdict = "ok: script reads the response" if r.failure is None else f"blocked: {r.failure.reason.value}"
    print(f"== {p.profile}: {verdict}", file=out)
    for w, a in p.exchange:
        tag = "   (preflight)" if w.preflight else ""
        print(f"  > {w.method} {w.url}{tag}", file=out)
        for n, v in w.headers:
            print(f"      {n}: {mask(n, v)}", file=out)
        print(f"  < {a.status}", file=out)
        for n, v in a.headers:
            print(f"      {n}: {mask(n, v)}", file=out)
    if not p.exchange:
        print("  (nothing was sent)", file=out)
    for line in r.console:
        print(f"  console: {line}", file=out)
    if p.fix is not None and not p.fix.changes:
        reason = r.failure.reason.value if r.failure is not None else "?"
        print(f"  fix: none in the server's headers ({reason} is decided without them)", file=out)
    elif p.fix is not None:
        head = "fix (checked: passes when re-run)" if p.fix.passes else "partial fix (still blocked when re-run)"
        print(f"  {head}:", file=out)
        for c in p.fix.changes:
            print(f"    {c.describe()}", file=out)
        if not p.fix.passes and p.fix.result.failure is not None:
            print(f"    then: {p.fix.result.failure.reason.value}, which no response header fixes", file=out)
        for m, u in p.fix.unrecorded:
            print(f"    (the re-run sent {m} {u} to the server to learn its answer)", file=out)
    print(file=out)


def _scan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The misconfiguration battery the audit runs first, against the live server."""
    from cors_spec.oracle.battery import run_battery
    from cors_spec.oracle.http import ServerUnreachable, http_factory

    profiles = list(ENGINES) if args.profile == "all" else [args.profile]
    factory = http_factory(args.url, cookie=args.cookie, timeout=args.timeout)
    try:
        probes = run_battery(factory, args.url, page_origin=args.page, profiles=profiles)
    except ServerUnreachable as e:
        print(f"cors-spec: error: server unreachable: {e}", file=err)
        return ExitStatus.BAD_INPUT
    if args.json:
        json.dump({"url": args.url, "page": args.page, "profiles": profiles, "probes": [
            {"name": p.name, "what": p.spec.what, "origin": p.origin, "method": p.spec.method,
             "headers": [list(h) for h in p.spec.headers], "granted": p.granted,
             "with_credentials": p.with_credentials, "intended": p.intended, "lets": p.lets,
             "findings": [f.kind for f in p.findings]} for p in probes]}, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return ExitStatus.OK
    print(f"battery against {args.url}, trusted page {args.page} ({', '.join(profiles)}):", file=out)
    for p in probes:
        mark = "GRANTED" if p.granted and not p.intended else "granted" if p.granted else "refused"
        print(f"  {mark:8} {p.name:26} {p.origin}: {p.lets}", file=out)
        if p.findings:
            print(f"           findings: {', '.join(f.kind for f in p.findings)}", file=out)
    bad = sum(p.granted and not p.intended for p in probes)
    print(f"{bad} of {len(probes)} probes granted to a page that should not be", file=out)
    return ExitStatus.OK
