"""A fixed battery of the CORS misconfigurations measurement studies find most often.

Chen et al., "We Still Don't Have Secure Cross-Domain Requests: an Empirical Study of CORS"
(USENIX Security 2018) list what servers get wrong in the wild: any origin reflected,
``null`` trusted, prefix / suffix / substring matches of a trusted origin, an unescaped
dot in an origin regex, ``http://`` trusted by an ``https://`` site, any subdomain trusted,
the requested method and headers reflected, and ``*`` sent with credentials. Every audit runs
these probes before its random search, so they are found whatever the seed.

:func:`run_battery` takes a trusted origin (or an intent) and a server, and returns one
:class:`Probe` per probe: the origin (or method and headers) it tried, whether the server
granted it, what that lets a page on that origin do, and the findings it gave.

>>> [p.name for p in battery_probes("https://app.example")][:3]
['any-origin', 'null', 'prefix']
>>> battery_probes("https://app.example")[2].origin
'https://app.example.evil-cors-probe.test'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from cors_spec.model.origin import parse_origin
from cors_spec.model.request import Credentials
from cors_spec.model.response import Outcome
from cors_spec.oracle.check import check_sequence, run_sequence
from cors_spec.oracle.exchange import FactoryLike
from cors_spec.oracle.findings import Finding
from cors_spec.oracle.intent import Intent
from cors_spec.oracle.requests import BrowserRequest

__all__ = ["Probe", "ProbeSpec", "battery_probes", "check_battery", "run_battery"]

#: The cookie the browser holds for the server during credentialed probes.
PROBE_COOKIE = "cors_probe=1"


@attrs.frozen
class ProbeSpec:
    """One probe: a page origin, and the method and extra headers its script uses."""

    name: str
    what: str  # the misconfiguration it looks for
    origin: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    cookie: bool = True  # whether the browser holds a cookie for the server


@attrs.frozen
class Probe:
    """What one probe found: whether the server granted it and what that lets the page do."""

    spec: ProbeSpec
    granted: bool  # a script on spec.origin could read the response (with or without credentials)
    with_credentials: bool  # ... even with the user's cookies
    intended: bool  # the intent allows that origin (a grant is then no misconfiguration)
    lets: str  # for people: what a page on that origin can do
    findings: tuple[Finding, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def origin(self) -> str:
        return self.spec.origin


def _host_parts(origin: str) -> tuple[str, str, str]:
    """(scheme, host, ':port' or '') of a tuple origin."""
    scheme, _, rest = origin.partition("://")
    if rest.startswith("["):
        host, _, port = rest.partition("]")
        return scheme, host + "]", port
    host, colon, port = rest.partition(":")
    return scheme, host, colon + port


def battery_probes(trusted: str, intent: Intent | None = None) -> list[ProbeSpec]:
    """The probes for a site that trusts ``trusted`` (a tuple origin such as ``https://app.example``).

    With an ``intent``, also what it allows: each listed method, and all listed request
    headers, from ``trusted`` (a server refusing them is as wrong as one granting more).
    """
    scheme, host, port = _host_parts(trusted)
    evil = "evil-cors-probe.test"
    other_scheme = "http" if scheme == "https" else "https"
    dotted = host.replace(".", "x", 1) if "." in host else host + "x"
    last_dotted = "x".join(host.rsplit(".", 1)) if "." in host else dotted
    out = [
        ProbeSpec("any-origin", "any origin reflected", f"https://{evil}"),
        ProbeSpec("null", "the null origin trusted (sandboxed iframes, data: URLs)", "null"),
        ProbeSpec("prefix", "prefix match: the trusted origin followed by anything",
                  f"{scheme}://{host}.{evil}{port}"),
        ProbeSpec("suffix", "suffix match: anything followed by the trusted host",
                  f"{scheme}://evil{host}{port}"),
        ProbeSpec("substring", "substring match: part of the trusted host",
                  f"{scheme}://{host[1:]}{port}" if len(host) > 3 and not host.startswith("[") else
                  f"{scheme}://x{host}{port}"),
        ProbeSpec("unescaped-dot", "an origin regex with an unescaped dot", f"{scheme}://{dotted}{port}"),
        *([ProbeSpec("unescaped-dot-last", "an origin regex with its last dot unescaped (only the first escaped)",
                     f"{scheme}://{last_dotted}{port}")] if last_dotted != dotted else []),
        ProbeSpec("http-trusted", f"{other_scheme}:// trusted where {scheme}:// is meant",
                  f"{other_scheme}://{host}{port}"),
        ProbeSpec("any-subdomain", "any subdomain trusted (one XSS there reads the API)",
                  f"{scheme}://evil.{host}{port}"),
        ProbeSpec("reflected-method-headers", "the requested method and headers reflected",
                  trusted, "PROPFIND", (("X-Cors-Probe", "1"),)),
        # Without a cookie: some servers answer * only when the request carries none (Starlette #1832).
        ProbeSpec("wildcard-credentials", "* sent with Access-Control-Allow-Credentials: true", trusted,
                  cookie=False),
    ]
    if intent is not None and intent.allows_origin(trusted):
        headers = tuple((h, "1") for h in intent.headers if h != "*" and h not in _NOT_SETTABLE)
        for m in intent.methods:
            if m != "*":
                out.append(ProbeSpec(f"intended-{m}", f"the intended method {m} refused", trusted, m, headers))
        if headers and not any(m != "*" for m in intent.methods):
            out.append(ProbeSpec("intended-headers", "the intended request headers refused", trusted, "GET", headers))
    return [p for p in out if p.name in ("null", "reflected-method-headers", "wildcard-credentials")
            or p.name.startswith("intended-") or _valid(p.origin)]


#: Request headers script cannot set (forbidden request-header names the intent may list).
_NOT_SETTABLE = frozenset({"origin", "host", "cookie", "content-length", "connection", "referer"})


def _valid(origin: str) -> bool:
    parsed = parse_origin(origin)
    return parsed is not None and not parsed.opaque and parsed.serialized == origin


def _trusted(intent: Intent) -> str:
    for o in intent.exact_origins():
        if o != "null":
            return o
    for o in intent.origins:
        if "://*." in o:
            return o.replace("://*.", "://www.", 1)
    return "https://app.example"


def run_battery(
    factory: FactoryLike, url: str, *, intent: Intent | None = None, page_origin: str | None = None,
    profiles: Sequence[str] = ("spec",), skip: Iterable[str] = (),
) -> list[Probe]:
    """Run every probe against the server ``url`` is answered by.

    ``intent``: what the owner means to allow (findings are checked against it); without
    one, ``page_origin`` is taken as the one trusted origin, with credentials. ``skip``:
    finding kinds not to report.
    """
    if intent is None:
        intent = Intent(origins=(page_origin,) if page_origin else (), credentials=True, source="<battery>")
    trusted = page_origin or _trusted(intent)
    out: list[Probe] = []
    for spec in battery_probes(trusted, intent):
        out.append(_run_probe(spec, factory, url, intent, list(profiles), frozenset(skip)))
    return out


def _run_probe(spec: ProbeSpec, factory: FactoryLike, url: str, intent: Intent, profiles: list[str],
               skip: frozenset[str]) -> Probe:
    creds = BrowserRequest(spec.origin, url, method=spec.method, headers=spec.headers,
                           credentials=Credentials.INCLUDE, cookie=PROBE_COOKIE if spec.cookie else None)
    plain = attrs.evolve(creds, credentials=Credentials.OMIT, cookie=None)
    findings: list[Finding] = []
    granted = with_credentials = False
    for req in (creds, plain):
        findings.extend(f for f in check_sequence(intent, [req], factory, profiles, skip)
                        if f.kind not in {g.kind for g in findings})
        run = run_sequence([req], factory.new(), profiles[0])
        if run.results[0].outcome is Outcome.CORS:
            granted = True
            with_credentials = req.credentials is Credentials.INCLUDE
            break
    intended = intent.allows_origin(spec.origin)
    what = f"{spec.method} with {', '.join(n for n, _ in spec.headers)}" if spec.headers else spec.method
    if not granted:
        lets = f"nothing: a page on {spec.origin} cannot read the {what} response"
    elif with_credentials:
        lets = f"a page on {spec.origin} can send {what} with the user's cookies and read the response"
    else:
        lets = f"a page on {spec.origin} can send {what} (without cookies) and read the response"
    return Probe(spec, granted, with_credentials, intended, lets, tuple(findings))


def check_battery(intent: Intent, server: object, url: str, *, profile: str | Sequence[str] = "spec") -> None:
    """Run the battery against ``server`` (anything :func:`cors_spec.oracle.check.check`
    takes) and raise ``AssertionError`` with the first finding's report, as ``check`` does."""
    from cors_spec.oracle.adapters import as_factory
    from cors_spec.oracle.check import label_profiles, resolve_profiles

    factory = as_factory(server)
    for probe in run_battery(factory, url, intent=intent, profiles=resolve_profiles(profile)):
        if probe.findings:
            found = label_profiles(probe.findings[0], intent, factory)
            raise AssertionError(f"CORS oracle finding (battery probe {probe.name}: {probe.spec.what}):\n"
                                 + found.report())
