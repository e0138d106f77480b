"""``cors-spec audit MODULE:APP|URL --intent FILE``: search for requests where the browser's
outcome differs from the declared intent, or where a property of good CORS answers fails.

The app runs in-process (ASGI, WSGI or aiohttp, detected), or is a running server reached
over real HTTP when the target is an ``http://`` or ``https://`` URL (``--start`` starts
it). A fixed battery of the common misconfigurations runs first (oracle/battery.py). Each example is a short
sequence of browser requests (hypothesis draws them); each sequence runs against a fresh
app when the module can be loaded again (or ``MODULE:FACTORY()`` is given), so findings
are reproducible and state leaking between requests shows. Hypothesis is imported only
when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import attrs

from cors_spec.errors import InputError
from cors_spec.oracle.adapters import AppFactory, detect
from cors_spec.oracle.battery import Probe, run_battery
from cors_spec.oracle.check import check_sequence, label_profiles, resolve_profiles
from cors_spec.oracle.findings import KINDS, Finding
from cors_spec.oracle.http import HttpServer, ServerUnreachable, http_factory
from cors_spec.oracle.intent import Intent
from cors_spec.oracle.serve import StartedServer

#: Examples when --examples is not given: enough to find the common mistakes in seconds.
DEFAULT_EXAMPLES = 200

_EPILOG = """\
examples:
  cors-spec audit myapp:app --intent cors.toml
  cors-spec audit myapp:create_app() --intent cors.json --url https://api.example/items --examples 1000
  cors-spec audit myproject.wsgi:application --intent cors.toml --profile all --seed 7
  cors-spec audit http://127.0.0.1:3000/api/items --intent cors.toml --cookie session=abc
  cors-spec audit http://127.0.0.1:{port}/api --start "node server.js {port}" --intent cors.toml \
      --url https://api.example/api

intent file (TOML, or JSON by extension):
  origins = ["https://app.example", "https://*.example.org"]   # exact origins, patterns, "*", "null"
  methods = ["PUT", "DELETE"]          # beyond GET, HEAD, POST
  headers = ["X-Token", "Content-Type"]
  credentials = true
  expose = ["X-Total"]
  max_age = 600                        # optional

exit status: 0 when nothing is found, 1 when something is, 2 for bad input or a server that
cannot be reached (connection refused, timeout: never a finding).
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit", help="search an app (ASGI/WSGI/aiohttp, or any server over HTTP) for CORS answers that "
                      "differ from an intent",
        description="Import MODULE:APP (or reach the server at an http(s):// URL over real HTTP), send it "
                    "browser requests (preflight, actual request, redirects, exactly as a browser sends them): "
                    "first a fixed battery of common misconfigurations, then requests drawn by hypothesis; report each "
                    "request where the browser's outcome differs from the intent, or where a property "
                    "that needs no intent fails, as a scenario file plus the trace.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    p.add_argument("target", metavar="MODULE:APP|URL",
                   help="the app to audit; MODULE:FACTORY() calls FACTORY for a fresh app per example; an "
                        "http:// or https:// URL audits the server listening there over HTTP")
    p.add_argument("--intent", required=True, type=Path, metavar="FILE", help="intent file (.toml or .json)")
    p.add_argument("--url", default=None,
                   help="the URL the page believes it fetches (default: the target URL, or https://api.example/ "
                        "for MODULE:APP)")
    p.add_argument("--start", default=None, metavar="CMD",
                   help="shell command that starts the server ({port}: the target URL's port); waited for, and "
                        "stopped (its process group) at the end")
    p.add_argument("--cookie", default=None, metavar="NAME=VALUE",
                   help="sent as Cookie on credentialed requests over HTTP")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="seconds per HTTP request, and to wait for --start's port (default: %(default)s)")
    p.add_argument("--no-battery", action="store_true", help="skip the fixed battery of common misconfigurations")
    p.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES, metavar="N",
                   help="examples per search (default: %(default)s)")
    p.add_argument("--profile", default="spec", metavar="P|all",
                   help="browser profile, or 'all' (default: spec)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="hypothesis seed (default: 0)")
    p.add_argument("--max-requests", type=int, default=3, metavar="K",
                   help="longest request sequence per example (default: 3)")
    p.add_argument("--shared-app", action="store_true",
                   help="one app for the whole audit (no state-leak property)")
    p.add_argument("--max-findings", type=int, default=0, metavar="N",
                   help="stop after N findings (default: report one finding per kind)")
    p.add_argument("--ignore", action="append", default=[], metavar="KIND",
                   help="a kind of finding not to report (repeatable): " + ", ".join(KINDS))
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=_handle)


