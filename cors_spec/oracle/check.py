"""Running request sequences against a server and checking every property: :func:`check`.

It needs no hypothesis: call it from any test; the strategies in
:mod:`cors_spec.oracle.strategies` generate its requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from cors_spec.browser import Browser
from cors_spec.engines import PROFILES
from cors_spec.errors import InputError
from cors_spec.oracle.exchange import FactoryLike, Run, ServerLike
from cors_spec.oracle.findings import KINDS, Finding, make_finding
from cors_spec.oracle.intent import Intent
from cors_spec.oracle.properties import (
    header_findings,
    probe_state,
    request_findings,
    state_findings,
    vary_findings,
)
from cors_spec.oracle.requests import BrowserRequest

__all__ = ["check", "check_sequence", "label_profiles", "resolve_profiles", "run_sequence"]


def run_sequence(requests: Sequence[BrowserRequest], server: ServerLike, profile: str = "spec") -> Run:
    """Run the requests in order (one browser per page origin, sharing nothing else)."""
    browsers: dict[str, Browser] = {}
    run = Run(requests)
    for req in requests:
        browser = browsers.get(req.page)
        if browser is None:
            browser = browsers[req.page] = Browser(req.page, profile, trace=True)
        server.cookie = req.cookie
        start, errors_start = len(server.exchanges), len(server.errors)
        run.results.append(req.run(browser, server))
        run.exchanges.append(list(server.exchanges[start:]))
        run.errors.append(list(server.errors[errors_start:]))
    return run


def check_sequence(
    intent: Intent | None, requests: Sequence[BrowserRequest], factory: FactoryLike,
    profiles: Iterable[str] = ("spec",), skip: Iterable[str] = (),
) -> list[Finding]:
    """Every finding for this sequence, in :data:`KINDS` order of first appearance per request."""
    skipped = frozenset(skip)
    make, fresh = factory.new, factory.fresh
    findings: list[Finding] = []
    for profile in profiles:
        server = make()
        run = run_sequence(requests, server, profile)
        for i, (req, result, exchanges) in enumerate(zip(run.requests, run.results, run.exchanges)):
            found: list[tuple[str, str]] = []
            errors = run.errors[i]
            if errors:
                found.append(("app-error", "the app raised an exception:\n" + errors[0]))
            found.extend(request_findings(intent, req, result, exchanges, profile))
            found.extend(header_findings(intent, exchanges))
            found.extend(vary_findings(intent, exchanges, factory))
            probe: Finding | None = None
            if fresh:
                found.extend(state_findings(exchanges, factory, skip_first=i == 0))
                if "state-leak" not in skipped and not any(k == "state-leak" for k, _ in found):
                    probe = probe_state(intent, req, server, factory, profile, run, i)
            for kind, message in found:
                if kind in skipped:
                    continue
                findings.append(make_finding(kind, message, profile, run, i))
            if probe is not None:
                findings.append(probe)
                return findings
            if any(k not in skipped for k, _ in found) or errors:
                return findings
    return findings


# --- the property helper -----------------------------------------------------------------


def check(
    intent: Intent | None, server: object,
    requests: BrowserRequest | Sequence[BrowserRequest], *,
    profile: str | Sequence[str] = "spec",
) -> None:
    """Assert that the browser's outcome for ``requests`` matches ``intent`` and that every
    intent-free property holds; on failure raise ``AssertionError`` with the scenario and trace.

    ``server``: an app (ASGI, WSGI, aiohttp, or a ``WireRequest -> ServerResponse``
    callable), an :class:`~cors_spec.oracle.adapters.AppServer`, or an
    :class:`~cors_spec.oracle.adapters.AppFactory` (a new app per example: needed for the
    state-leak property). ``profile``: a profile name, a list of them, or ``"all"``.
    """
    from cors_spec.oracle.adapters import as_factory

    seq = [requests] if isinstance(requests, BrowserRequest) else list(requests)
    profiles = resolve_profiles(profile)
    factory = as_factory(server)
    findings = check_sequence(intent, seq, factory, profiles)
    if findings:
        found = label_profiles(findings[0], intent, factory)
        raise AssertionError("CORS oracle finding:\n" + found.report())


#: Kinds whose check asks the server again (other origins, a fresh app): labelled live.
_LIVE_KINDS = frozenset({"missing-vary", "state-leak", "app-error"})


def label_profiles(finding: Finding, intent: Intent | None, factory: FactoryLike,
                   profiles: Iterable[str] | None = None) -> Finding:
    """``finding`` with ``profiles`` set to every profile (default: all) whose run of the same
    requests shows a finding of the same kind.

    The other profiles run against the answers recorded in the finding's scenario when it
    reproduces (so a server whose answers change over time labels the same way every time);
    kinds that need the server asked afresh run against ``factory``.
    """
    from cors_spec.oracle.adapters import AppFactory
    from cors_spec.scenario.format import parse_scenario

    seq = [*finding.before, finding.request]
    source: FactoryLike = factory
    if finding.reproduces and finding.kind not in _LIVE_KINDS:
        try:
            recorded = parse_scenario(finding.scenario, "<finding>").server
            source = AppFactory.shared(recorded)
            seq = [r for r in seq if r.page == finding.request.page]
        except InputError:
            source = factory
    names = sorted(PROFILES) if profiles is None else list(profiles)
    others = frozenset(KINDS) - {finding.kind}
    shown = tuple(p for p in names if p == finding.profile
                  or any(f.kind == finding.kind for f in check_sequence(intent, seq, source, [p], others)))
    return attrs.evolve(finding, profiles=shown)


def resolve_profiles(profile: str | Sequence[str]) -> list[str]:
    """``"all"`` is every profile in :data:`cors_spec.PROFILES`."""
    names = [profile] if isinstance(profile, str) else list(profile)
    if names == ["all"]:
        return sorted(PROFILES)
    for n in names:
        if n not in PROFILES:
            raise InputError("profile", "must be 'all' or one of " + ", ".join(sorted(PROFILES)), n)
    return names
