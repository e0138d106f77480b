"""Comparing what a real engine did with what the model predicts for that engine's profile.

Pure: it reads a harness record (``{"engine", "version", "scenarios": [{"name",
"observations", "console"}]}``), the scenarios, and a list of known differences, and
returns a report. Running the browsers is the harness's job (``python -m harness``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from cors_spec.engines import PROFILES, masked, render
from cors_spec.errors import InputError
from cors_spec.model.profile import FIELD_EVIDENCE, SPEC, Profile
from cors_spec.model.response import Result
from cors_spec.scenario.format import Scenario, observation, run_scenario

#: Observation fields compared (element loads add loaded and readable).
FIELDS = ("outcome", "status", "headers", "redirected", "url", "sent", "loaded", "readable")
#: What the harness measures for element loads.
ELEMENT_FIELDS = ("sent", "loaded", "readable")
#: Engine name (harness) to profile name.
ENGINE_PROFILES = {"chromium": "chromium", "firefox": "firefox", "webkit": "webkit"}
_BLOCKED = ("network-error", "opaque", "opaqueredirect")
#: Console lines an engine prints depending on the machine's load, not on CORS (a font that
#: loads slowly gets a fallback-font notice): left out of the console comparison.
LOAD_DEPENDENT_LINES = ("Slow network is detected.",)


@attrs.frozen
class KnownDifference:
    """A listed, explained difference between an engine and its profile."""

    engine: str  # an engine name, or "*" for all
    scenario: str
    request: int | None  # None: every request of the scenario
    why: str
    flaky: bool = False  # the engine behaves both ways across runs

    def covers(self, engine: str, scenario: str, request: int) -> bool:
        return (self.engine in ("*", engine) and self.scenario == scenario
                and (self.request is None or self.request == request))


@attrs.frozen
class Disagreement:
    """One observation where the engine and the model differ."""

    scenario: str
    request: int
    fields: dict[str, tuple[object, object]]  # field: (engine, model)
    known: KnownDifference | None

    @property
    def false_allow(self) -> bool:
        """The model lets script read what the engine blocked: the worst kind of bug."""
        engine, model = self.fields.get("outcome", (None, None))
        if engine is None:
            readable = self.fields.get("readable")
            return readable is not None and readable[0] is False and readable[1] is True
        return engine in _BLOCKED and model not in _BLOCKED


@attrs.frozen
class EngineReport:
    engine: str
    version: str
    profile: str
    compared: int
    agreeing: int
    disagreements: tuple[Disagreement, ...]
    not_run: tuple[tuple[str, str], ...]  # (scenario, why) the harness could not run
    #: Failing requests whose console lines were compared, and those printed as predicted.
    console_compared: int = 0
    console_agreeing: int = 0

    @property
    def unexplained(self) -> tuple[Disagreement, ...]:
        return tuple(d for d in self.disagreements if d.known is None)

    @property
    def false_allows(self) -> tuple[Disagreement, ...]:
        return tuple(d for d in self.disagreements if d.false_allow)


def load_known_differences(path: Path) -> tuple[KnownDifference, ...]:
    """Read conformance/known-differences.json."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError("$", f"cannot read known differences: {e}", file=str(path)) from None
    if not isinstance(data, list):
        raise InputError("$", "must be a list", file=str(path))
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not {"engine", "scenario", "why"} <= set(item):
            raise InputError(f"$[{i}]", "needs engine, scenario and why", file=str(path))
        request = item.get("request")
        out.append(KnownDifference(str(item["engine"]), str(item["scenario"]),
                                   None if request is None else int(request), str(item["why"]),
                                   bool(item.get("flaky", False))))
    return tuple(out)


def _console_check(
    engine: str, seen: object, results: Sequence[Result], observed: Sequence[Mapping[str, object]]
) -> tuple[int | None, tuple[list[str], list[str]], int, int]:
    """Compare a scenario's console with the messages predicted for its requests.

    Only scenarios where a request fails are compared (elsewhere the harness's own read
    probes print lines the model does not predict). Returns the first request whose lines
    differ (None: all equal), (engine lines, model lines), and the failing requests
    compared and agreeing. Page-chosen values (``PAGE_CHOSEN``) are masked on both sides.
    """
    failing = [i for i, r in enumerate(results) if r.outcome.value == "network-error"
               or (i < len(observed) and observed[i].get("outcome") == "network-error")]
    if not isinstance(seen, list) or not failing:
        return None, ([], []), 0, 0
    engine_lines = [masked(str(line), engine) for line in seen if not str(line).startswith(LOAD_DEPENDENT_LINES)]
    chunks = [[masked(m.record(), engine) for m in render(r, ENGINE_PROFILES[engine])] for r in results]
    first: int | None = None
    offset = agreeing = 0
    for i, chunk in enumerate(chunks):
        if first is None and engine_lines[offset:offset + len(chunk)] != chunk:
            first = i
        if first is None and i in failing:
            agreeing += 1
        offset += len(chunk)
    if first is None and offset != len(engine_lines):
        first = len(chunks) - 1
        agreeing -= 1 if first in failing else 0
    model_lines = [line for chunk in chunks for line in chunk]
    return first, (engine_lines, model_lines), len(failing), agreeing