# --- loading the app --------------------------------------------------------------------------


@attrs.frozen
class Target:
    factory: AppFactory
    kind: str  # asgi, asgi2, wsgi, aiohttp, callable
    how: str  # how apps are made, for the report


def load_target(spec: str) -> Target:
    """``module:attr`` (re-loaded per example when possible) or ``module:factory()``."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError("MODULE:APP", "must look like 'package.module:app' or 'package.module:create_app()'", spec)
    call = attr.endswith("()")
    attr = attr[:-2] if call else attr
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise InputError("MODULE:APP", f"cannot import {module_name}: {e}", spec) from None
    obj = _attr(module, attr, spec)
    if call:
        if not callable(obj):
            raise InputError("MODULE:APP", f"{attr} is not callable", spec)
        maker: Any = obj
        first = maker()
        return Target(AppFactory(maker), _kind(first, spec), f"{attr}() called for each example")
    kind = _kind(obj, spec)
    try:
        again = _attr(_fresh_module(module_name), attr, spec)
        if again is obj:
            raise RuntimeError("the module gives the same object when loaded again")
    except Exception as e:  # the module cannot be loaded twice (e.g. Django settings)
        return Target(AppFactory.shared(obj), kind, f"one shared app ({module_name} cannot be loaded again: "
                                                    f"{type(e).__name__}); the state-leak property is off")
    return Target(AppFactory(lambda: _attr(_fresh_module(module_name), attr, spec)), kind,
                  f"{module_name} loaded afresh for each example")


def _attr(module: object, attr: str, spec: str) -> object:
    obj: object = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InputError("MODULE:APP", f"{getattr(module, '__name__', module)} has no attribute {attr}",
                             spec) from None
    return obj


def _kind(app: object, spec: str) -> str:
    try:
        return detect(app)
    except TypeError as e:
        raise InputError("MODULE:APP", str(e), spec) from None


def _fresh_module(name: str) -> object:
    """A new module object from the module's source, leaving sys.modules as it was."""
    found = importlib.util.find_spec(name)
    if found is None or found.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(found)
    saved = sys.modules.get(name)
    sys.modules[name] = module
    try:
        found.loader.exec_module(module)
    finally:
        if saved is not None:
            sys.modules[name] = saved
        else:
            sys.modules.pop(name, None)
    return module


# --- the search -------------------------------------------------------------------------------


class _Found(Exception):
    kind = ""


_FOUND_TYPES: dict[str, type[_Found]] = {}


def _found_type(kind: str) -> type[_Found]:
    # One exception type per kind, so hypothesis shrinks each kind as its own failure.
    t = _FOUND_TYPES.get(kind)
    if t is None:
        t = _FOUND_TYPES[kind] = type(f"Found_{kind.replace('-', '_')}", (_Found,), {"kind": kind})
    return t


@attrs.define
class AuditReport:
    findings: list[Finding]
    examples_run: int
    probes: list[Probe] = attrs.Factory(list)


