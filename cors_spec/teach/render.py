"""Turning trace records and results into text for people. Nothing else formats prose.

Every word comes from the text catalogue of one language (:mod:`cors_spec.teach.text`); a
step renders as its title, step label, decision, the facts it looked at, its spec link and,
when asked, its plain-language explanation. Four formats: ``text`` (the terminal),
``markdown`` (the documentation site), ``mermaid`` (a sequence diagram: page script,
browser, and one server participant per origin) and ``json`` (for other tools).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import Decision, Step
from cors_spec.teach.text import LANGUAGES, Catalogue, catalogue

if TYPE_CHECKING:
    from cors_spec.model.response import Result
    from cors_spec.scenario.format import Scenario, ScenarioRequest


#: The output formats of ``cors-spec explain``.
FORMATS: Final = ("text", "markdown", "mermaid", "json")

_BAD = frozenset({Decision.FAILURE, Decision.THROWN, Decision.NETWORK_ERROR})
_GOOD = frozenset({Decision.SUCCESS, Decision.RETURNED, Decision.HIT})

_RESET, _BOLD, _DIM, _RED, _GREEN, _CYAN = "\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[36m"

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _variant(step: Step, tainted: bool) -> str | None:
    """The case of a step whose facts change what it means (a key suffix ``:case``)."""
    if step.algorithm is Algorithm.CORS_CHECK and step.step == "4":
        if step.fact("access-control-allow-origin") == "*":
            return "wildcard-credentials"  # * fails only because credentials are included
        if tainted and step.fact("request origin") == "null":
            return "null-origin"  # the request's origin, not the page's, is null
    return None


def _tainted(steps: Sequence[Step]) -> list[bool]:
    """For each step: whether a redirect-taint came before it in the same trace."""
    out, seen = [], False
    for s in steps:
        out.append(seen)
        seen = seen or s.algorithm is Algorithm.REDIRECT_TAINT
    return out


def explanation(step: Step, lang: str = "en", *, tainted: bool = False) -> str:
    """The plain-language meaning of one step, with its facts filled in.

    Looked up as (algorithm, "step:case", decision) for a step with a case (see
    ``_variant``), then (algorithm, step, decision), then (algorithm, "*", decision), then
    the algorithm's one-sentence purpose. A placeholder ``{fact}`` gets the fact's value
    (a token in words); ``{fact|noun}`` gets a count and the noun in the form it needs.
    ``tainted``: a redirect-taint came earlier in the trace (the request's origin is null).
    """
    cat = catalogue(lang)
    variant = _variant(step, tainted)
    text = ((cat.explain.get((step.algorithm, f"{step.step}:{variant}", step.decision)) if variant else None)
            or cat.explain.get((step.algorithm, step.step, step.decision))
            or cat.explain.get((step.algorithm, "*", step.decision))
            or cat.about[step.algorithm])

    def fill(m: re.Match[str]) -> str:
        name, _, noun = m.group(1).partition("|")
        value = step.fact(name)
        if value is None:
            return name
        if noun and value.isdigit():
            return cat.count(int(value), noun)
        return cat.fact_value(name, value)

    return _PLACEHOLDER.sub(fill, text)


def _facts(step: Step, cat: Catalogue) -> list[str]:
    """The step's facts as ``name = value``, names and tokens in the catalogue's words."""
    return [f"{cat.fact_name(k)} = {cat.fact_value(k, v)}" for k, v in step.facts]


def _decision(step: Step, cat: Catalogue) -> str:
    """The decision as shown; empty where it only repeats the title ("network error")."""
    word = cat.decisions[step.decision]
    return "" if word.replace("-", " ") == cat.titles[step.algorithm] else word


def step_label(step: Step, lang: str = "en") -> str:
    """E.g. ``CORS check step 5``, or the title alone for definitions without steps."""
    cat = catalogue(lang)
    title = cat.titles[step.algorithm]
    return f"{title} {cat.words['step']} {step.step}" if step.step else title


def render_step(step: Step, *, color: bool = False, links: bool = True, lang: str = "en",
                explain: bool = False, tainted: bool = False) -> str:
    """One step as two to four lines of text."""
    cat = catalogue(lang)
    label = step_label(step, lang)
    decision = _decision(step, cat)
    if color:
        tint = _RED if step.decision in _BAD else _GREEN if step.decision in _GOOD else _CYAN
        head = f"{_BOLD}{label}{_RESET}: {tint}{decision}{_RESET}" if decision else f"{_BOLD}{tint}{label}{_RESET}"
    else:
        head = f"{label}: {decision}" if decision else label
    lines = [head]
    if explain:
        lines.append("    " + explanation(step, lang, tainted=tainted))
    if step.facts:
        lines.append("    " + "; ".join(_facts(step, cat)))
    if links:
        link = step.algorithm.url
        lines.append(f"    {_DIM}{link}{_RESET}" if color else f"    {link}")
    return "\n".join(lines)


def render_trace(steps: Sequence[Step], *, color: bool = False, lang: str = "en", explain: bool = False) -> str:
    return "\n".join(f"{i:>3}. " + render_step(s, color=color, lang=lang, explain=explain, tainted=t)
                     .replace("\n", "\n     ")
                     for i, (s, t) in enumerate(zip(steps, _tainted(steps)), 1))


def render_summary(result: Result, lang: str = "en") -> str:
    """One line: what script got."""
    w = catalogue(lang).words
    if result.failure is not None:
        f = result.failure
        detail = f" ({f.detail})" if f.detail else ""
        exc = f"; {w['script sees']} {result.exception.value}" if result.exception else ""
        return f"{w['network error']}: {f.reason.value}{detail}{exc}"
    names = ", ".join(result.header_names) or w["none"]
    return (f"{result.outcome.value} {w['response']}, {w['status']} {result.status}, {w['readable headers']}: {names}"
            + (f", {w['url']} {result.url}" if result.url else "") + (f", {w['redirected']}" if result.redirected else ""))


def _wire_extra(s: object) -> str:
    pairs = (("Origin", getattr(s, "origin", None)), ("ACRM", getattr(s, "acrm", None)),
             ("ACRH", getattr(s, "acrh", None)))
    return "".join(f" {k}: {v}" for k, v in pairs if v is not None)


def render_result(result: Result, *, color: bool = False, lang: str = "en", explain: bool = False) -> str:
    """Summary, what went on the wire, and the trace."""
    w = catalogue(lang).words
    lines = [render_summary(result, lang)]
    for s in result.sent:
        lines.append(f"  {w['sent']} {s.method} {s.url}{_wire_extra(s)}")
    if result.trace:
        lines.append("")
        lines.append(render_trace(result.trace, color=color, lang=lang, explain=explain))
    return "\n".join(lines)


# --- whole scenarios ----------------------------------------------------------------------


def request_line(req: ScenarioRequest) -> str:
    """E.g. ``fetch PUT https://api.example/items``, or ``img https://...`` for elements."""
    if req.api.is_element:
        co = f" crossorigin={req.crossorigin.value}" if req.crossorigin is not None else ""
        return f"{req.api.value} {req.url}{co}"
    return f"{req.api.value} {req.method} {req.url}"


def render_scenario_text(scenario: Scenario, results: Sequence[Result], *, profile: str = "spec",
                         color: bool = False, lang: str = "en") -> str:
    """What ``cors-spec explain`` prints: every request with its explained trace."""
    w = catalogue(lang).words
    out = [f"{scenario.name}: {w['page']} {scenario.page}, {w['profile']} {profile}"]
    for i, (req, r) in enumerate(zip(scenario.requests, results)):
        when = f" {w['after']} {req.after:g}s" if req.after else ""
        out.append(f"\n== {w['request']} {i}{when}: {request_line(req)}")
        out.append(render_result(r, color=color, lang=lang, explain=True))
    return "\n".join(out)


def _code(text: str) -> str:
    """An inline code span that is safe inside a Markdown table cell."""
    return "<code>" + html.escape(text).replace("|", "&#124;") + "</code>"


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "&#124;").replace("\n", " ")