def compare(
    record: Mapping[str, object], scenarios: Mapping[str, Scenario], known: Sequence[KnownDifference] = (),
    profile_override: Profile | None = None,
) -> EngineReport:
    """Compare one engine's record with the model under that engine's profile (or under
    ``profile_override``, a variant of it; console lines still follow the engine's catalogue)."""
    engine = str(record.get("engine", ""))
    if engine not in ENGINE_PROFILES:
        raise InputError("engine", "must be one of " + ", ".join(ENGINE_PROFILES), engine)
    profile = ENGINE_PROFILES[engine]
    model_profile: str | Profile = profile if profile_override is None else profile_override
    compared = agreeing = 0
    disagreements: list[Disagreement] = []
    not_run: list[tuple[str, str]] = []
    console_compared = console_agreeing = 0
    runs = record.get("scenarios", [])
    assert isinstance(runs, list)
    for run in runs:
        name = str(run["name"])
        observed = run.get("observations") or []
        if name not in scenarios:
            continue
        results = run_scenario(scenarios[name], model_profile)
        if len(observed) != len(results):
            not_run.append((name, "; ".join(map(str, run.get("errors") or ["no observations"]))))
            continue
        console_at, console_lines, n_compared, n_agreeing = _console_check(
            engine, run.get("console"), results, observed)
        console_compared += n_compared
        console_agreeing += n_agreeing
        for i, (seen, result) in enumerate(zip(observed, results)):
            mine = observation(result)
            compared += 1
            # For element loads the harness measures what went on the wire and whether the
            # element loaded (and, for some elements, the read probe); their outcome and url
            # it can only derive, so those are not compared.
            fields = ELEMENT_FIELDS if result.element is not None else FIELDS
            diff = {f: (seen.get(f), mine.get(f)) for f in fields
                    if f in seen and f in mine and seen.get(f) != mine.get(f)
                    and not (f == "readable" and (seen.get(f) is None or mine.get("loaded") is False))}
            if i == console_at:
                # The scenario's console (every request's lines, in order) differs here.
                diff["console"] = console_lines
            if not diff:
                agreeing += 1
                continue
            cover = next((k for k in known if k.covers(engine, name, i)), None)
            disagreements.append(Disagreement(name, i, diff, cover))
    return EngineReport(engine, str(record.get("version", "")), profile, compared, agreeing,
                        tuple(disagreements), tuple(not_run), console_compared, console_agreeing)


def render_report(reports: Sequence[EngineReport]) -> str:
    """The agreement table and every disagreement, for people."""
    lines = ["engine    version                                   compared  agreeing  known  unexplained  not run"
             "  console",
             "-" * 109]
    for r in reports:
        known = len(r.disagreements) - len(r.unexplained)
        lines.append(f"{r.engine:<9} {r.version[:40]:<41} {r.compared:>8}  {r.agreeing:>8}  {known:>5}  "
                     f"{len(r.unexplained):>11}  {len(r.not_run):>7}  {r.console_agreeing}/{r.console_compared}")
    for r in reports:
        for d in r.disagreements:
            tag = "known" if d.known else ("FALSE ALLOW" if d.false_allow else "UNEXPLAINED")
            lines.append(f"\n[{r.engine}] {d.scenario}[{d.request}] {tag}"
                         + (f": {d.known.why}" if d.known else ""))
            for f, (eng, mod) in d.fields.items():
                lines.append(f"    {f}: engine {json.dumps(eng)}\n    {' ' * len(f)}  model  {json.dumps(mod)}")
        for name, why in r.not_run:
            lines.append(f"\n[{r.engine}] {name}: not run by the harness: {why}")
    return "\n".join(lines)


#: Drift statuses of a profile field.
HOLDS, NO_LONGER_HOLDS, NOT_CHECKABLE, NO_GOLDEN, NOT_RUN = (
    "holds", "no-longer-holds", "not-checkable", "evidence-golden-missing", "not-run")