def run_audit(
    intent: Intent, factory: AppFactory, url: str, *, examples: int = DEFAULT_EXAMPLES,
    profiles: list[str] | None = None, seed: int = 0, max_requests: int = 3, max_findings: int = 0,
    ignore: tuple[str, ...] = (), battery: bool = True,
) -> AuditReport:
    """The battery first (its findings have ``examples`` 0), then search until no new kind of
    finding turns up; one finding (shrunk) per kind, each labelled with the profiles showing it.

    Each search stops at its first failing example and shrinks it; the next search skips
    the kinds already found. ``Finding.examples`` is how many examples that search
    generated up to and including the first failing one. A server that cannot be reached
    raises :class:`~cors_spec.oracle.http.ServerUnreachable`, never a finding.
    """
    from cors_spec.oracle.strategies import request_sequences

    profs = profiles or ["spec"]
    findings: list[Finding] = []
    skip: set[str] = set(ignore)
    probes: list[Probe] = []
    if battery:
        probes = run_battery(factory, url, intent=intent, profiles=profs, skip=tuple(skip))
        for probe in probes:
            for f in probe.findings:
                if f.kind not in skip and not (max_findings and len(findings) >= max_findings):
                    findings.append(attrs.evolve(f, examples=0))
                    skip.add(f.kind)
    total = 0
    strategy = request_sequences(intent, url, max_size=max_requests)
    while not (max_findings and len(findings) >= max_findings):
        kind, first, last, count = _search(intent, factory, strategy, profs, frozenset(skip), examples, seed)
        total += count if kind is None else first[kind]
        if kind is None:
            break
        findings.append(attrs.evolve(last[kind], examples=first[kind]))
        skip.add(kind)
    findings.sort(key=lambda f: KINDS.index(f.kind) if f.kind in KINDS else len(KINDS))
    labelled = [label_profiles(f, intent, factory) for f in findings]
    return AuditReport(labelled, total, probes)