def render_markdown(scenario: Scenario, results: Sequence[Result], *, profile: str = "spec", lang: str = "en",
                    level: int = 2) -> str:
    """The scenario as Markdown: requests, routes, a sequence diagram, and each explained trace.

    Headings start at ``level`` (a page adds its own title above). The diagram is a
    ``mermaid`` fenced block, which the documentation site renders.
    """
    cat = catalogue(lang)
    w = cat.words
    h = "#" * level
    out: list[str] = []
    out.append(f"{h} {w['scenario']}\n")
    out.append(f"- {w['page']}: {_code(scenario.page)}")
    out.append(f"- {w['profile']}: {_code(profile)}\n")
    out.append(f"| # | {w['request']} | |\n|---|---|---|")
    for i, req in enumerate(scenario.requests):
        opts = []
        if not req.api.is_element:
            opts = [f"{k}: {v}" for k, v in (("mode", req.mode.value), ("credentials", req.credentials.value),
                                             ("redirect", req.redirect.value))]
            opts += [f"{n}: {v}" for n, v in req.headers]
            if req.body is not None:
                opts.append(f"body: {req.body[:60]}")
            if req.upload_listener:
                opts.append("upload listener")
        if req.after:
            opts.insert(0, f"{w['after']} {req.after:g}s")
        out.append(f"| {i} | {_code(request_line(req))} | {'<br>'.join(_code(o) for o in opts)} |")
    out.append("")
    if scenario.server.routes:
        out.append(f"**{w['server']}**\n")
        out.append(f"| {w['method']} | {w['url']} | {w['status']} | {w['headers']} |\n|---|---|---|---|")
        for route in scenario.server.routes:
            hdrs = "<br>".join(_code(f"{n}: {v}") for n, v in route.headers)
            out.append(f"| {route.method or '*'} | {_code(route.url)} | {route.status} | {hdrs} |")
        out.append("")
    out.append(f"{h} {w['diagram']}\n")
    out.append("```mermaid\n" + render_mermaid(scenario, results, lang=lang) + "\n```\n")
    for i, (req, r) in enumerate(zip(scenario.requests, results)):
        out.append(f"{h} {w['request']} {i}: {_cell(request_line(req))}\n")
        out.append(f"**{w['result']}:** {_cell(render_summary(r, lang))}\n")
        if r.sent:
            out.append(f"**{w['on the wire']}:**\n")
            for wr in r.sent:
                out.append(f"- {_code(f'{wr.method} {wr.url}{_wire_extra(wr)}')}")
            out.append("")
        else:
            out.append(f"*{w['no requests sent']}.*\n")
        if r.trace:
            out.append(f"| # | {w['step']} | {w['decision']} | {w['explanation']} | {w['facts']} |")
            out.append("|---|---|---|---|---|")
            for n, (s, tainted) in enumerate(zip(r.trace, _tainted(r.trace)), 1):
                facts = "<br>".join(_code(f) for f in _facts(s, cat))
                dec = _decision(s, cat) or "—"
                dec = f"**{dec}**" if s.decision in _BAD else dec
                out.append(f"| {n} | [{_cell(step_label(s, lang))}]({s.algorithm.url}) | {dec} | "
                           f"{_cell(explanation(s, lang, tainted=tainted))} | {facts} |")
            out.append("")
    return "\n".join(out)


