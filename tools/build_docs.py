"""Build the documentation site: generate the gallery and reference pages, then run MkDocs.

    python3 tools/build_docs.py --strict          # generate + build into site/ (what CI runs)
    python3 tools/build_docs.py --serve           # ... then serve it on http://127.0.0.1:8000/
    python3 tools/build_docs.py --generate-only   # only write the generated pages
    python3 tools/build_docs.py --engines-from out.chromium.json out.firefox.json out.webkit.json
                                                  # turn harness records into docs/data/engines.json

Generated (git-ignored, rewritten on every build, so they cannot drift from the code):

- ``docs/gallery/`` and ``docs/ru/gallery/``: one page per golden scenario in
  ``spec_traces/``: the scenario, a Mermaid sequence diagram, each request's trace with its
  spec links and plain-language explanations, what each engine profile does where it
  differs from the standard, and (when ``docs/data/engines.json`` exists) what the real
  engines did and the console lines they logged.
- ``docs/reference/``: failure reasons, profile differences, trace-step explanations,
  the scenario format's JSON Schema, and the Python API (mkdocstrings).
- ``docs/assets/javascripts/mermaid.min.js``: Mermaid from the npm package ``mermaid``
  (``npm pack``, cached under ``build/docs-cache/``); the site loads nothing from a CDN.

This file is also the MkDocs hook named in ``mkdocs.yml``: ``mkdocs build`` and
``mkdocs serve`` regenerate the pages and put the gallery into the navigation.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import webbrowser
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from cors_spec import Reason  # noqa: E402
from cors_spec._profile import PROFILES, SPEC, Profile  # noqa: E402
from cors_spec._render import render_markdown  # noqa: E402
from cors_spec._response import Result  # noqa: E402
from cors_spec._scenario import Scenario, load_scenario, observation, run_scenario  # noqa: E402
from cors_spec._text import LANGUAGES, TEXT  # noqa: E402

DOCS = ROOT / "docs"
TRACES = ROOT / "spec_traces"
ENGINES_FILE = DOCS / "data" / "engines.json"
MERMAID_VERSION = "11.12.2"
MERMAID_JS = DOCS / "assets" / "javascripts" / "mermaid.min.js"
CACHE = ROOT / "build" / "docs-cache"
#: Observation fields compared between the model and an engine.
FIELDS = ("outcome", "status", "headers", "redirected", "url", "sent", "loaded", "readable")
GROUPS = {
    "origin": ("Origins", "Origin"),
    "construct": ("Building the request", "Построение запроса"),
    "preflight": ("Preflight", "Предварительный запрос"),
    "check": ("The CORS check", "CORS-проверка"),
    "filter": ("Readable responses", "Что читает скрипт"),
    "redirect": ("Redirects", "Переадресации"),
    "cache": ("Preflight cache", "Кэш preflight"),
    "xhr": ("XMLHttpRequest", "XMLHttpRequest"),
    "null": ("Opaque-origin pages", "Страницы с непрозрачным origin"),
    "element": ("Elements", "Элементы"),
}
_W = {
    "en": {"gallery": "Scenario gallery", "intro": "One page per golden scenario in `spec_traces/`, generated "
           "from the model at build time. Each page shows the scenario, a sequence diagram, and the step-by-step "
           "trace with spec links and plain-language explanations.",
           "scenarios": "scenarios", "scenario": "scenario", "about": "about", "outcome": "what script gets",
           "file": "The scenario file", "reproduce": "Reproduce it", "engines": "Where engines differ",
           "profiles_same": "Every engine profile (`{names}`) gives the same observations as the standard here.",
           "profiles_diff": "The engine profiles of the model (each checked against a real browser) differ from "
                            "the standard here:",
           "field": "field", "request": "request", "real": "In real browsers",
           "real_intro": "Recorded with the real-browser harness (`python3 -m harness run --engine all`).",
           "agree": "agrees with the model's `{profile}` profile",
           "console": "Console", "no_console": "(no console lines)", "errors": "harness errors",
           "other_lang": "Русская версия"},
    "ru": {"gallery": "Галерея сценариев", "intro": "По странице на каждый эталонный сценарий из `spec_traces/`; "
           "страницы строятся из модели при сборке сайта. На каждой — сценарий, диаграмма последовательности и "
           "пошаговая трасса со ссылками на стандарт и объяснениями простыми словами.",
           "scenarios": "сценариев", "scenario": "сценарий", "about": "о чём", "outcome": "что получает скрипт",
           "file": "Файл сценария", "reproduce": "Повторить", "engines": "Где движки расходятся",
           "profiles_same": "Все профили движков (`{names}`) дают здесь те же наблюдения, что и стандарт.",
           "profiles_diff": "Профили движков в модели (каждый сверен с настоящим браузером) здесь расходятся "
                            "со стандартом:",
           "field": "поле", "request": "запрос", "real": "В настоящих браузерах",
           "real_intro": "Записано стендом с настоящими браузерами (`python3 -m harness run --engine all`).",
           "agree": "совпадает с профилем модели `{profile}`",
           "console": "Консоль", "no_console": "(в консоли ничего)", "errors": "ошибки стенда",
           "other_lang": "English version"},
}


# --- small helpers ---------------------------------------------------------------------


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it (so ``mkdocs serve`` does not loop)."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _prune(folder: Path, keep: set[Path]) -> None:
    """Remove generated pages that no longer correspond to a scenario."""
    if folder.exists():
        for p in folder.glob("*.md"):
            if p not in keep:
                p.unlink()


def _group(name: str) -> str:
    prefix = name.split("-", 1)[0]
    return prefix if prefix in GROUPS else "other"


def _group_title(group: str, lang: str) -> str:
    en, ru = GROUPS.get(group, ("Other", "Другое"))
    return en if lang == "en" else ru


def _esc(text: str) -> str:
    return text.replace("|", "&#124;").replace("<", "&lt;").replace(">", "&gt;")


def scenario_paths() -> list[Path]:
    return sorted(TRACES.glob("*.json"))


@functools.cache
def _load(path: Path) -> Scenario:
    return load_scenario(path)


# --- engine records (optional) -----------------------------------------------------------


def load_engines(path: Path = ENGINES_FILE) -> dict[str, dict[str, Any]]:
    """``{engine: {"version": ..., "scenarios": {name: {observations, console, errors}}}}``.

    Accepts the harness's per-engine reports as a list, as ``{"engines": [...]}``, or as
    ``{engine: report}``. No file: ``{}`` (the gallery then leaves the section out).
    """
    if not path.exists():
        observed = sorted((ROOT / "conformance" / "observed").glob("*.json"))
        if path != ENGINES_FILE or not observed:
            return {}
        # The project's own recorded engine runs (cors-spec conformance --record).
        data: Any = [json.loads(f.read_text(encoding="utf-8")) for f in observed]
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "engines" in data:
        data = data["engines"]
    if isinstance(data, dict) and "scenarios" in data:
        data = [data]
    reports: list[dict[str, Any]] = list(data.values()) if isinstance(data, dict) else list(data)
    out: dict[str, dict[str, Any]] = {}
    for rep in reports:
        name = str(rep.get("engine", "?"))
        out[name] = {"version": rep.get("version", ""),
                     "scenarios": {s["name"]: s for s in rep.get("scenarios", []) if "name" in s}}
    return out


def merge_engine_records(files: Sequence[Path], dest: Path = ENGINES_FILE) -> Path:
    """Write harness records (``out.<engine>.json``) into one ``docs/data/engines.json``."""
    reports = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps({"engines": reports}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return dest


# --- gallery ----------------------------------------------------------------------------


def _obs(r: Result) -> dict[str, object]:
    o = observation(r)
    return {k: o[k] for k in FIELDS if k in o} | {"reason": o.get("reason")}


def _show(value: object) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):  # sent
        return "<br>".join(_esc(f"{s.get('method')} {s.get('url')} Origin: {s.get('origin')}"
                                + (f" ACRM: {s['acrm']}" if s.get("acrm") else "")
                                + (f" ACRH: {s['acrh']}" if s.get("acrh") else "")) for s in value) or "—"
    if isinstance(value, list):
        return _esc(", ".join(str(v) for v in value)) or "—"
    return _esc(json.dumps(value) if not isinstance(value, str) else value) or "—"


def _profile_section(scenario: Scenario, spec_results: Sequence[Result], lang: str) -> list[str]:
    w = _W[lang]
    engines = [p for name, p in sorted(PROFILES.items()) if name != SPEC.name]
    if not engines:
        return []
    rows: list[str] = []
    for p in engines:
        for i, (a, b) in enumerate(zip(spec_results, run_scenario(scenario, p))):
            oa, ob = _obs(a), _obs(b)
            for f in (*FIELDS, "reason"):
                if oa.get(f) != ob.get(f):
                    rows.append(f"| {i} | `{p.name}` | {f} | {_show(oa.get(f))} | {_show(ob.get(f))} |")
    out = [f"## {w['engines']}\n"]
    if not rows:
        out.append(w["profiles_same"].format(names="`, `".join(p.name for p in engines)) + "\n")
        return out
    out.append(w["profiles_diff"] + "\n")
    out.append(f"| {w['request']} | profile | {w['field']} | spec | engine |\n|---|---|---|---|---|")
    out += rows
    out.append("")
    return out


def _engines_section(scenario: Scenario, spec_results: Sequence[Result], engines: dict[str, dict[str, Any]],
                     lang: str) -> list[str]:
    w = _W[lang]
    have = {e: d["scenarios"][scenario.name] for e, d in sorted(engines.items()) if scenario.name in d["scenarios"]}
    if not have:
        return []
    out = [f"## {w['real']}\n", w["real_intro"] + "\n"]
    for engine, rec in have.items():
        version = engines[engine].get("version") or engine
        profile = PROFILES.get(engine, SPEC)
        model = [_obs(r) for r in run_scenario(scenario, profile)]
        out.append(f"### {engine}\n\n{_esc(str(version))}\n")
        got = rec.get("observations") or []
        diffs = []
        for i, (want, obs) in enumerate(zip(model, got)):
            for f in FIELDS:
                if f in obs and want.get(f) != obs.get(f):
                    diffs.append(f"| {i} | {f} | {_show(want.get(f))} | {_show(obs.get(f))} |")
        if diffs:
            out.append(f"| {w['request']} | {w['field']} | model `{profile.name}` | {engine} |\n|---|---|---|---|")
            out += diffs
            out.append("")
        elif got:
            out.append(f"{engine} {w['agree'].format(profile=profile.name)}.\n")
        console = [str(c) for c in rec.get("console") or []]
        out.append(f"**{w['console']}:**\n")
        out.append("```text\n" + ("\n".join(console) if console else w["no_console"]) + "\n```\n")
        errors = [str(e) for e in rec.get("errors") or []]
        if errors:
            out.append(f"**{w['errors']}:**\n")
            out.append("```text\n" + "\n".join(errors) + "\n```\n")
    return out


def gallery_page(path: Path, lang: str, engines: dict[str, dict[str, Any]]) -> str:
    """The Markdown of one gallery page."""
    w = _W[lang]
    s = _load(path)
    results = run_scenario(s, SPEC, trace=True)
    other = "../../gallery/" if lang == "ru" else "../ru/gallery/"
    out = [f"# {s.name}\n"]
    if s.about:
        out.append(f"{_esc(s.about)}\n")
    out.append(f"[{w['other_lang']}]({other}{s.name}.md) · "
               f"[{_group_title(_group(s.name), lang)}](index.md#{_group(s.name)})\n")
    out.append(render_markdown(s, results, profile=SPEC.name, lang=lang, level=2))
    out += _profile_section(s, results, lang)
    out += _engines_section(s, results, engines, lang)
    raw = json.dumps(s.raw, indent=1, ensure_ascii=False)
    out.append(f"## {w['reproduce']}\n")
    flag = " --lang ru" if lang == "ru" else ""
    out.append(f"```sh\ncors-spec explain{flag} spec_traces/{path.name}\n```\n")
    out.append(f'??? note "{w["file"]}: spec_traces/{path.name}"\n\n    ```json\n'
               + "\n".join("    " + line for line in raw.splitlines()) + "\n    ```\n")
    return "\n".join(out)


def gallery_index(paths: Sequence[Path], lang: str) -> str:
    w = _W[lang]
    out = [f"# {w['gallery']}\n", w["intro"] + "\n", f"{len(paths)} {w['scenarios']}.\n"]
    groups: dict[str, list[Path]] = {}
    for p in paths:
        groups.setdefault(_group(p.stem), []).append(p)
    order = [g for g in GROUPS if g in groups] + sorted(g for g in groups if g not in GROUPS)
    for g in order:
        out.append(f"## {_group_title(g, lang)} {{#{g}}}\n")
        out.append(f"| {w['scenario']} | {w['about']} | {w['outcome']} |\n|---|---|---|")
        for p in groups[g]:
            s = _load(p)
            outcomes = ", ".join(r.outcome.value for r in run_scenario(s, SPEC))
            out.append(f"| [{s.name}]({p.stem}.md) | {_esc(s.about)} | {outcomes} |")
        out.append("")
    return "\n".join(out)


def generate_gallery(engines: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, list[str]]]:
    """Write both languages' gallery; returns ``{lang: {group: [page paths relative to docs]}}``."""
    engines = load_engines() if engines is None else engines
    paths = scenario_paths()
    nav: dict[str, dict[str, list[str]]] = {}
    for lang in LANGUAGES:
        folder = DOCS / "gallery" if lang == "en" else DOCS / lang / "gallery"
        rel = folder.relative_to(DOCS).as_posix()
        keep = {folder / "index.md"}
        write_if_changed(folder / "index.md", gallery_index(paths, lang))
        groups: dict[str, list[str]] = {}
        for p in paths:
            page = folder / f"{p.stem}.md"
            keep.add(page)
            write_if_changed(page, gallery_page(p, lang, engines))
            groups.setdefault(_group_title(_group(p.stem), lang), []).append(f"{rel}/{p.stem}.md")
        _prune(folder, keep)
        nav[lang] = groups
    return nav