def _search(
    intent: Intent, factory: AppFactory, strategy: Any, profiles: list[str], skipping: frozenset[str],
    examples: int, seed: int,
) -> tuple[str | None, dict[str, int], dict[str, Finding], int]:
    """One hypothesis search: the kind found (or None), per kind the example count at its
    first failure and its last (shrunk) finding, and how many examples ran."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hseed

    count = 0
    first: dict[str, int] = {}
    last: dict[str, Finding] = {}
    unreachable: list[ServerUnreachable] = []

    @hseed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate, Phase.shrink),
              print_blob=False, report_multiple_bugs=False, verbosity=Verbosity.quiet)
    @given(strategy)
    def search(seq: list[Any]) -> None:
        nonlocal count
        if unreachable:
            return  # the server is gone: let hypothesis finish at once
        count += 1
        try:
            found = check_sequence(intent, seq, factory, profiles, skipping)
        except ServerUnreachable as e:
            unreachable.append(e)
            return
        if found:
            f = found[0]
            first.setdefault(f.kind, count)
            last[f.kind] = f
            raise _found_type(f.kind)(f.kind)

    try:
        search()
    except _Found as e:
        if unreachable:
            raise unreachable[0] from None
        return e.kind, first, last, count
    except Exception:  # hypothesis could not reproduce a failure (answers that depend on history)
        if unreachable:
            raise unreachable[0] from None
        if first:
            return min(first, key=lambda k: first[k]), first, last, count
        raise
    if unreachable:
        raise unreachable[0]
    return None, first, last, count


# --- the command ----------------------------------------------------------------------------


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    intent = Intent.load(args.intent)
    profiles = resolve_profiles(args.profile)
    if args.examples < 1:
        raise InputError("--examples", "must be 1 or more", str(args.examples))
    for kind in args.ignore:
        if kind not in KINDS:
            raise InputError("--ignore", "must be one of " + ", ".join(KINDS), kind)
    if args.max_requests < 1:
        raise InputError("--max-requests", "must be 1 or more", str(args.max_requests))
    over_http = args.target.startswith(("http://", "https://"))
    if not over_http:
        for flag, value in (("--start", args.start), ("--cookie", args.cookie)):
            if value is not None:
                raise InputError(flag, "is for a target given as an http:// or https:// URL", value)
    if args.cookie is not None and ("=" not in args.cookie or any(c in args.cookie for c in "\r\n;")):
        raise InputError("--cookie", "must look like NAME=VALUE", args.cookie)
    from cors_spec.model.origin import parse_url

    target_url = parse_url(args.target.replace("{port}", "1")) if over_http else None
    if over_http and (target_url is None or not target_url.is_http):
        raise InputError("URL", "must be an absolute http: or https: URL", args.target)
    url = parse_url(args.url or (args.target.replace("{port}", "1") if over_http else "https://api.example/"))
    if url is None or not url.is_http:
        raise InputError("--url", "must be an absolute http: or https: URL", args.url)
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        print("cors-spec: error: audit needs hypothesis: pip install 'cors_spec[oracle]'", file=err)
        return 2
    if not over_http:
        target = load_target(args.target)
        factory = AppFactory.shared(target.factory.new()) if args.shared_app else target.factory
        how = "one shared app (--shared-app); the state-leak property is off" if args.shared_app else target.how
        return _report(args, intent, factory, url.href_without_fragment, target.kind, how, profiles, out)
    started = StartedServer(args.start, url=args.target.replace("{port}", "0") if "{port}" not in args.target
                            else None, wait=args.timeout * 3) if args.start else None
    try:
        base = args.target if started is None else args.target.replace("{port}", str(started.port))
        believed = args.url or base
        url = parse_url(believed)
        assert url is not None
        factory = http_factory(base, url=believed, cookie=args.cookie, timeout=args.timeout)
        how = f"over HTTP to {base}" + (f", started with: {started.cmd}" if started else "") \
            + "; one running server (the state-leak property compares nothing)"
        return _report(args, intent, factory, url.href_without_fragment, "http", how, profiles, out)
    finally:
        if started is not None:
            started.stop()


def _report(args: argparse.Namespace, intent: Intent, factory: AppFactory, url: str, kind: str, how: str,
            profiles: list[str], out: TextIO) -> int:
    report = run_audit(intent, factory, url, examples=args.examples, profiles=profiles,
                       seed=args.seed, max_requests=args.max_requests, max_findings=args.max_findings,
                       ignore=tuple(args.ignore), battery=not args.no_battery)
    server = factory.new()
    if isinstance(server, HttpServer) and server.sent == 0:
        raise InputError("URL", "no request reached the server: browsers refuse to fetch this URL "
                         "(a port they block, such as 9 or 6000?)", url)
    granted = [p for p in report.probes if p.granted and not p.intended]
    if args.json:
        json.dump({"target": args.target, "app": kind, "apps": how, "intent": str(args.intent),
                   "url": url, "profiles": profiles, "seed": args.seed,
                   "examples": args.examples, "examples_run": report.examples_run, "ignored": args.ignore,
                   "battery": [{"probe": p.name, "origin": p.origin, "granted": p.granted,
                                "with_credentials": p.with_credentials, "intended": p.intended, "lets": p.lets}
                               for p in report.probes],
                   "findings": [f.to_json() for f in report.findings]}, out, indent=1)
        out.write("\n")
    else:
        print(f"audit {args.target} ({kind}; {how})", file=out)
        print(f"  intent {args.intent}, url {url}, profile(s) {', '.join(profiles)}, "
              f"seed {args.seed}, up to {args.examples} examples per search", file=out)
        if report.probes:
            print(f"  battery: {len(report.probes)} probe(s), {len(granted)} granted beyond the intent", file=out)
            for p in granted:
                print(f"    {p.name}: {p.lets}", file=out)
        for n, f in enumerate(report.findings, 1):
            when = "by the battery" if f.examples == 0 else f"after {f.examples} example(s)"
            print(f"\nfinding {n}, {when}:", file=out)
            print(f.report(), file=out)
        print(f"\n{len(report.findings)} finding(s); {report.examples_run} example(s) run", file=out)
    return 1 if report.findings else 0
