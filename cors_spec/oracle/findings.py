"""Finding kinds, findings, and the minimal scenario file each finding carries."""

from __future__ import annotations

import json

import attrs

from cors_spec.errors import InputError
from cors_spec.model.response import Result
from cors_spec.oracle.exchange import Run
from cors_spec.oracle.requests import BrowserRequest
from cors_spec.scenario.format import parse_scenario, run_scenario

__all__ = ["KINDS", "Finding", "make_finding", "replay", "wire_ok"]

#: Finding kinds, in the order the audit reports them.
KINDS: tuple[str, ...] = (
    "app-error",  # the app raised while answering
    "intent-blocked",  # the intent allows the request, the browser blocks it
    "unintended-origin",  # the browser lets script on an origin the intent does not list read
    "unintended-method",  # ... with a method the intent does not list
    "unintended-header",  # ... with a request header the intent does not list
    "unintended-credentials",  # ... with credentials, which the intent does not allow
    "expose-extra",  # script can read a response header the intent does not expose
    "expose-missing",  # script cannot read a header the intent exposes (and the app sent)
    "max-age",  # the preflight's Access-Control-Max-Age differs from the intent's max_age
    "wildcard-credentials",  # Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true
    "reflected-credentials",  # the request's origin reflected with credentials outside the intent
    "reflected-origin",  # the request's Origin echoed where the intent means * (without credentials)
    "null-origin",  # Access-Control-Allow-Origin: null granted though not intended
    "missing-vary",  # ACAO depends on Origin, the response has no Vary: Origin
    "state-leak",  # CORS headers differ from what a fresh app answers to the same request
)


@attrs.frozen
class Finding:
    """A request where the app and the intent (or a property) disagree."""

    kind: str
    message: str
    profile: str
    request: BrowserRequest
    before: tuple[BrowserRequest, ...]  # earlier requests of the same sequence, in order
    scenario: dict[str, object]
    reproduces: bool  # running ``scenario`` gives the same outcome as the app did
    trace: str
    examples: int | None = None  # examples hypothesis generated up to the first failing one
    profiles: tuple[str, ...] = ()  # every profile that shows it (empty: not checked)

    def shown_by(self) -> str:
        """Which profiles show the finding, for people."""
        if not self.profiles:
            return f"profile {self.profile}"
        if self.profiles == ("spec",):
            return "only the spec profile shows it (no browser engine's profile does)"
        return "shown by profile(s) " + ", ".join(self.profiles)

    def report(self) -> str:
        """For people: what failed, the requests, the scenario file and the trace."""
        lines = [f"[{self.kind}] {self.message} ({self.shown_by()})", f"  request: {self.request.describe()}"]
        if self.before:
            lines.append("  after these requests to the same app:")
            lines.extend(f"    {i + 1}. {r.describe()}" for i, r in enumerate(self.before))
        state = "reproduces the browser's outcome" if self.reproduces else \
            "does NOT reproduce the outcome (the app answered the same URL differently over time)"
        lines.append(f"  scenario (format v1; {state}; run it with `cors-spec explain FILE`):")
        lines.extend("    " + ln for ln in json.dumps(self.scenario, indent=1).splitlines())
        lines.append("  trace:")
        lines.extend("    " + ln for ln in self.trace.splitlines())
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "profile": self.profile,
                "examples": self.examples, "profiles": list(self.profiles), "request": self.request.describe(),
                "before": [r.describe() for r in self.before], "scenario": self.scenario,
                "reproduces": self.reproduces, "trace": self.trace}


def wire_ok(value: str) -> bool:
    return not any(c in value for c in "\r\n\x00") and all(ord(c) < 256 for c in value)


# --- scenario files for findings ----------------------------------------------------------


def make_finding(kind: str, message: str, profile: str, run: Run, index: int) -> Finding:
    req = run.requests[index]
    before = tuple(run.requests[:index])
    result = run.results[index]
    # Candidates: the request alone; then with the earlier requests of the same page (they
    # may have filled the preflight cache).
    same_page = [j for j in range(index) if run.requests[j].page == req.page]
    candidates = [[index]] + ([same_page + [index]] if same_page else [])
    fallback: tuple[dict[str, object], str] | None = None
    for chosen in candidates:
        data = _scenario(kind, message, run, chosen)
        got = replay(data, profile)
        if fallback is None:
            fallback = (data, got[1] if got else result.explain())
        if got is not None and got[0] == _signature(result):
            return Finding(kind, message, profile, req, before, data, True, got[1])
    assert fallback is not None
    return Finding(kind, message, profile, req, before, fallback[0], False, result.explain())


def _signature(result: Result) -> tuple[object, ...]:
    return (result.outcome, result.status, result.header_names, result.reason)


def replay(data: dict[str, object], profile: str) -> tuple[tuple[object, ...], str] | None:
    try:
        scenario = parse_scenario(data, "<finding>")
    except InputError:
        return None
    results = run_scenario(scenario, profile, trace=True)
    return _signature(results[-1]), results[-1].explain()


def _scenario(kind: str, message: str, run: Run, chosen: list[int]) -> dict[str, object]:
    req = run.requests[chosen[-1]]
    routes: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    requests: list[dict[str, object]] = []
    for k, j in enumerate(chosen):
        r = run.requests[j]
        requests.append(r.scenario_request(after=r.after if k else 0))
        for ex in run.exchanges[j]:
            key = (ex.request.url, ex.request.method)
            if key in seen:
                continue
            seen.add(key)
            route: dict[str, object] = {"method": ex.request.method, "url": ex.request.url,
                                        "status": ex.response.status}
            headers = [[n, v] for n, v in ex.response.headers if wire_ok(v)]
            if headers:
                route["headers"] = headers
            routes.append(route)
    about = message
    if req.cookie:
        about += f" The browser held a cookie for the server and sent Cookie: {req.cookie}."
    return {"name": f"oracle-{kind}", "about": about, "page": req.page, "requests": requests, "server": routes}