# --- reference pages --------------------------------------------------------------------


def _reason_examples() -> dict[Reason, list[str]]:
    seen: dict[Reason, list[str]] = {}
    for p in scenario_paths():
        for r in run_scenario(_load(p), SPEC):
            if r.reason is not None and p.stem not in seen.setdefault(r.reason, []):
                seen[r.reason].append(p.stem)
    return seen


def reasons_page() -> str:
    examples = _reason_examples()
    out = ["# Failure reasons\n",
           "Why a request ends in a network error: `cors_spec.Reason`, the `reason` field of an observation. "
           "Names follow Chromium's `CorsError` where it has the reason. Generated from `cors_spec/_response.py` "
           "and the text catalogue; *before network* means nothing reached the server.\n",
           "| reason | before network | meaning | по-русски | scenarios |\n|---|---|---|---|---|"]
    for r in Reason:
        ex = examples.get(r, [])
        links = ", ".join(f"[{n}](../gallery/{n}.md)" for n in ex[:3]) + (" …" if len(ex) > 3 else "")
        out.append(f"| `{r.value}` | {'yes' if r.before_network else ''} | {_esc(TEXT['en'].reasons[r])} | "
                   f"{_esc(TEXT['ru'].reasons[r])} | {links} |")
    return "\n".join(out) + "\n"