def _mm(text: str) -> str:
    """Text safe inside a Mermaid message or note (entity codes for the special characters)."""
    text = text.replace("#", "#35;").replace(";", "#59;").replace("<", "#lt;").replace(">", "#gt;")
    return text.replace("\n", "<br/>")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def render_mermaid(scenario: Scenario, results: Sequence[Result], *, lang: str = "en") -> str:
    """A Mermaid sequence diagram: page script, browser, and one participant per server origin.

    Each request the page makes, each request on the wire (preflights and every redirect
    hop) with its CORS request headers, each answer with its status and CORS headers,
    preflight-cache hits, failed checks, and what script finally gets. Needs traced results.
    """
    cat = catalogue(lang)
    w = cat.words
    origins: list[str] = []
    for r in results:
        for s in r.sent:
            o = _origin_of(s.url)
            if o not in origins:
                origins.append(o)
    pid = {o: f"S{i}" for i, o in enumerate(origins, 1)}
    lines = ["sequenceDiagram",
             f"    participant P as {_mm(w['page script'])} ({_mm(scenario.page)})",
             f"    participant B as {_mm(w['browser'])}"]
    lines += [f"    participant {pid[o]} as {_mm(o)}" for o in origins]
    for req, r in zip(scenario.requests, results):
        if req.after:
            lines.append(f"    Note over P: {_mm(w['after'])} {req.after:g}s")
        lines.append(f"    P->>B: {_mm(request_line(req))}")
        sent = iter(r.sent)
        current = ""
        for st in r.trace:
            if st.algorithm is Algorithm.HTTP_NETWORK_OR_CACHE_FETCH and st.decision is Decision.SENT:
                wire = next(sent, None)
                url = wire.url if wire is not None else st.fact("url") or ""
                current = pid.get(_origin_of(url), "B")
                msg = f"{wire.method if wire else st.fact('method')} {_path_of(url)}"
                if wire is not None:
                    extra = [f"{k}: {v}" for k, v in (("Origin", wire.origin), ("ACRM", wire.acrm),
                                                      ("ACRH", wire.acrh)) if v is not None]
                    msg += "".join(f"\n{e}" for e in extra)
                lines.append(f"    B->>{current}: {_mm(msg)}")
            elif st.algorithm is Algorithm.HTTP_NETWORK_OR_CACHE_FETCH and st.decision is Decision.RECEIVED:
                msg = "\n".join([st.fact("status") or "?"] + [f"{k}: {v}" for k, v in st.facts if k != "status"])
                lines.append(f"    {current or 'B'}-->>B: {_mm(msg)}")
            elif st.decision is Decision.HIT:
                lines.append(f"    Note over B: {_mm(w['cache hit'])}: {_mm(st.fact('method') or st.fact('header') or '')}")
            elif st.decision in _BAD and st.algorithm is not Algorithm.NETWORK_ERROR:
                lines.append(f"    Note over B: {_mm(step_label(st, lang))}: {_mm(cat.decisions[st.decision])}")
            elif st.algorithm is Algorithm.REDIRECT_TAINT:
                lines.append(f"    Note over B: Origin: null ({_mm(cat.titles[st.algorithm])})")
        summary = render_summary(r, lang)
        arrow = "--x" if r.failure is not None else "-->>"
        lines.append(f"    B{arrow}P: {_mm(summary)}")
    return "\n".join(lines)