@attrs.frozen
class FieldDrift:
    """Whether one profile field still holds in the engine build measured."""

    field: str
    evidence: str  # a golden's name, or "source"
    value: object  # the engine profile's value
    status: str  # HOLDS, NO_LONGER_HOLDS, NOT_CHECKABLE, NO_GOLDEN or NOT_RUN
    #: For NO_LONGER_HOLDS: the evidence golden agrees once the field takes the spec's value
    #: (the engine now follows the standard here).
    spec_value_agrees: bool = False
    differences: tuple[Disagreement, ...] = ()


@attrs.frozen
class DriftReport:
    engine: str
    version: str  # the build measured
    verified_against: str  # the build the profile names
    fields: tuple[FieldDrift, ...]

    @property
    def same_build(self) -> bool:
        """The version numbers in the build measured are those the profile names."""
        measured = _VERSION.findall(self.version)
        return bool(measured) and measured == _VERSION.findall(self.verified_against)[:len(measured)]

    @property
    def drifted(self) -> tuple[FieldDrift, ...]:
        return tuple(f for f in self.fields if f.status == NO_LONGER_HOLDS)


def evidence_goldens() -> set[str]:
    """The goldens named as evidence of a profile field."""
    return {g for g in FIELD_EVIDENCE.values() if g != "source"}


_VERSION = re.compile(r"\d+(?:\.\d+)+[a-z]*")


def drift(record: Mapping[str, object], scenarios: Mapping[str, Scenario],
          known: Sequence[KnownDifference] = ()) -> DriftReport:
    """Which of the engine profile's fields its evidence goldens still show in ``record``.

    A field holds when its evidence golden's live observations agree with the model under
    the engine's profile (console lines and listed known differences aside); when they do
    not, the field no longer holds, and ``spec_value_agrees`` says whether the standard's
    value for the field would agree.
    """
    report = compare(record, scenarios, known)
    engine = report.engine
    prof = PROFILES[ENGINE_PROFILES[engine]]
    not_run = {n for n, _ in report.not_run}
    runs = record.get("scenarios")
    ran = {str(r["name"]) for r in runs if isinstance(r, Mapping)} if isinstance(runs, list) else set()
    fields: list[FieldDrift] = []
    for name, golden in sorted(FIELD_EVIDENCE.items()):
        value = getattr(prof, name)
        if golden == "source":
            fields.append(FieldDrift(name, golden, value, NOT_CHECKABLE))
            continue
        if golden not in scenarios:
            fields.append(FieldDrift(name, golden, value, NO_GOLDEN))
            continue
        if golden in not_run or golden not in ran:
            fields.append(FieldDrift(name, golden, value, NOT_RUN))
            continue
        diffs = tuple(d for d in report.unexplained if d.scenario == golden and set(d.fields) - {"console"})
        if not diffs:
            fields.append(FieldDrift(name, golden, value, HOLDS))
            continue
        spec_agrees = False
        if getattr(SPEC, name) != value:
            variant = attrs.evolve(prof, **{name: getattr(SPEC, name)})
            alt = compare(record, {golden: scenarios[golden]}, (), variant)
            spec_agrees = alt.compared > 0 and not any(set(d.fields) - {"console"} for d in alt.disagreements)
        fields.append(FieldDrift(name, golden, value, NO_LONGER_HOLDS, spec_agrees, diffs))
    return DriftReport(engine, report.version, prof.verified_against, tuple(fields))


def render_drift(reports: Sequence[DriftReport]) -> str:
    """The drift report, for people."""
    lines: list[str] = []
    for r in reports:
        build = "the build the profile was verified against" if r.same_build else "a NEWER/OTHER build"
        lines += [f"{r.engine}: measured {r.version or '(unknown)'}; profile verified against "
                  f"{r.verified_against} ({build})"]
        counts = {s: sum(1 for f in r.fields if f.status == s)
                  for s in (HOLDS, NO_LONGER_HOLDS, NOT_CHECKABLE, NO_GOLDEN, NOT_RUN)}
        lines.append("  " + ", ".join(f"{s}: {n}" for s, n in counts.items()))
        for f in r.fields:
            if f.status == HOLDS:
                continue
            extra = ""
            if f.status == NO_LONGER_HOLDS:
                extra = ("; the spec's value agrees: the engine now follows the standard here"
                         if f.spec_value_agrees else "")
                extra += "; differs: " + "; ".join(
                    f"request {d.request} " + ", ".join(sorted(set(d.fields) - {"console"})) for d in f.differences)
            why = {NOT_CHECKABLE: "evidence is the engine's source (not checkable by a short run)",
                   NO_GOLDEN: f"evidence golden {f.evidence} not among the scenarios given",
                   NOT_RUN: f"evidence golden {f.evidence} was not run"}.get(f.status, f"golden {f.evidence}")
            lines.append(f"  {f.status:<24} {f.field} = {f.value!r}: {why}{extra}")
        lines.append("")
    return "\n".join(lines).rstrip()