def _field_comments() -> dict[str, str]:
    """The ``#:`` comment above each Profile field, from the source."""
    comments: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(Profile).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        m = re.match(r"(\w+)\s*:", stripped)
        if m and pending:
            comments[m.group(1)] = " ".join(pending)
        if not stripped.startswith("#"):
            pending = []
    return comments


def _value(v: object) -> str:
    if isinstance(v, (frozenset, set)):
        v = sorted(v)
    if isinstance(v, tuple) and v and isinstance(v[0], tuple):
        return "<br>".join(_esc(f"{a}: {b}") for a, b in v)
    return _esc(json.dumps(v) if not isinstance(v, str) else v) or "—"


def profiles_page() -> str:
    import attrs

    from cors_spec import _profile

    evidence: dict[str, str] = getattr(_profile, "FIELD_EVIDENCE", {})
    names = [SPEC.name, *sorted(n for n in PROFILES if n != SPEC.name)]
    comments = _field_comments()
    existing = {p.stem for p in scenario_paths()}
    out = ["# Profiles: where engines differ\n",
           "A profile is a frozen `cors_spec.Profile`: every place where the standard leaves a choice to the "
           "browser, or where engines are known to differ, is one field. Generated from `cors_spec/_profile.py`; "
           "cells that differ from `spec` are **bold**. See also [conformance](../conformance.md).\n",
           "| profile | checked against |\n|---|---|"]
    out += [f"| `{n}` | {_esc(PROFILES[n].verified_against)} |" for n in names]
    out.append("\n| field | " + " | ".join(f"`{n}`" for n in names) + " | evidence | meaning |")
    out.append("|---" * (len(names) + 3) + "|")
    for f in attrs.fields(Profile):
        if f.name in ("name", "verified_against"):
            continue
        spec_v = getattr(SPEC, f.name)
        cells = []
        for n in names:
            v = getattr(PROFILES[n], f.name)
            cells.append(f"**{_value(v)}**" if v != spec_v else _value(v))
        ev = evidence.get(f.name, "")
        ev_cell = f"[{ev}](../gallery/{ev}.md)" if ev in existing else _esc(ev)
        out.append(f"| `{f.name}` | " + " | ".join(cells) + f" | {ev_cell} | {_esc(comments.get(f.name, ''))} |")
    return "\n".join(out) + "\n"


