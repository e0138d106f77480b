"""``cors-spec check``: one quick question without a file."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from cors_spec.browser import check
from cors_spec.cli.common import ExitStatus, SubParsers, header_arg, use_color
from cors_spec.engines import PROFILES
from cors_spec.scenario.format import observation
from cors_spec.teach.render import render_result

HELP = "one quick question without a file"


def add_parser(sub: SubParsers[argparse.ArgumentParser]) -> None:
    ck = sub.add_parser("check", help=HELP,
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
    ck.add_argument("--profile", default="spec", choices=sorted(PROFILES))
    ck.add_argument("--json", action="store_true", help="print the observation as JSON")
    ck.set_defaults(handler=_check)


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = check(
        args.page, args.url, method=args.method,
        headers=[header_arg(h, "--header") for h in args.header],
        credentials=args.credentials,
        response_headers=[header_arg(h, "--response-header") for h in args.response_header],
        preflight_headers=[header_arg(h, "--preflight-header") for h in args.preflight_header],
        status=args.status, preflight_status=args.preflight_status, profile=args.profile,
    )
    if args.json:
        json.dump(observation(result, with_trace=True), out, indent=1)
        out.write("\n")
    else:
        print(render_result(result, color=use_color("auto", out)), file=out)
    return ExitStatus.OK
