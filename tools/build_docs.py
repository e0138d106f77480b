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
  engines did and the console lines they logged. The pages are grouped by concept
  (``topics/``, see ``CONCEPTS``), in the tutorial's order; the Russian pages take their
  descriptions from ``docs/ru/about.json``. ``docs/gallery/files/`` holds one copy of each
  scenario file, linked from both languages.

Every value reaches a page through :func:`md` or :func:`code` (escaped once, where it becomes
Markdown), so ``*/*`` or a ``|`` in a header value is shown as written. Pages stay small: the
menu lists concept pages, not 900 scenario pages; the template's indentation is removed
(:func:`on_post_page`); Mermaid (3 MB) is one shared file that a small stand-in
(``docs/assets/javascripts/mermaid-lazy.js``) fetches only on pages with a diagram.
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
import importlib.util
import inspect
import json
import logging
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
if str(ROOT) not in sys.path and importlib.util.find_spec("cors_spec") is None:  # a checkout, not installed
    sys.path.insert(0, str(ROOT))

from cors_spec import Reason  # noqa: E402
from cors_spec.engines import PROFILES  # noqa: E402
from cors_spec.model.profile import SPEC, Profile  # noqa: E402
from cors_spec.model.response import Result  # noqa: E402
from cors_spec.scenario.format import Scenario, load_scenario, observation, run_scenario  # noqa: E402
from cors_spec.teach.render import explanation, render_mermaid, request_line, step_label  # noqa: E402
from cors_spec.teach.text import LANGUAGES, TEXT  # noqa: E402

DOCS = ROOT / "docs"
TRACES = ROOT / "spec_traces"
ENGINES_FILE = DOCS / "data" / "engines.json"
MERMAID_VERSION = "11.12.2"
MERMAID_JS = DOCS / "assets" / "javascripts" / "mermaid.min.js"
CACHE = ROOT / "build" / "docs-cache"
#: Observation fields compared between the model and an engine.
FIELDS = ("outcome", "status", "headers", "redirected", "url", "sent", "loaded", "readable")


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
        for p in folder.rglob("*.md"):
            if p not in keep:
                p.unlink()


#: Every character that Markdown (or the HTML inside it) could read as markup, as a
#: character reference. Applied once, where a value becomes page text: ``*/*`` stays ``*/*``.
#: Control characters (a tab, CR, LF, NUL in a header value) are drawn as their Unicode control
#: pictures (␉ ␍ ␊ ␀, ␡ for DEL): in a page they would otherwise vanish into white space.
CONTROL_PICTURES = {i: chr(0x2400 + i) for i in range(0x20)} | {0x7F: "\u2421"}
_MD_ESCAPES = str.maketrans({ord(c): f"&#{ord(c)};" for c in "&<>*_`|[]\\~{}"} | CONTROL_PICTURES)
#: What makes a line a list item, heading or quote when it starts the line.
_LINE_START = re.compile(r"^([-+#=]|\d+(?=[.)]))")


def visible(text: str) -> str:
    """``text`` with its control characters drawn (what a page shows of a value)."""
    return text.translate(CONTROL_PICTURES)


def md(text: object) -> str:
    """Plain text, safe anywhere in a Markdown line (table cells, headings, lists, links' text)."""
    out = str(text).translate(_MD_ESCAPES)
    return _LINE_START.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group(1)), out)


def code(text: object) -> str:
    """An inline code span, safe in a Markdown table cell (raw HTML; the value is escaped by :func:`md`)."""
    return f"<code>{md(text)}</code>"


def samp(text: object) -> str:
    """A fact the model wrote in a trace step (``<samp>``: output of a program), escaped like :func:`code`."""
    return f"<samp>{md(text)}</samp>"


def scenario_paths() -> list[Path]:
    return sorted(TRACES.glob("*.json"))


@functools.cache
def _load(path: Path) -> Scenario:
    return load_scenario(path)


RU_ABOUT_FILE = DOCS / "ru" / "about.json"


@functools.cache
def ru_about() -> dict[str, str]:
    """``docs/ru/about.json``: the Russian description of every golden scenario."""
    if not RU_ABOUT_FILE.exists():
        return {}
    data: dict[str, str] = json.loads(RU_ABOUT_FILE.read_text(encoding="utf-8"))
    return data


def about(s: Scenario, lang: str) -> str:
    """The scenario's description in ``lang`` (Russian from ``docs/ru/about.json``)."""
    if lang == "ru":
        text = ru_about().get(s.name)
        if text:
            return text
        print(f"build_docs: no Russian description of {s.name} in docs/ru/about.json", file=sys.stderr)
    return s.about


# --- concepts: how the gallery is grouped --------------------------------------------------

#: The gallery's groups, in the tutorial's order: titles, two or three opening sentences,
#: the three pages to read first, and the tutorial chapter that teaches the concept.
CONCEPTS: dict[str, dict[str, Any]] = {
    "origin": {
        "en": ("Origins", "An origin is scheme, host and port; two URLs that differ in any of them are "
               "cross-origin. The browser puts the page's origin in the `Origin` header, and a page with an "
               "opaque origin (a sandboxed frame, a `data:` page) sends `Origin: null`."),
        "ru": ("Origin", "Origin — это схема, хост и порт; если у двух URL отличается хоть что-то одно, "
               "запрос между ними — межсайтовый (cross-origin). Браузер сообщает origin страницы в заголовке "
               "`Origin`, а страница с непрозрачным origin (изолированный фрейм, страница `data:`) "
               "отправляет `Origin: null`."),
        "best": ("origin-port-differs", "origin-scheme-differs", "null-acao-null"),
        "chapter": "01-origins",
    },
    "simple": {
        "en": ("Simple requests", "A request with a safelisted method and safelisted headers goes out without "
               "asking first. The answer reaches script only if it passes the CORS check: "
               "`Access-Control-Allow-Origin` must be `*` or exactly the page's origin. These pages also show how "
               "the browser builds the request: which headers it drops and which methods it refuses."),
        "ru": ("Простые запросы", "Запрос с разрешённым методом и разрешёнными заголовками уходит на сервер "
               "без предварительного вопроса. Ответ достаётся скрипту, только если проходит CORS-проверку: "
               "`Access-Control-Allow-Origin` должен быть `*` или в точности origin страницы. Здесь же видно, "
               "как браузер собирает запрос: какие заголовки выбрасывает и какие методы не пускает."),
        "best": ("check-acao-missing", "check-acao-star", "check-acao-trailing-slash"),
        "chapter": "03-simple-requests",
    },
    "preflight": {
        "en": ("Preflight", "A request that is not simple (another method, a custom header, a JSON body) is "
               "preceded by an `OPTIONS` request. The server's answer must allow the origin, the method and "
               "every header; only then is the real request sent."),
        "ru": ("Предварительный запрос", "Перед непростым запросом (другой метод, свой заголовок, тело в JSON) "
               "браузер отправляет запрос `OPTIONS`. Ответ сервера должен разрешить origin, метод и каждый "
               "заголовок — только тогда уходит настоящий запрос."),
        "best": ("preflight-acam-missing", "preflight-acah-missing", "preflight-status-not-ok"),
        "chapter": "05-preflight",
    },
    "credentials": {
        "en": ("Credentials", "With `credentials: \"include\"` (or `withCredentials`) cookies travel with "
               "the request. Then the rules tighten: the server must name the origin exactly, never `*`, and "
               "send `Access-Control-Allow-Credentials: true`."),
        "ru": ("Учётные данные", "С `credentials: \"include\"` (или `withCredentials`) вместе с запросом "
               "уходят cookie. Тогда правила строже: сервер должен назвать origin точно, а не `*`, и прислать "
               "`Access-Control-Allow-Credentials: true`."),
        "best": ("check-credentials-include-star", "check-acac-true", "preflight-credentials-needs-acac"),
        "chapter": "06-credentials",
    },
    "exposed": {
        "en": ("Readable headers", "Even a shared response shows script only a few headers: the safelisted "
               "ones and those the server lists in `Access-Control-Expose-Headers`. Opaque responses show "
               "nothing at all."),
        "ru": ("Читаемые заголовки", "Даже в разрешённом ответе скрипт видит лишь несколько заголовков: "
               "безопасные по списку стандарта и те, что сервер перечислил в `Access-Control-Expose-Headers`. "
               "В непрозрачном ответе не видно ничего."),
        "best": ("filter-cors-safelisted-only", "filter-expose-list", "filter-expose-star-credentials"),
        "chapter": "04-exposed-headers",
    },
    "redirects": {
        "en": ("Redirects", "The browser follows redirects itself and checks every hop. A hop from a "
               "cross-origin URL to yet another origin taints the request, and the following requests carry "
               "`Origin: null`; leaving the page's own origin does not taint."),
        "ru": ("Переадресации", "Браузер сам идёт по переадресациям и проверяет каждый шаг. Переход с чужого "
               "URL на ещё один origin «портит» запрос, и дальше он идёт с `Origin: null`; уход со своего "
               "origin страницы запрос не портит."),
        "best": ("redirect-taint-b-to-c", "redirect-taint-a-to-b-untainted", "redirect-301-post-becomes-get"),
        "chapter": "07-redirects",
    },
    "cache": {
        "en": ("Preflight cache", "`Access-Control-Max-Age` lets the browser remember a preflight's answer for "
               "a while, per origin, URL, method and header name. A hit saves the `OPTIONS` round trip; a bad "
               "value falls back to 5 seconds."),
        "ru": ("Кэш предварительных запросов", "`Access-Control-Max-Age` позволяет браузеру на время запомнить "
               "ответ на предварительный запрос — отдельно для origin, URL, метода и имени заголовка. Попадание "
               "в кэш экономит запрос `OPTIONS`; при негодном значении срок — 5 секунд."),
        "best": ("cache-hit-within-max-age", "cache-miss-after-max-age", "cache-entries-per-method"),
        "chapter": "08-preflight-cache",
    },
    "elements": {
        "en": ("Elements", "`<img>`, `<script>`, `<link rel=stylesheet>` and media load cross-origin without "
               "CORS: the page may show them but not read them. The `crossorigin` attribute (and every font or "
               "module script) makes the load a CORS request, and then a failed check means the element does "
               "not load at all."),
        "ru": ("Элементы", "`<img>`, `<script>`, `<link rel=stylesheet>` и медиа загружаются с чужих origin и "
               "без CORS: страница может их показать, но не прочитать. Атрибут `crossorigin` (а также любой "
               "шрифт или модульный скрипт) превращает загрузку в CORS-запрос, и тогда при проваленной "
               "проверке элемент не загружается вовсе."),
        "best": ("element-img-no-crossorigin-cross-origin-opaque", "element-img-anonymous-no-acao-error",
                 "element-img-use-credentials-acao-star-error"),
        "chapter": "02-embedding",
    },
    "engines": {
        "en": ("Engine differences", "Edge cases where the header syntax is unusual, where the standard "
               "leaves a choice to the browser, or where Chromium, Firefox and WebKit disagree. Each page says "
               "what the standard does and what each engine profile does."),
        "ru": ("Различия движков", "Пограничные случаи: необычный синтаксис заголовков, выбор, который "
               "стандарт оставляет браузеру, и места, где Chromium, Firefox и WebKit расходятся. На каждой "
               "странице — что требует стандарт и что делает профиль каждого движка."),
        "best": ("diff-acao-star-and-origin-lines", "diff-cache-max-age-plus-sign", "diff-accept-inner-tab"),
        "chapter": "09-not-a-security-boundary",
    },
}


#: The large groups, split into themed pages (a page of 150 rows is no way in for a learner,
#: and too heavy to load). A scenario goes to the first part whose prefix its name starts with.
PARTS: dict[str, list[tuple[str, tuple[str, str], tuple[str, ...]]]] = {
    "redirects": [
        ("taint", ("Tainted origins, preflights and Authorization", "Заражённый origin, предварительные запросы и Authorization"),
         ("redirect-taint", "redirect-preflight", "redirect-authorization")),
        ("location", ("The Location header", "Заголовок Location"), ("redirect-location",)),
        ("modes", ("Redirect modes and no-cors", "Режимы переадресации и no-cors"),
         ("redirect-mode", "redirect-no-cors")),
        ("statuses", ("Statuses, methods and limits", "Статусы, методы и пределы"), ("",)),
    ],
    "elements": [
        ("img", ("Images", "Изображения"), ("element-img", "element-null-page-img")),
        ("script", ("Scripts", "Скрипты"), ("element-script", "element-module-script")),
        ("stylesheet", ("Stylesheets", "Таблицы стилей"), ("element-stylesheet",)),
        ("other", ("Media, fonts and frames", "Медиа, шрифты и фреймы"), ("",)),
    ],
    "engines": [
        ("response-headers", ("Response header syntax", "Синтаксис заголовков ответа"),
         ("diff-acac", "diff-acah", "diff-acam", "diff-acao", "diff-aceh")),
        ("request-headers", ("Request header bytes and lengths", "Байты и длина заголовков запроса"),
         ("diff-accept", "diff-content-", "diff-language", "diff-custom", "diff-safelisted")),
        ("range", ("The Range header", "Заголовок Range"), ("diff-range",)),
        ("cache", ("The preflight cache", "Кэш предварительных запросов"), ("diff-cache",)),
        ("redirects", ("Redirects", "Переадресации"), ("diff-redirect",)),
        ("found", ("Found by generated scenarios", "Найдено сгенерированными сценариями"),
         ("diff-chromium-", "diff-firefox-", "diff-webkit-", "diff-iframe-", "diff-manual-", "diff-sticky-",
          "diff-stylesheet-", "diff-empty-location")),
        ("other", ("Statuses, methods, modes and opaque pages", "Статусы, методы, режимы и непрозрачные страницы"),
         ("",)),
    ],
}


def part(name: str) -> str | None:
    """The themed page of a scenario inside a large group (None in a small one)."""
    for key, _, prefixes in PARTS.get(concept(name), []):
        if any(name.startswith(pre) for pre in prefixes):
            return key
    return None


def concept(name: str) -> str:
    """The gallery group of a scenario, from its name."""
    prefix = name.split("-", 1)[0]
    if prefix == "diff":
        return "engines"
    if prefix == "element" or name.startswith("msg-element"):
        return "elements"
    if prefix == "cache":
        return "cache"
    if prefix == "redirect":
        return "redirects"
    if prefix == "filter":
        return "exposed"
    if "credential" in name or (prefix == "check" and "-acac-" in name):
        return "credentials"
    if prefix == "preflight" or name.startswith("msg-preflight") or name in (
            "xhr-put-preflight", "xhr-upload-listener-post", "xhr-upload-listener-put-no-acam"):
        return "preflight"
    if prefix in ("origin", "null"):
        return "origin"
    return "simple"


def _title(c: str, lang: str) -> str:
    title: str = CONCEPTS[c][lang][0]
    return title


def _gallery_dir(lang: str) -> str:
    return "gallery" if lang == "en" else f"{lang}/gallery"


_W: dict[str, dict[str, Any]] = {
    "en": {"gallery": "Scenario gallery",
           "intro": "One page per golden scenario in `spec_traces/`, generated from the model at build time: "
                    "the scenario, a sequence diagram, and the step-by-step trace with spec links and "
                    "plain-language explanations. The pages are grouped by concept, in the tutorial's order; "
                    "each group opens with the three pages to read first.",
           "scenario": "scenario", "about": "about",
           "outcome": "what script gets", "start": "Start with", "all": "All {n} in this group",
           "tutorial": "Tutorial", "topic": "Gallery", "file": "The scenario file", "reproduce": "Reproduce it",
           "engines": "Where engines differ",
           "profiles_same": "Every engine profile ({names}) gives the same observations as the standard here.",
           "profiles_diff": "The engine profiles of the model (each checked against a real browser) differ from "
                            "the standard here:",
           "field": "field", "request": "request", "profile": "profile", "spec": "spec", "engine": "engine",
           "model": "model", "real": "In real browsers",
           "real_intro": "Recorded with the real-browser harness (`python3 -m harness run --engine all`).",
           "agree": "agrees with the model's {profile} profile",
           "console": "Console", "no_console": "(no console lines)", "errors": "harness errors",
           "other_lang": "Русская версия", "page": "page", "server": "Server routes",
           "route": ("method", "URL", "status", "headers"), "any": "any",
           "trace": ("#", "step", "decision", "what it means", "facts"), "ends": "the fetch ends",
           "network error": "network error", "script sees": "script sees", "response": "{o} response",
           "status": "status", "readable headers": "readable headers", "none": "none", "url": "URL",
           "redirected": "redirected", "after": "after {t} s", "upload listener": "upload listener"},
    "ru": {"gallery": "Галерея сценариев",
           "intro": "По странице на каждый эталонный сценарий из `spec_traces/`; страницы строятся из модели при "
                    "сборке сайта. На каждой — сценарий, диаграмма последовательности и пошаговая трасса со "
                    "ссылками на стандарт и объяснениями простыми словами. Страницы сгруппированы по темам в "
                    "порядке учебника; в начале каждой группы — три страницы, с которых стоит начать.",
           "scenario": "сценарий", "about": "о чём",
           "outcome": "что получает скрипт", "start": "С чего начать", "all": "Все сценарии группы ({n})",
           "tutorial": "Учебник", "topic": "Галерея", "file": "Файл сценария", "reproduce": "Повторить",
           "engines": "Где движки расходятся",
           "profiles_same": "Все профили движков ({names}) дают здесь те же наблюдения, что и стандарт.",
           "profiles_diff": "Профили движков в модели (каждый сверен с настоящим браузером) здесь расходятся "
                            "со стандартом:",
           "field": "поле", "request": "запрос", "profile": "профиль", "spec": "стандарт", "engine": "движок",
           "model": "модель", "real": "В настоящих браузерах",
           "real_intro": "Записано стендом с настоящими браузерами (`python3 -m harness run --engine all`).",
           "agree": "ведёт себя так же, как профиль модели {profile}",
           "console": "Консоль", "no_console": "(в консоли ничего)", "errors": "ошибки стенда",
           "other_lang": "English version", "page": "страница", "server": "Маршруты сервера",
           "route": ("метод", "URL", "статус", "заголовки"), "any": "любой",
           "trace": ("№", "шаг", "решение", "что это значит", "факты"), "ends": "выборка прекращается",
           "network error": "сетевая ошибка", "script sees": "скрипт видит", "response": "ответ {o}",
           "status": "статус", "readable headers": "читаемые заголовки", "none": "нет", "url": "URL",
           "redirected": "была переадресация", "after": "через {t} с", "upload listener": "слушатель upload"},
}


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


# --- one scenario as Markdown ---------------------------------------------------------------


def _obs(r: Result) -> dict[str, object]:
    o = observation(r)
    return {k: o[k] for k in FIELDS if k in o} | {"reason": o.get("reason")}


def _show(value: object) -> str:
    """An observed value as code spans for a table cell."""
    if isinstance(value, list) and value and isinstance(value[0], dict):  # sent
        return "<br>".join(code(f"{s.get('method')} {s.get('url')} Origin: {s.get('origin')}"
                                + (f" ACRM: {s['acrm']}" if s.get("acrm") else "")
                                + (f" ACRH: {s['acrh']}" if s.get("acrh") else "")) for s in value) or "—"
    if isinstance(value, list):
        return code(", ".join(str(v) for v in value)) if value else "—"
    text = json.dumps(value) if not isinstance(value, str) else value
    return code(text) if text else "—"


def _wire(wr: Any) -> str:
    extra = "".join(f" {k}: {v}" for k, v in (("Origin", wr.origin), ("ACRM", wr.acrm), ("ACRH", wr.acrh))
                    if v is not None)
    return f"{wr.method} {wr.url}{extra}"


def summary(r: Result, lang: str) -> str:
    """What script gets, as Markdown: words in ``lang``, every value a code span."""
    w = _W[lang]
    if r.failure is not None:
        f = r.failure
        reason = TEXT[lang].reasons[f.reason].rstrip(".")
        out = f"**{w['network error']}** ({code(f.reason.value)}): {md(reason)}"
        if f.detail:
            out += f" {code(f.detail)}"
        if r.exception is not None:
            out += f"; {w['script sees']} {code(r.exception.value)}"
        return out
    names = ", ".join(code(n) for n in r.header_names) or w["none"]
    out = (f"{w['response'].format(o=code(r.outcome.value))}, {w['status']} {code(r.status)}, "
           f"{w['readable headers']}: {names}")
    if r.url:
        out += f", {w['url']} {code(r.url)}"
    if r.redirected:
        out += f", {w['redirected']}"
    return out


def scenario_markdown(s: Scenario, results: Sequence[Result], lang: str) -> str:
    """The scenario, its diagram and each request's explained trace; every value escaped once, here."""
    cat = TEXT[lang]
    w, cw = _W[lang], cat.words
    out = [f"## {cw['scenario']}\n", f"- {w['page']}: {code(s.page)}", f"- {w['profile']}: {code(SPEC.name)}\n",
           f"| # | {cw['request']} | |\n|---|---|---|"]
    for i, req in enumerate(s.requests):
        opts: list[str] = []
        if not req.api.is_element:
            opts = [f"{k}: {v}" for k, v in (("mode", req.mode.value), ("credentials", req.credentials.value),
                                             ("redirect", req.redirect.value))]
            opts += [f"{n}: {v}" for n, v in req.headers]
            if req.body is not None:
                opts.append(f"body: {req.body[:60]}")
        cells = [code(o) for o in opts]
        if not req.api.is_element and req.upload_listener:
            cells.append(w["upload listener"])
        if req.after:
            cells.insert(0, w["after"].format(t=f"{req.after:g}"))
        out.append(f"| {i} | {code(request_line(req))} | {'<br>'.join(cells)} |")
    out.append("")
    if s.server.routes:
        out.append(f"**{w['server']}**\n")
        out.append("| " + " | ".join(w["route"]) + " |\n|---|---|---|---|")
        for route in s.server.routes:
            hdrs = "<br>".join(code(f"{n}: {v}") for n, v in route.headers)
            method = code(route.method) if route.method else w["any"]
            out.append(f"| {method} | {code(route.url)} | {code(route.status)} | {hdrs} |")
        out.append("")
    out.append(f"## {cw['diagram']}\n")
    out.append("```mermaid\n" + render_mermaid(s, results, lang=lang) + "\n```\n")
    for i, (req, r) in enumerate(zip(s.requests, results)):
        out.append(f"## {md(cw['request'].capitalize())} {i}: {md(request_line(req))}\n")
        out.append(f"**{cw['result']}:** {summary(r, lang)}\n")
        if r.sent:
            out.append(f"**{cw['on the wire']}:**\n")
            out += [f"- {code(_wire(wr))}" for wr in r.sent]
            out.append("")
        else:
            out.append(f"*{md(cw['no requests sent'])}.*\n")
        if r.trace:
            out.append("| " + " | ".join(w["trace"]) + " |\n|---|---|---|---|---|")
            tainted = False  # a redirect-taint came earlier in this trace (the request's origin is null)
            linked: set[str] = set()  # each algorithm links to the standard once per trace (page weight)
            for n, st in enumerate(r.trace, 1):
                facts = "<br>".join(samp(f"{cat.fact_name(k)} = {cat.fact_value(k, v)}") for k, v in st.facts)
                label = step_label(st, lang)
                dec = cat.decisions[st.decision]
                if dec.replace("-", " ").casefold() == cat.titles[st.algorithm].casefold():  # "network error" twice
                    dec = w["ends"]
                dec = f"**{md(dec)}**" if st.decision.value in _BAD else md(dec)
                url = st.algorithm.url
                step = md(label) if url in linked else f"[{md(label)}]({url})"
                linked.add(url)
                out.append(f"| {n} | {step} | {dec} | {md(explanation(st, lang, tainted=tainted))} | {facts} |")
                tainted = tainted or st.algorithm.name == "REDIRECT_TAINT"
            out.append("")
    return "\n".join(out)


_BAD = frozenset({"failure", "thrown", "network-error"})


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
                    rows.append(f"| {i} | {code(p.name)} | {code(f)} | {_show(oa.get(f))} | {_show(ob.get(f))} |")
    out = [f"## {w['engines']}\n"]
    if not rows:
        out.append(w["profiles_same"].format(names=", ".join(code(p.name) for p in engines)) + "\n")
        return out
    out.append(w["profiles_diff"] + "\n")
    out.append(f"| {w['request']} | {w['profile']} | {w['field']} | {w['spec']} | {w['engine']} |\n"
               "|---|---|---|---|---|")
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
        out.append(f"### {md(engine)}\n\n{code(version)}\n")
        got = rec.get("observations") or []
        diffs = []
        for i, (want, obs) in enumerate(zip(model, got)):
            for f in FIELDS:
                if f in obs and want.get(f) != obs.get(f):
                    diffs.append(f"| {i} | {code(f)} | {_show(want.get(f))} | {_show(obs.get(f))} |")
        if diffs:
            out.append(f"| {w['request']} | {w['field']} | {w['model']} {code(profile.name)} | {md(engine)} |\n"
                       "|---|---|---|---|")
            out += diffs
            out.append("")
        elif got:
            out.append(f"{md(engine)} {w['agree'].format(profile=code(profile.name))}.\n")
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
    c = concept(s.name)
    # Found through the concept pages, which the search index holds with every name and
    # description; the traces themselves would make the index several times larger.
    out = ["---\nsearch:\n  exclude: true\n---\n", f"# {md(s.name)}\n"]
    text = about(s, lang)
    if text:
        out.append(f"{md(text)}\n")
    out.append(f"[{w['topic']}: {_title(c, lang)}](topics/{c}.md) · "
               f"[{w['tutorial']}](../tutorial/{CONCEPTS[c]['chapter']}.md) · "
               f"[{w['other_lang']}]({other}{s.name}.md)\n")
    out.append(scenario_markdown(s, results, lang))
    out += _profile_section(s, results, lang)
    out += _engines_section(s, results, engines, lang)
    out.append(f"## {w['reproduce']}\n")
    flag = " --lang ru" if lang == "ru" else ""
    out.append(f"```sh\ncors-spec explain{flag} spec_traces/{path.name}\n```\n")
    # One copy of the file for both languages (gallery/files/), linked, not inlined.
    files = "files/" if lang == "en" else "../../gallery/files/"
    out.append(f"{w['file']}: [spec_traces/{path.name}]({files}{path.name})\n")
    return "\n".join(out)


def _outcomes(s: Scenario) -> str:
    return ", ".join(code(r.outcome.value) for r in run_scenario(s, SPEC))


def _best(c: str, lang: str, prefix: str) -> list[str]:
    out = [f"**{_W[lang]['start']}:**\n"]
    for name in CONCEPTS[c]["best"]:
        s = _load(TRACES / f"{name}.json")
        out.append(f"1. [{md(name)}]({prefix}{name}.md): {md(about(s, lang))}")
    out.append("")
    return out


def gallery_index(paths: Sequence[Path], lang: str) -> str:
    """The gallery's front page: each concept with its opening sentences and three best pages."""
    w = _W[lang]
    groups = _groups(paths)
    out = [f"# {w['gallery']}\n", w["intro"] + "\n", TEXT[lang].count(len(paths), "scenario") + ".\n"]
    for c, members in groups.items():
        title, intro = CONCEPTS[c][lang]
        out.append(f"## {title} {{#{c}}}\n")
        out.append(intro + f" ([{w['tutorial']}](../tutorial/{CONCEPTS[c]['chapter']}.md))\n")
        out += _best(c, lang, "")
        out.append(f"[{w['all'].format(n=len(members))} →](topics/{c}.md)\n")
    return "\n".join(out)


def _table(members: Sequence[Path], lang: str) -> list[str]:
    w = _W[lang]
    out = [f"| {w['scenario']} | {w['about']} | {w['outcome']} |\n|---|---|---|"]
    for p in members:
        s = _load(p)
        out.append(f"| [{md(s.name)}](../{p.stem}.md) | {md(about(s, lang))} | {_outcomes(s)} |")
    out.append("")
    return out


def topic_page(c: str, members: Sequence[Path], lang: str) -> str:
    """One concept: its opening sentences, the three best pages, then every scenario in it
    (in a large group: its themed pages, each with its scenarios)."""
    w = _W[lang]
    title, intro = CONCEPTS[c][lang]
    out = [f"# {title}\n", intro + "\n",
           f"[{w['tutorial']}](../../tutorial/{CONCEPTS[c]['chapter']}.md) · [{w['gallery']}](../index.md)\n"]
    out += _best(c, lang, "../")
    out.append(TEXT[lang].count(len(members), "scenario") + ":\n")
    if c not in PARTS:
        return "\n".join(out + _table(members, lang))
    for key, titles, _ in PARTS[c]:
        n = sum(1 for p in members if part(p.stem) == key)
        out.append(f"- [{titles[0 if lang == 'en' else 1]}]({c}-{key}.md) ({n})")
    out.append("")
    return "\n".join(out)


def part_page(c: str, key: str, members: Sequence[Path], lang: str) -> str:
    """One themed page of a large group: every scenario in it."""
    w = _W[lang]
    titles = next(t for k, t, _ in PARTS[c] if k == key)
    inside = [p for p in members if part(p.stem) == key]
    out = [f"# {_title(c, lang)}: {titles[0 if lang == 'en' else 1]}\n",
           f"[{_title(c, lang)}]({c}.md) · [{w['tutorial']}](../../tutorial/{CONCEPTS[c]['chapter']}.md) · "
           f"[{w['gallery']}](../index.md)\n",
           TEXT[lang].count(len(inside), "scenario") + ":\n"]
    return "\n".join(out + _table(inside, lang))


def _groups(paths: Sequence[Path]) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for p in paths:
        found.setdefault(concept(p.stem), []).append(p)
    return {c: found[c] for c in CONCEPTS if c in found}


def generate_gallery(engines: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, list[str]]]:
    """Write both languages' gallery; returns ``{lang: {group title: [page paths relative to docs]}}``.

    The navigation lists the gallery's front page and one page per concept; the scenario
    pages are reached from those (listing 455 pages in every page's menu made each page
    hundreds of kilobytes).
    """
    engines = load_engines() if engines is None else engines
    paths = scenario_paths()
    groups = _groups(paths)
    nav: dict[str, dict[str, list[str]]] = {}
    for lang in LANGUAGES:
        folder = DOCS / _gallery_dir(lang)
        rel = _gallery_dir(lang)
        keep = {folder / "index.md"}
        write_if_changed(folder / "index.md", gallery_index(paths, lang))
        by_title: dict[str, list[str]] = {}
        for c, members in groups.items():
            topic = folder / "topics" / f"{c}.md"
            keep.add(topic)
            write_if_changed(topic, topic_page(c, members, lang))
            pages = by_title.setdefault(_title(c, lang), [f"{rel}/topics/{c}.md"])
            for key, _, _ in PARTS.get(c, []):
                sub = folder / "topics" / f"{c}-{key}.md"
                keep.add(sub)
                write_if_changed(sub, part_page(c, key, members, lang))
            for p in members:
                page = folder / f"{p.stem}.md"
                keep.add(page)
                write_if_changed(page, gallery_page(p, lang, engines))
                pages.append(f"{rel}/{p.stem}.md")
        _prune(folder, keep)
        nav[lang] = by_title
    files = DOCS / _gallery_dir("en") / "files"
    for p in paths:
        write_if_changed(files / p.name, p.read_text(encoding="utf-8"))
    if files.exists():
        for old in files.glob("*.json"):
            if not (TRACES / old.name).exists():
                old.unlink()
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
           "Names follow Chromium's `CorsError` where it has the reason. Generated from `cors_spec/model/response.py` "
           "and the text catalogue; *before network* means nothing reached the server.\n",
           "| reason | before network | meaning | по-русски | scenarios |\n|---|---|---|---|---|"]
    for r in Reason:
        ex = examples.get(r, [])
        links = ", ".join(f"[{n}](../gallery/{n}.md)" for n in ex[:3]) + (" …" if len(ex) > 3 else "")
        out.append(f"| `{r.value}` | {'yes' if r.before_network else ''} | {md(TEXT['en'].reasons[r])} | "
                   f"{md(TEXT['ru'].reasons[r])} | {links} |")
    return "\n".join(out) + "\n"


def _field_comments() -> dict[str, str]:
    """The ``#:`` comment above each Profile field, from the source."""
    comments: dict[str, str] = {}
    pending: list[str] = []
    source = "\n".join(inspect.getsource(c) for c in reversed(Profile.__mro__) if c.__module__ == Profile.__module__)
    for line in source.splitlines():
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
        return "<br>".join(md(f"{a}: {b}") for a, b in v)
    return md(json.dumps(v) if not isinstance(v, str) else v) or "—"


def profiles_page() -> str:
    import attrs

    from cors_spec.model import profile as _profile

    evidence: dict[str, str] = getattr(_profile, "FIELD_EVIDENCE", {})
    names = [SPEC.name, *sorted(n for n in PROFILES if n != SPEC.name)]
    comments = _field_comments()
    existing = {p.stem for p in scenario_paths()}
    out = ["# Profiles: where engines differ\n",
           "A profile is a frozen `cors_spec.Profile`: every place where the standard leaves a choice to the "
           "browser, or where engines are known to differ, is one field. Generated from `cors_spec/model/profile.py` and `cors_spec/engines/`; "
           "cells that differ from `spec` are **bold**. See also [conformance](../conformance.md).\n",
           "| profile | checked against |\n|---|---|"]
    out += [f"| `{n}` | {md(PROFILES[n].verified_against)} |" for n in names]
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
        ev_cell = f"[{ev}](../gallery/{ev}.md)" if ev in existing else md(ev)
        out.append(f"| `{f.name}` | " + " | ".join(cells) + f" | {ev_cell} | {md(comments.get(f.name, ''))} |")
    return "\n".join(out) + "\n"


def steps_page() -> str:
    en, ru = TEXT["en"], TEXT["ru"]
    out = ["# Trace steps explained\n",
           "Every step record the model can write, with the plain-language explanation the renderers show "
           "(`cors-spec explain --lang en|ru`). Generated from the text catalogue `cors_spec/teach/text.py`; "
           "`{fact}` is replaced by the step's fact. The record format is in [trace.md](../trace.md).\n",
           "| algorithm | step | decision | explanation | по-русски |\n|---|---|---|---|---|"]
    for (alg, step, dec), text in en.explain.items():
        out.append(f"| [{md(en.titles[alg])}]({alg.url}) | {step} | {dec.value} | {md(text)} | "
                   f"{md(ru.explain[(alg, step, dec)])} |")
    out.append("\n## Algorithms\n\n| anchor | title | what it is for | по-русски |\n|---|---|---|---|")
    for alg, title in en.titles.items():
        out.append(f"| [`{alg.value}`]({alg.url}) | {md(title)} | {md(en.about[alg])} | {md(ru.about[alg])} |")
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
                typ = " \\| ".join(code(v) for v in prop["enum"])
            out.append(f"| `{name}` | {typ if isinstance(typ, str) else ', '.join(typ)} | "
                       f"{'yes' if name in req else ''} | {md(prop.get('description', ''))} |")
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
                    groups = [{g: pages[0]} for g, pages in gallery.get(lang, {}).items()]  # the concept pages
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
    import pathspec

    gallery = generate()
    # Each page renders only the visible part of the menu (Material's navigation.prune).
    features = config["theme"]["features"]
    if "navigation.prune" not in features:
        features.append("navigation.prune")
    # Scenario pages are reached from their concept page, not from the menu (see generate_gallery).
    config["not_in_nav"] = pathspec.GitIgnoreSpec.from_lines(
        [f"/{_gallery_dir(lang)}/{pattern}" for lang in LANGUAGES for pattern in ("*.md", "topics/*-*.md")]
        + [f"!/{_gallery_dir(lang)}/index.md" for lang in LANGUAGES])
    if config.get("nav"):
        project_docs = sorted(p.name for p in DOCS.glob("*.md"))
        config["nav"] = _patch_nav(config["nav"], gallery, project_docs)
    return config


# --- one navigation per language -------------------------------------------------------------
#
# The site is one MkDocs build with one ``nav`` in mkdocs.yml; the Russian pages are its
# "Русский" section. Each page is rendered with the navigation of its own language
# (:func:`on_nav`, :func:`on_page_context`): an English page sees the English sections, a Russian
# page the Russian ones at the top level (and the English-only reference under Russian names),
# and "Previous"/"Next" never cross from one language into the other. The theme's own strings
# come from its translations (docs/overrides/main.html); the few it has none for are below.

#: Russian names of the English-only reference pages, as the Russian navigation lists them.
RU_REFERENCE_TITLES: dict[str, str] = {
    "reference/reasons.md": "Причины отказа",
    "reference/profiles.md": "Профили браузеров",
    "reference/steps.md": "Шаги трассы",
    "scenario-format.md": "Формат сценария",
    "reference/schema.md": "Схема JSON",
    "trace.md": "Записи трассы",
    "reference/api.md": "API для Python",
    "conformance.md": "Сверка с браузерами",
    "harness.md": "Проверка в настоящих браузерах",
    "debugging.md": "Отладка: probe, har, explain-error",
    "limits.md": "Ограничения",
    "architecture.md": "Устройство пакета",
    "errors.md": "Сообщения об ошибках CORS",
    "oracle.md": "Оракул для сервера",
}
RU_REFERENCE_SECTION = "Справочник (на английском)"
#: Labels the theme takes from mkdocs.yml or writes as they are (no translation of its own), and
#: the title of a heading's permalink (Markdown's toc extension).
RU_CHROME: dict[str, str] = {"Dark mode": "Тёмная тема", "Light mode": "Светлая тема",
                             "Permanent link": "Постоянная ссылка"}
RU_GENERATOR = "Сделано на"

_log = logging.getLogger("mkdocs.hooks.build_docs")  # a warning here fails a --strict build
_NAVS: dict[str, Any] = {}


def page_lang(src_uri: str) -> str:
    """The language of a page from its path in docs/: ``ru/...`` is Russian."""
    return "ru" if src_uri.startswith("ru/") else "en"


def _item_pages(item: Any) -> list[Any]:
    if getattr(item, "is_page", False):
        return [item]
    return [p for child in getattr(item, "children", None) or [] for p in _item_pages(child)]


def _russian_reference(items: Sequence[Any]) -> Any:
    """The English Reference section as links with Russian names (the pages stay English)."""
    from mkdocs.structure.nav import Link, Section

    pages = [p for item in items if getattr(item, "is_section", False) and item.title == "Reference"
             for p in _item_pages(item)]
    links: list[Any] = []
    for p in pages:
        title = RU_REFERENCE_TITLES.get(p.file.src_uri)
        if title is None:
            _log.warning("build_docs: no Russian name for %s in RU_REFERENCE_TITLES", p.file.src_uri)
            title = p.title
        links.append(Link(title, p.url))
    section = Section(RU_REFERENCE_SECTION, links)
    for link in links:
        link.parent = section
    return section


def language_navs(nav: Any) -> dict[str, Any]:
    """Split the site's navigation into an English and a Russian one, each with its own
    home page and its own Previous/Next chain."""
    from mkdocs.structure.nav import Navigation

    ru_items: list[Any] = []
    en_items: list[Any] = []
    for item in nav.items:
        pages = _item_pages(item)
        if pages and all(page_lang(p.file.src_uri) == "ru" for p in pages):
            ru_items.extend(item.children if getattr(item, "is_section", False) else [item])
        else:
            en_items.append(item)
    navs: dict[str, Any] = {}
    for lang, items in (("en", en_items), ("ru", ru_items + [_russian_reference(en_items)])):
        pages = [p for item in items for p in _item_pages(item)]
        navigation = Navigation(items, pages)
        home = f"{'' if lang == 'en' else lang + '/'}index.md"
        navigation.homepage = next((p for p in pages if p.file.src_uri == home), navigation.homepage)
        for before, page, after in zip([None, *pages], pages, [*pages[1:], None]):
            page.previous_page, page.next_page = before, after
        navs[lang] = navigation
    return navs


def on_nav(nav: Any, config: Any, files: Any) -> Any:
    """MkDocs hook: one navigation per language (the site's own stays whole, for the sitemap)."""
    _NAVS.clear()
    _NAVS.update(language_navs(nav))
    return nav


def on_page_context(context: dict[str, Any], page: Any, config: Any, nav: Any) -> dict[str, Any]:
    """MkDocs hook: render each page with the navigation of its language."""
    lang_nav = _NAVS.get(page_lang(page.file.src_uri))
    if lang_nav is not None:
        context["nav"] = lang_nav
    return context


_RU_CHROME = re.compile(r'((?:title|aria-label)=")(' + "|".join(map(re.escape, RU_CHROME)) + ')"')
_GENERATOR = re.compile(r'(<div class="md-copyright">\s*(?:<div class="md-copyright__highlight">.*?</div>\s*)?)Made with',
                        re.S)


def localize_chrome(html_text: str) -> str:
    """A Russian page's remaining theme labels in Russian: the colour scheme toggle's names
    (from mkdocs.yml), the headings' permalinks and the footer's credit line."""
    html_text = _RU_CHROME.sub(lambda m: f'{m.group(1)}{RU_CHROME[m.group(2)]}"', html_text)
    return _GENERATOR.sub(lambda m: m.group(1) + RU_GENERATOR, html_text, count=1)


_VERBATIM = re.compile(r"(<(pre|textarea|script)\b.*?</\2>)", re.S | re.I)
_BLANK_RUN = re.compile(r"[ \t\r]*\n[ \t\r\n]*")
#: Between these tags whitespace means nothing at all (table rows and cells, list items).
_BETWEEN_CELLS = re.compile(r"(</?(?:table|thead|tbody|tr|td|th|ul|ol|li)\b[^>]*>)\n(?=</?(?:table|thead|tbody|tr|td|th|li)\b)")


_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def _config_json(m: re.Match[str]) -> str:
    """The theme's settings and translations as UTF-8 rather than ``\\u`` escapes (a third the size)."""
    text = json.dumps(json.loads(m.group(2)), ensure_ascii=False, separators=(",", ":"))
    return m.group(1) + text.replace("</", "<\\/") + m.group(3)


def compact_html(html_text: str) -> str:
    """Collapse the template's indentation: every whitespace run with a line break becomes one
    line break (the same rendering), except inside ``pre``, ``textarea`` and ``script``."""
    html_text = _CONFIG.sub(_config_json, html_text)
    parts = _VERBATIM.split(html_text)
    out: list[str] = []
    # split() with two groups yields: text, whole match, tag name, text, ...
    for i in range(0, len(parts), 3):
        out.append(_BETWEEN_CELLS.sub(r"\1", _BLANK_RUN.sub("\n", parts[i])))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


def on_post_page(output: str, page: Any, config: Any) -> str:
    """MkDocs hook: pages without the template's indentation (about a third of their size), and
    a Russian page's theme labels in Russian."""
    if page_lang(page.file.src_uri) == "ru":
        output = localize_chrome(output)
    return compact_html(output)


# --- the command ------------------------------------------------------------------------


def build(strict: bool, site_dir: Path) -> float:
    start = time.monotonic()
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "--site-dir", str(site_dir),
           "--config-file", str(ROOT / "mkdocs.yml")]
    if strict:
        cmd.append("--strict")
    # Not run from the checkout's root: ``python -m`` puts the working directory first on
    # sys.path, which would shadow a cors_spec given by PYTHONPATH or installed.
    subprocess.run(cmd, check=True, cwd=ROOT / "tools")
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
    args.site_dir = args.site_dir.resolve()
    build(args.strict, args.site_dir)  # the hook in mkdocs.yml generates the pages
    pages = sum(1 for _ in args.site_dir.rglob("index.html"))
    print(f"built {pages} pages into {args.site_dir} in {time.monotonic() - start:.1f}s")
    if args.serve:
        serve(args.site_dir, args.port, args.open)
    return 0


if __name__ == "__main__":
    sys.exit(main())