def steps_page() -> str:
    en, ru = TEXT["en"], TEXT["ru"]
    out = ["# Trace steps explained\n",
           "Every step record the model can write, with the plain-language explanation the renderers show "
           "(`cors-spec explain --lang en|ru`). Generated from the text catalogue `cors_spec/_text.py`; "
           "`{fact}` is replaced by the step's fact. The record format is in [trace.md](../trace.md).\n",
           "| algorithm | step | decision | explanation | по-русски |\n|---|---|---|---|---|"]
    for (alg, step, dec), text in en.explain.items():
        out.append(f"| [{_esc(en.titles[alg])}]({alg.url}) | {step} | {dec.value} | {_esc(text)} | "
                   f"{_esc(ru.explain[(alg, step, dec)])} |")
    out.append("\n## Algorithms\n\n| anchor | title | what it is for | по-русски |\n|---|---|---|---|")
    for alg, title in en.titles.items():
        out.append(f"| [`{alg.value}`]({alg.url}) | {_esc(title)} | {_esc(en.about[alg])} | {_esc(ru.about[alg])} |")
    return "\n".join(out) + "\n"


def schema_page() -> str:
    schema_path = DOCS / "scenario-v1.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    out = ["# Scenario JSON Schema\n",
           "The format is described in [scenario-format.md](../scenario-format.md); the schema file is "
           "[scenario-v1.schema.json](../scenario-v1.schema.json). Generated from that file.\n"]

    def table(title: str, obj: dict[str, Any]) -> None:
        req = set(obj.get("required", []))
        out.append(f"## {title}\n\n| field | type | required | description |\n|---|---|---|---|")
        for name, prop in obj.get("properties", {}).items():
            typ = prop.get("type") or ("enum" if "enum" in prop else prop.get("$ref", "").rsplit("/", 1)[-1])
            if "enum" in prop:
                typ = " \\| ".join(f"`{v}`" for v in prop["enum"])
            out.append(f"| `{name}` | {typ if isinstance(typ, str) else ', '.join(typ)} | "
                       f"{'yes' if name in req else ''} | {_esc(prop.get('description', ''))} |")
        out.append("")

    table("Top level", schema)
    for name, sub in schema.get("$defs", {}).items():
        if isinstance(sub, dict) and "properties" in sub:
            table(f"`{name}`", sub)
    out.append("## The schema\n\n```json\n" + json.dumps(schema, indent=1, ensure_ascii=False) + "\n```\n")
    return "\n".join(out)


