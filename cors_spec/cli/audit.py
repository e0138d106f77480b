"""``cors-spec audit MODULE:APP --intent FILE``: search for requests where the browser's
outcome differs from the declared intent, or where a property of good CORS answers fails.

The app runs in-process (ASGI, WSGI or aiohttp, detected). Each example is a short
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
from cors_spec.oracle.check import check_sequence, resolve_profiles
from cors_spec.oracle.findings import KINDS, Finding
from cors_spec.oracle.intent import Intent

#: Examples when --examples is not given: enough to find the common mistakes in seconds.
DEFAULT_EXAMPLES = 200

_EPILOG = """\
examples:
  cors-spec audit myapp:app --intent cors.toml
  cors-spec audit myapp:create_app() --intent cors.json --url https://api.example/items --examples 1000
  cors-spec audit myproject.wsgi:application --intent cors.toml --profile all --seed 7

intent file (TOML, or JSON by extension):
  origins = ["https://app.example", "https://*.example.org"]   # exact origins, patterns, "*", "null"
  methods = ["PUT", "DELETE"]          # beyond GET, HEAD, POST
  headers = ["X-Token", "Content-Type"]
  credentials = true
  expose = ["X-Total"]
  max_age = 600                        # optional

exit status: 0 when nothing is found, 1 when something is, 2 for bad input.
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit", help="search an app (ASGI/WSGI/aiohttp) for CORS answers that differ from an intent",
        description="Import MODULE:APP, send it browser requests in-process (preflight, actual request, "
                    "redirects, exactly as a browser sends them) drawn by hypothesis, and report each "
                    "request where the browser's outcome differs from the intent, or where a property "
                    "that needs no intent fails, as a scenario file plus the trace.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    p.add_argument("target", metavar="MODULE:APP",
                   help="the app to audit; MODULE:FACTORY() calls FACTORY for a fresh app per example")
    p.add_argument("--intent", required=True, type=Path, metavar="FILE", help="intent file (.toml or .json)")
    p.add_argument("--url", default="https://api.example/", help="the URL requests go to (default: %(default)s)")
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


def run_audit(
    intent: Intent, factory: AppFactory, url: str, *, examples: int = DEFAULT_EXAMPLES,
    profiles: list[str] | None = None, seed: int = 0, max_requests: int = 3, max_findings: int = 0,
    ignore: tuple[str, ...] = (),
) -> AuditReport:
    """Search until no new kind of finding turns up; one finding (shrunk) per kind.

    Each search stops at its first failing example and shrinks it; the next search skips
    the kinds already found. ``Finding.examples`` is how many examples that search
    generated up to and including the first failing one.
    """
    from cors_spec.oracle.strategies import request_sequences

    profs = profiles or ["spec"]
    findings: list[Finding] = []
    skip: set[str] = set(ignore)
    total = 0
    strategy = request_sequences(intent, url, max_size=max_requests)
    while True:
        kind, first, last, count = _search(intent, factory, strategy, profs, frozenset(skip), examples, seed)
        total += count if kind is None else first[kind]
        if kind is None:
            break
        findings.append(attrs.evolve(last[kind], examples=first[kind]))
        skip.add(kind)
        if max_findings and len(findings) >= max_findings:
            break
    return AuditReport(findings, total)


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

    @hseed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate, Phase.shrink),
              print_blob=False, report_multiple_bugs=False, verbosity=Verbosity.quiet)
    @given(strategy)
    def search(seq: list[Any]) -> None:
        nonlocal count
        count += 1
        found = check_sequence(intent, seq, factory, profiles, skipping)
        if found:
            f = found[0]
            first.setdefault(f.kind, count)
            last[f.kind] = f
            raise _found_type(f.kind)(f.kind)

    try:
        search()
    except _Found as e:
        return e.kind, first, last, count
    except Exception:  # hypothesis could not reproduce a failure (answers that depend on history)
        if first:
            return min(first, key=lambda k: first[k]), first, last, count
        raise
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
    from cors_spec.model.origin import parse_url

    url = parse_url(args.url)
    if url is None or not url.is_http:
        raise InputError("--url", "must be an absolute http: or https: URL", args.url)
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        print("cors-spec: error: audit needs hypothesis (pip install hypothesis)", file=err)
        return 2
    target = load_target(args.target)
    factory = AppFactory.shared(target.factory.new()) if args.shared_app else target.factory
    how = "one shared app (--shared-app); the state-leak property is off" if args.shared_app else target.how
    report = run_audit(intent, factory, url.href_without_fragment, examples=args.examples, profiles=profiles,
                       seed=args.seed, max_requests=args.max_requests, max_findings=args.max_findings,
                       ignore=tuple(args.ignore))
    if args.json:
        json.dump({"target": args.target, "app": target.kind, "apps": how, "intent": str(args.intent),
                   "url": url.href_without_fragment, "profiles": profiles, "seed": args.seed,
                   "examples": args.examples, "examples_run": report.examples_run, "ignored": args.ignore,
                   "findings": [f.to_json() for f in report.findings]}, out, indent=1)
        out.write("\n")
    else:
        print(f"audit {args.target} ({target.kind}; {how})", file=out)
        print(f"  intent {args.intent}, url {url.href_without_fragment}, profile(s) {', '.join(profiles)}, "
              f"seed {args.seed}, up to {args.examples} examples per search", file=out)
        for n, f in enumerate(report.findings, 1):
            print(f"\nfinding {n}, after {f.examples} example(s):", file=out)
            print(f.report(), file=out)
        print(f"\n{len(report.findings)} finding(s); {report.examples_run} example(s) run", file=out)
    return 1 if report.findings else 0