def render_json(scenario: Scenario, results: Sequence[Result], *, profile: str = "spec",
                lang: str = "en") -> dict[str, object]:
    """The scenario, each request's observation, and each step with its title, explanation and link."""
    from cors_spec.scenario.format import observation

    requests: list[dict[str, object]] = []
    for req, r in zip(scenario.requests, results):
        steps = [{**s.to_json(), "title": step_label(s, lang), "explanation": explanation(s, lang, tainted=t),
                  "link": s.algorithm.url} for s, t in zip(r.trace, _tainted(r.trace))]
        requests.append({"request": request_line(req), "after": req.after, "summary": render_summary(r, lang),
                         "observation": observation(r), "trace": steps})
    return {"name": scenario.name, "about": scenario.about, "page": scenario.page, "profile": profile,
            "lang": lang, "requests": requests, "mermaid": render_mermaid(scenario, results, lang=lang)}


def render_scenario(scenario: Scenario, results: Sequence[Result], fmt: str = "text", *, profile: str = "spec",
                    lang: str = "en", color: bool = False) -> str:
    """One of :data:`FORMATS`, as a string."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    if fmt == "text":
        return render_scenario_text(scenario, results, profile=profile, color=color, lang=lang)
    if fmt == "markdown":
        return render_markdown(scenario, results, profile=profile, lang=lang)
    if fmt == "mermaid":
        return render_mermaid(scenario, results, lang=lang)
    if fmt == "json":
        return json.dumps(render_json(scenario, results, profile=profile, lang=lang), indent=1, ensure_ascii=False)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "Catalogue",
    "explanation",
    "render_json",
    "render_markdown",
    "render_mermaid",
    "render_result",
    "render_scenario",
    "render_scenario_text",
    "render_step",
    "render_summary",
    "render_trace",
    "request_line",
    "step_label",
]