def api_page() -> str:
    return ("# Python API\n\nGenerated from the docstrings of the `cors_spec` package "
            "(everything in `cors_spec.__all__`).\n\n"
            "::: cors_spec\n    options:\n      show_root_heading: false\n      members_order: source\n"
            "      show_submodules: false\n")


REFERENCE = {
    "reference/reasons.md": reasons_page,
    "reference/profiles.md": profiles_page,
    "reference/steps.md": steps_page,
    "reference/schema.md": schema_page,
    "reference/api.md": api_page,
}


def generate_reference() -> list[str]:
    for rel, make in REFERENCE.items():
        write_if_changed(DOCS / rel, make())
    return list(REFERENCE)


# --- Mermaid, bundled ---------------------------------------------------------------------


def fetch_mermaid(dest: Path = MERMAID_JS, version: str = MERMAID_VERSION) -> Path:
    """Put ``mermaid.min.js`` from the npm package into the docs (``npm pack``, cached)."""
    cached = CACHE / f"mermaid-{version}.min.js"
    if not cached.exists():
        local = os.environ.get("CORS_SPEC_MERMAID_JS")  # an already downloaded copy
        if local:
            CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local, cached)
        else:
            npm = shutil.which("npm")
            if npm is None:
                raise SystemExit("build_docs: npm is needed once to fetch the mermaid package "
                                 "(or set CORS_SPEC_MERMAID_JS to a mermaid.min.js)")
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run([npm, "pack", f"mermaid@{version}", "--pack-destination", tmp, "--silent"],
                               check=True, stdout=subprocess.DEVNULL)
                tgz = next(Path(tmp).glob("mermaid-*.tgz"))
                with tarfile.open(tgz) as tar:
                    member = tar.extractfile("package/dist/mermaid.min.js")
                    if member is None:
                        raise SystemExit("build_docs: the mermaid package has no dist/mermaid.min.js")
                    data = member.read()
            CACHE.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(data)
    if not dest.exists() or dest.read_bytes() != cached.read_bytes():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, dest)
    return dest


# --- everything, and the MkDocs hook -----------------------------------------------------


def generate() -> dict[str, dict[str, list[str]]]:
    """Write every generated page and the Mermaid bundle; returns the gallery navigation."""
    nav = generate_gallery()
    generate_reference()
    fetch_mermaid()
    return nav


def _patch_nav(nav: list[Any], gallery: dict[str, dict[str, list[str]]], extra_pages: Iterable[str]) -> list[Any]:
    """Expand ``gallery/index.md`` entries into sections; add unlisted project docs to Reference."""
    def walk(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, dict):
                (title, value), = item.items()
                if isinstance(value, str) and value in ("gallery/index.md", "ru/gallery/index.md"):
                    lang = "ru" if value.startswith("ru/") else "en"
                    groups = [{g: pages} for g, pages in gallery.get(lang, {}).items()]
                    out.append({title: [value, *groups]})
                elif isinstance(value, list):
                    out.append({title: walk(value)})
                else:
                    out.append(item)
            else:
                out.append(item)
        return out

    patched = walk(nav)
    listed = set(_nav_pages(patched))
    missing = [p for p in extra_pages if p not in listed]
    if missing:
        for item in patched:
            if isinstance(item, dict) and "Reference" in item and isinstance(item["Reference"], list):
                item["Reference"].extend(missing)
                break
        else:
            patched.append({"Reference": missing})
    return patched


def _nav_pages(items: Iterable[Any]) -> Iterable[str]:
    for item in items:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for value in item.values():
                if isinstance(value, str):
                    yield value
                elif isinstance(value, list):
                    yield from _nav_pages(value)


def on_config(config: Any) -> Any:
    """MkDocs hook: regenerate, then give the gallery its place in the navigation."""
    gallery = generate()
    if config.get("nav"):
        project_docs = sorted(p.name for p in DOCS.glob("*.md"))
        config["nav"] = _patch_nav(config["nav"], gallery, project_docs)
    return config


# --- the command ------------------------------------------------------------------------


def build(strict: bool, site_dir: Path) -> float:
    start = time.monotonic()
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "--site-dir", str(site_dir),
           "--config-file", str(ROOT / "mkdocs.yml")]
    if strict:
        cmd.append("--strict")
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.monotonic() - start


def serve(site_dir: Path, port: int, open_browser: bool) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        print(f"serving {site_dir} at {url} (Ctrl-C stops)")
        if open_browser:
            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Generate the gallery and reference pages, then build the site.")
    p.add_argument("--strict", action="store_true", help="fail on any MkDocs warning (broken links, missing pages)")
    p.add_argument("--site-dir", type=Path, default=ROOT / "site", help="output folder (default: site/)")
    p.add_argument("--generate-only", action="store_true", help="write the generated pages, do not build")
    p.add_argument("--serve", action="store_true", help="after building, serve the site on 127.0.0.1")
    p.add_argument("--open", action="store_true", help="with --serve: open it in a browser")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--engines-from", nargs="+", type=Path, metavar="REPORT",
                   help="harness reports (out.<engine>.json) to merge into docs/data/engines.json, then stop")
    args = p.parse_args(argv)
    if args.engines_from:
        print(f"wrote {merge_engine_records(args.engines_from).relative_to(ROOT)}")
        return 0
    start = time.monotonic()
    if args.generate_only:
        generate()
        print(f"generated pages in {time.monotonic() - start:.1f}s")
        return 0
    build(args.strict, args.site_dir)  # the hook in mkdocs.yml generates the pages
    pages = sum(1 for _ in args.site_dir.rglob("index.html"))
    print(f"built {pages} pages into {args.site_dir} in {time.monotonic() - start:.1f}s")
    if args.serve:
        serve(args.site_dir, args.port, args.open)
    return 0


if __name__ == "__main__":
    sys.exit(main())
