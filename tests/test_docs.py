"""The documentation site: tutorial examples run, generated pages match the corpus, the
site builds with ``--strict``, and a gallery page's Mermaid diagram renders in Chromium.

The build and browser tests need the docs requirements (``docs/requirements.txt``) and
Debian's Chromium; they are skipped without them. Set ``CORS_SPEC_DOCS_SITE`` to a site
already built by ``python3 tools/build_docs.py --strict`` to reuse it.
"""

from __future__ import annotations

import asyncio
import base64
import doctest
import functools
import http.server
import importlib
import importlib.util
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import redirect_stdout
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from cors_spec import cli
from cors_spec.scenario.format import parse_scenario, run_scenario

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TRACES = ROOT / "spec_traces"
CHROMIUM = Path("/usr/lib/chromium/chromium")
CHAPTERS = sorted((DOCS / "tutorial").glob("*.md"))
RU_CHAPTERS = sorted((DOCS / "ru" / "tutorial").glob("*.md"))
TUTORIAL = CHAPTERS + RU_CHAPTERS + [DOCS / "index.md", DOCS / "ru" / "index.md"]



def _import_build_docs() -> Any:
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "tools" / "build_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_docs: Any = _import_build_docs()

# --- code examples on the tutorial pages ------------------------------------------------

_FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str]]:
    """(language, code) of every fenced block on a page."""
    return [(m.group(1), m.group(2)) for m in _FENCE.finditer(page.read_text(encoding="utf-8"))]


def console_commands(code: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines (``\\`` continues) and the output lines shown after each."""
    out: list[tuple[str, list[str]]] = []
    lines = code.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            cmd = line[2:]
            while cmd.endswith("\\"):
                i += 1
                cmd = cmd[:-1] + " " + lines[i].strip()
            out.append((cmd, []))
        elif out:
            out[-1][1].append(line)
        i += 1
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line ``...`` stands for any number of lines, and ``...`` inside a
    line for any text (as doctest's ELLIPSIS; used for step numbers)."""
    def line(e: str) -> str:
        return ".*".join(re.escape(part) for part in e.rstrip().split("...")) + "\n"

    pattern = "".join("(?:.*\n)*?" if e.strip() == "..." else line(e) for e in expected)
    return re.fullmatch(pattern, "".join(a.rstrip() + "\n" for a in actual)) is not None


def run_cli(cmd: str) -> tuple[int, list[str]]:
    args = shlex.split(cmd)
    assert args[0] == "cors-spec", f"tutorial commands are cors-spec commands: {cmd}"
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        status = cli.main(args[1:], out, err)
    finally:
        os.chdir(cwd)
    return status, (out.getvalue() + err.getvalue()).splitlines()


def test_the_tutorial_path_is_complete_in_both_languages() -> None:
    assert len(CHAPTERS) >= 10  # index + 9 chapters
    assert [p.name for p in CHAPTERS] == [p.name for p in RU_CHAPTERS]
    for en, ru in zip(CHAPTERS, RU_CHAPTERS):
        en_text, ru_text = en.read_text(encoding="utf-8"), ru.read_text(encoding="utf-8")
        assert re.search("[а-яА-Я]{4}", ru_text), f"{ru} is not in Russian"
        # the same runnable examples (the Russian pages may show Russian output)
        assert len(blocks(en)) == len(blocks(ru)), f"{en.name}: the Russian chapter has other examples"
        assert len(en_text) > 1500 and len(ru_text) > 1500, en.name


@pytest.mark.parametrize("page", TUTORIAL, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_example_on_the_tutorial_pages_runs(page: Path) -> None:
    found = 0
    namespace: dict[str, Any] = {"__name__": "__docs__"}  # the page's Python examples share names
    for lang, code in blocks(page):
        if lang == "console":
            for cmd, expected in console_commands(code):
                status, actual = run_cli(cmd)
                found += 1
                assert status == 0, f"{page.name}: `{cmd}` exited {status}: {actual}"
                assert matches(expected, actual), (
                    f"{page.name}: `{cmd}` printed\n" + "\n".join(actual) + "\n\nthe page shows\n" + "\n".join(expected))
        elif lang == "pycon":
            parser = doctest.DocTestParser()
            test = parser.get_doctest(code, namespace, page.name, str(page), 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            buf = io.StringIO()
            with redirect_stdout(buf):
                runner.run(test, out=buf.write, clear_globs=False)
            namespace.update(test.globs)  # DocTest works on a copy
            found += 1
            assert runner.failures == 0, buf.getvalue()
        elif lang == "python":
            found += 1
            exec(compile(code, str(page), "exec"), namespace)
        elif lang == "json":
            found += 1
            scenario = parse_scenario(json.loads(code), str(page))
            assert run_scenario(scenario)
    if page.parent.name == "tutorial" and page.name != "index.md":
        assert found >= 2, f"{page.name}: a chapter is driven by runnable examples"


def test_console_matching_is_strict() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert not matches(["a", "x"], ["a", "b"])
    assert matches(["... CORS check step 2: failure"], ["  9. CORS check step 2: failure"])
    assert not matches(["... CORS check step 2: failure"], ["  9. CORS check step 3: success"])


def test_tutorial_links_point_at_existing_gallery_pages() -> None:
    names = {p.stem for p in TRACES.glob("*.json")}
    for page in TUTORIAL:
        for name in re.findall(r"gallery/([\w.-]+)\.md", page.read_text(encoding="utf-8")):
            assert name in names or name == "index", f"{page.name} links to a missing scenario {name}"


# --- generated pages ---------------------------------------------------------------------


def test_every_golden_scenario_has_a_gallery_page_in_both_languages() -> None:
    nav = build_docs.generate_gallery(engines={})
    names = sorted(p.stem for p in TRACES.glob("*.json"))
    for lang, folder in (("en", DOCS / "gallery"), ("ru", DOCS / "ru" / "gallery")):
        pages = sorted(p.stem for p in folder.glob("*.md") if p.name != "index.md")
        assert pages == names
        # each group: its concept page, then its scenarios
        assert all("/topics/" in group[0] for group in nav[lang].values())
        assert sorted(Path(p).stem for group in nav[lang].values() for p in group[1:]) == names
    page = (DOCS / "gallery" / "check-acao-missing.md").read_text(encoding="utf-8")
    assert "```mermaid\nsequenceDiagram" in page
    assert "participant P as Page script (http://a.test)" in page
    assert "https://fetch.spec.whatwg.org/#concept-cors-check" in page
    assert "The response has no Access-Control-Allow-Origin" in page  # the explanation
    ru = (DOCS / "ru" / "gallery" / "check-acao-missing.md").read_text(encoding="utf-8")
    assert "В ответе нет Access-Control-Allow-Origin" in ru and "participant B as Браузер" in ru


def test_the_engines_section_appears_only_with_engine_records(tmp_path: Path) -> None:
    path = TRACES / "check-acao-missing.json"
    assert "In real browsers" not in build_docs.gallery_page(path, "en", {})
    scenario = build_docs._load(path)
    model = [build_docs._obs(r) for r in run_scenario(scenario, "spec")]
    changed = [dict(model[0], outcome="cors", status=200)]
    console = ["javascript error Cross-Origin Request Blocked: test line"]
    reports: list[dict[str, Any]] = [
        {"engine": "firefox", "version": "Mozilla Firefox 153.8.0esr",
         "scenarios": [{"name": scenario.name, "observations": changed, "console": console, "errors": []}]},
        {"engine": "chromium", "version": "Chromium 156",
         "scenarios": [{"name": scenario.name, "observations": model, "console": [], "errors": []}]},
    ]
    files = []
    for n, rep in enumerate(reports):
        f = tmp_path / f"out{n}.json"
        f.write_text(json.dumps(rep))
        files.append(f)
    merged = build_docs.merge_engine_records(files, tmp_path / "engines.json")
    engines = build_docs.load_engines(merged)
    assert set(engines) == {"firefox", "chromium"}
    page = build_docs.gallery_page(path, "en", engines)
    section = page[page.index("## In real browsers"):]
    assert "Mozilla Firefox 153.8.0esr" in section
    assert "javascript error Cross-Origin Request Blocked: test line" in section
    # firefox differs from the model
    assert "| 0 | <code>outcome</code> | <code>network&#95;error</code> | <code>cors</code> |" in section \
        or "| 0 | <code>outcome</code> | <code>network-error</code> | <code>cors</code> |" in section
    assert "chromium agrees with the model's <code>chromium</code> profile" in section


def test_reference_pages_are_generated_from_code() -> None:
    from cors_spec import Reason
    from cors_spec.engines import PROFILES
    from cors_spec.teach.text import TEXT

    build_docs.generate_reference()
    reasons = (DOCS / "reference" / "reasons.md").read_text(encoding="utf-8")
    for r in Reason:
        assert f"| `{r.value}` |" in reasons
    profiles = (DOCS / "reference" / "profiles.md").read_text(encoding="utf-8")
    for name in PROFILES:
        assert f"`{name}`" in profiles
    steps = (DOCS / "reference" / "steps.md").read_text(encoding="utf-8")
    assert steps.count("\n| [") >= len(TEXT["en"].explain)
    assert "::: cors_spec" in (DOCS / "reference" / "api.md").read_text(encoding="utf-8")


# --- the built site ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    given = os.environ.get("CORS_SPEC_DOCS_SITE")
    if given:
        yield Path(given).resolve()
        return
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    if shutil.which("npm") is None and not os.environ.get("CORS_SPEC_MERMAID_JS") \
            and not build_docs.MERMAID_JS.exists():
        pytest.skip("npm is needed to fetch mermaid")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        start = time.monotonic()
        proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_docs.py"), "--strict", "--site-dir", str(out)],
                              cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
        assert time.monotonic() - start < 120, "the site build should stay under two minutes"
        yield out


def test_the_site_builds_strict_with_every_page(site: Path) -> None:
    names = [p.stem for p in TRACES.glob("*.json")]
    for name in names:
        assert (site / "gallery" / name / "index.html").exists(), name
        assert (site / "ru" / "gallery" / name / "index.html").exists(), name
    for chapter in CHAPTERS:
        stem = "" if chapter.stem == "index" else chapter.stem + "/"
        assert (site / "tutorial" / stem / "index.html").exists()
        assert (site / "ru" / "tutorial" / stem / "index.html").exists()
    for ref in ("reasons", "profiles", "steps", "schema", "api"):
        assert (site / "reference" / ref / "index.html").exists()
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "Browser" in api and "fetch" in api  # mkdocstrings rendered the API
    js = site / "assets" / "javascripts" / "mermaid.min.js"
    assert js.stat().st_size > 500_000
    page = (site / "gallery" / "preflight-put-allowed" / "index.html") if (site / "gallery" / "preflight-put-allowed").exists() \
        else next((site / "gallery").glob("preflight-*/index.html"))
    html = page.read_text(encoding="utf-8")
    assert "mermaid.min.js" in html
    assert "unpkg.com" not in html and "cdn.jsdelivr" not in html and "fonts.googleapis" not in html


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        # bound to 127.0.0.1 only; Chromium's resolver rules map every name but localhost away
        yield f"http://localhost:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class Cdp:
    """Just enough of the Chrome DevTools protocol over harness.wsclient."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        my = self.next_id
        await self.ws.send_json({"id": my, "method": method, "params": params})
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv_text(), 30))
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            self.events.append(msg)


def _walk(node: dict[str, Any], inside_shadow: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    yield node, inside_shadow
    for child in node.get("children", []):
        yield from _walk(child, inside_shadow)
    for root in node.get("shadowRoots", []):
        yield from _walk(root, True)
    if "contentDocument" in node:
        yield from _walk(node["contentDocument"], inside_shadow)


def _attrs(node: dict[str, Any]) -> dict[str, str]:
    flat: list[str] = node.get("attributes", [])
    return dict(zip(flat[::2], flat[1::2]))


def _texts(node: dict[str, Any]) -> list[str]:
    return [n["nodeValue"].strip() for n, _ in _walk(node) if n.get("nodeType") == 3 and n["nodeValue"].strip()]


def _scenario_crossing_origins() -> tuple[str, set[str]]:
    """A golden scenario whose requests reach two or more server origins (a redirect)."""
    from urllib.parse import urlsplit

    paths = sorted(TRACES.glob("*.json"), key=lambda p: (p.stem != "redirect-taint-b-to-c", p.stem))
    for p in paths:
        results = run_scenario(build_docs._load(p), "spec")
        origins = {f"{urlsplit(w.url).scheme}://{urlsplit(w.url).netloc}" for r in results for w in r.sent}
        if len(origins) >= 2:
            return p.stem, origins
    raise AssertionError("no golden scenario reaches two origins")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_gallery_page_renders_its_sequence_diagram_in_chromium(served: str, tmp_path: Path, lang: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from harness.wsclient import WebSocket

    name, origins = _scenario_crossing_origins()
    prefix = "" if lang == "en" else f"/{lang}"
    profile = tmp_path / "profile"
    proc = subprocess.Popen(
        [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost", f"--user-data-dir={profile}",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1280,1600",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert time.monotonic() < deadline, "chromium did not start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            targets = json.loads(resp.read())
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")

        async def drive() -> tuple[dict[str, Any], str, bytes, bytes]:
            ws = await WebSocket.connect(ws_url)
            cdp = Cdp(ws)
            try:
                await cdp.call("Page.enable")
                await cdp.call("Page.navigate", url=f"{served}{prefix}/gallery/{name}/")
                deadline = time.monotonic() + 30
                while True:
                    doc = await cdp.call("DOM.getDocument", depth=-1, pierce=True)
                    hosts = [n for n, _ in _walk(doc["root"]) if n.get("localName") == "div"
                             and "mermaid" in _attrs(n).get("class", "") and n.get("shadowRoots")]
                    if hosts and any(m.get("localName") == "svg" for m, _ in _walk(hosts[0])):
                        break
                    assert time.monotonic() < deadline, "the Mermaid diagram did not render"
                    await asyncio.sleep(0.3)
                host = hosts[0]
                text = (await cdp.call("Runtime.evaluate", expression="document.body.innerText",
                                       returnByValue=True))["result"]["value"]
                box = await cdp.call("DOM.getBoxModel", nodeId=host["nodeId"])
                xs, ys = box["model"]["border"][0::2], box["model"]["border"][1::2]
                clip = {"x": min(xs), "y": min(ys), "width": max(xs) - min(xs), "height": max(ys) - min(ys),
                        "scale": 1}
                diagram = await cdp.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
                page = await cdp.call("Page.captureScreenshot", format="png")
                return host, text, base64.b64decode(diagram["data"]), base64.b64decode(page["data"])
            finally:
                ws.close()

        host, text, diagram_png, page_png = asyncio.run(drive())
    finally:
        proc.kill()
        proc.wait(timeout=10)
    out_dir = Path(os.environ.get("CORS_SPEC_SCREENSHOTS", tmp_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"gallery-diagram-{lang}.png").write_bytes(diagram_png)
    (out_dir / f"gallery-page-{lang}.png").write_bytes(page_png)

    svg_texts = _texts(host)
    scenario = build_docs._load(TRACES / f"{name}.json")
    page_script, browser = ("Page script", "Browser") if lang == "en" else ("Скрипт страницы", "Браузер")
    assert f"{page_script} ({scenario.page})" in svg_texts
    assert browser in svg_texts
    # the page's own text is there, in its language, with values shown as written
    assert build_docs.about(scenario, lang) in text
    assert ("What script gets" if lang == "en" else "Что получает скрипт") in text
    servers = {t for t in svg_texts if re.fullmatch(r"https?://[^/ ]+", t)}
    assert servers == origins, svg_texts  # one participant per server origin the requests reached
    assert any(t.startswith("GET /") for t in svg_texts)  # the messages are drawn too
    # the diagram replaced its source: no raw Mermaid text is visible on the page
    assert "sequenceDiagram" not in text and "participant P as" not in text
    assert diagram_png[:8] == b"\x89PNG\r\n\x1a\n" and len(diagram_png) > 10_000
    width = int.from_bytes(diagram_png[16:20], "big")
    height = int.from_bytes(diagram_png[20:24], "big")
    assert width > 300 and height > 200, (width, height)


# --- escaping: no value is ever read as markup ---------------------------------------------

#: What every value on a page may contain and Markdown or HTML would otherwise read as markup.
MARKUP = "*/* _x_ a|b <b>&amp; `tick` [x](y) \\\\ ~~s~~ {: .c} # - 1. !"


def _html(markdown_text: str) -> str:
    """The page's Markdown as HTML, with the site's Markdown extensions."""
    markdown = importlib.import_module("markdown")  # Python-Markdown, as MkDocs uses it
    if markdown_text.startswith("---\n"):  # front matter (MkDocs reads it, not Markdown)
        markdown_text = markdown_text.split("\n---\n", 1)[1]
    return str(markdown.markdown(markdown_text, extensions=[
        "tables", "attr_list", "md_in_html", "admonition", "pymdownx.details", "pymdownx.superfences"]))


class _Text(HTMLParser):
    """Text of an HTML page by where it sits: inside ``code``/``pre``, a fact (``samp``), or prose."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.codes: list[str] = []
        self.facts: list[str] = []
        self.prose: list[str] = []
        self.em_in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "input", "hr", "meta", "link"):
            return
        self.stack.append((tag, dict(attrs).get("class") or ""))
        if tag in ("code", "pre", "samp"):
            (self.facts if tag == "samp" else self.codes).append("")
        if tag in ("em", "strong") and any(t in ("code", "pre", "samp") for t, _ in self.stack[:-1]):
            self.em_in_code += 1

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        inside = [t for t, _ in self.stack if t in ("code", "pre", "samp", "svg", "script", "style")]
        if not inside:
            self.prose.append(data)
        elif inside[0] == "samp":
            self.facts[-1] += data
        elif inside[0] in ("code", "pre") and self.codes:
            self.codes[-1] += data


def _text(html_text: str) -> _Text:
    parser = _Text()
    parser.feed(html_text)
    return parser


def test_md_escapes_every_markup_character_once() -> None:
    for value in [MARKUP, *MARKUP.split(), "value = */*", "'*, http://a.test'", "Sec-*, Proxy-*"]:
        for wrap in (build_docs.md, build_docs.code):
            html_text = _html(f"| a | b |\n|---|---|\n| {wrap(value)} | x |\n\n{wrap(value)}\n")
            parsed = _text(html_text)
            assert "<em>" not in html_text and "<strong>" not in html_text and "<del>" not in html_text, html_text
            found = parsed.codes if wrap is build_docs.code else ["".join(parsed.prose)]
            assert sum(value in t for t in found) >= 1, (value, html_text)
            assert html_text.count("<td>") == 2, html_text  # the | inside did not split the cell


def _values(scenario: Any, results: Any, lang: str) -> list[str]:
    """The values a scenario page shows in code spans: requests, headers, routes, facts."""
    cat = build_docs.TEXT[lang]
    out = [scenario.page]
    for req in scenario.requests:
        out.append(build_docs.request_line(req))
        out += [f"{n}: {v}" for n, v in req.headers]
    for route in scenario.server.routes:
        out.append(route.url)
        out += [f"{n}: {v}" for n, v in route.headers]
    for r in results:
        out += [build_docs._wire(w) for w in r.sent]
        for step in r.trace:
            out += [f"{cat.fact_name(k)} = {cat.fact_value(k, v)}" for k, v in step.facts]
    return out


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_golden_value_appears_literally_in_its_page(lang: str) -> None:
    """Every value of every golden (``*/*``, ``_``, ``|``, ``<``, backticks) shows as written."""
    pytest.importorskip("markdown")
    pytest.importorskip("pymdownx")
    specials = 0
    for path in sorted(TRACES.glob("*.json")):
        scenario = build_docs._load(path)
        results = run_scenario(scenario, "spec", trace=True)
        page = build_docs.gallery_page(path, lang, {})
        parsed = _text(_html(page))
        shown = set(parsed.codes) | set(parsed.facts)
        for value in _values(scenario, results, lang):
            assert build_docs.visible(value) in shown, f"{path.stem} ({lang}): {value!r} is not shown literally"
            specials += any(c in value for c in "*_|<`")
        assert parsed.em_in_code == 0, f"{path.stem}: emphasis inside a value"
        assert "<em>/</em>" not in page
        text = build_docs.about(scenario, lang)
        assert build_docs.visible(text) in "".join(parsed.prose), f"{path.stem} ({lang}): the description is garbled"
    assert specials > 500  # the corpus does exercise the markup characters


def test_the_built_pages_show_the_default_accept_value(site: Path) -> None:
    html_text = (site / "gallery" / "check-acao-missing" / "index.html").read_text(encoding="utf-8")
    parsed = _text(html_text)
    assert any("Accept: */*" in t or t == "*/*" or "*/*" in t for t in parsed.codes + parsed.facts)
    for page in [site / "gallery" / "preflight-acam-wildcard-credentials" / "index.html",
                 site / "ru" / "gallery" / "preflight-acam-wildcard-credentials" / "index.html",
                 site / "gallery" / "construct-forbidden-headers-dropped" / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert "<em>/</em>" not in text and "<em>, Proxy-</em>" not in text
        assert _text(text).em_in_code == 0


# --- Russian pages in Russian ----------------------------------------------------------------

#: Facts that the model still writes in English (trace step facts, and the words filled into
#: the explanations from them). The package turns such facts into tokens with words in each
#: language (teach/text); when the last one is done this set is emptied, and the test below
#: holds Russian pages to no English at all.
KNOWN_MODEL_FACTS: frozenset[str] = frozenset({
    "stored at",  # preflight cache entries: "PUT (max-age 10, stored at t=0)"
})

#: Proper names that stay as they are in Russian text.
NAMES = ("Font Awesome Free", "SIL OFL", "MIME Sniffing", "NoSleep.js", "WHATWG Fetch",
         "(same-origin policy)")

#: The standard's own value words, which a Russian text quotes as they are: "(include)".
SPEC_WORDS = frozenset({"include", "omit", "same-origin", "credentials", "true", "false", "tainting", "basic",
                        "cors", "no-cors", "opaque", "origin", "null", "follow", "manual", "error", "mode"})
#: English words a page might put in parentheses in place of a value: "(none)".
FILLERS = frozenset({"none", "empty", "missing", "absent", "nothing", "unknown", "n/a"})
#: An English word has a lower-case letter: GET, ACAM or NUL are names, not prose.
_WORD = r"[A-Za-z]*[a-z][A-Za-z]*"
_TOKEN = r"[A-Za-z]{2,}"
_RUN = re.compile(rf"(?<![\w./:@#-]){_TOKEN}(?:,? {_TOKEN}){{2,}}(?![\w./:@-])")


class _EnglishRuns:
    """Runs of three or more Latin words, at least two of them with a lower-case letter."""

    @staticmethod
    def findall(text: str) -> list[str]:
        return [run for run in _RUN.findall(text) if len(re.findall(rf"\b{_WORD}\b", run)) >= 2]


_ENGLISH_RUN = _EnglishRuns()
_ENGLISH_IN_PARENS = re.compile(r"\(([a-z][a-z -]*)\)")
_FACT_KEY = re.compile(rf"^({_WORD}(?: {_WORD})+) = ")


def english_left(text: str, facts: Sequence[str] = ()) -> list[str]:
    """English prose in a Russian page's text: runs of three or more English words, or an
    English word in parentheses; in facts, multi-word English keys. Code, header names,
    values and URLs are not prose; :data:`KNOWN_MODEL_FACTS` and :data:`NAMES` are allowed."""
    allowed = sorted(KNOWN_MODEL_FACTS | set(NAMES), key=len, reverse=True)

    def strip(t: str) -> str:
        for a in allowed:
            t = t.replace(a, " ")
        return t

    def prose(t: str) -> list[str]:
        t = strip(t)
        return _ENGLISH_RUN.findall(t) + [
            f"({m})" for m in _ENGLISH_IN_PARENS.findall(t)
            if m in FILLERS or (len(m.split()) > 1 and not set(m.split()) <= SPEC_WORDS)]

    found = prose(text)
    for fact in facts:
        key = _FACT_KEY.match(fact)
        if key and key.group(1) not in KNOWN_MODEL_FACTS:
            found.append(key.group(1))
        found += prose(fact.split(" = ", 1)[-1])
    return found


def test_the_language_check_finds_english() -> None:
    assert english_left("Сервер отвечает: the response is shared with script") == ["the response is shared with script"]
    assert english_left("значение (none)") == ["(none)"]
    assert english_left("запись PUT (max-age 10, stored at t=0)") == []  # a known model fact, for now
    assert english_left("значение (missing)") == ["(missing)"]
    assert english_left("режим (include), методы GET, PUT, DELETE; (tainting basic)") == []
    assert english_left("заголовок Access-Control-Allow-Origin и X-Token, http://a.test/x") == []
    assert english_left("", ["branch = CORS without preflight"]) == ["CORS without preflight"]
    assert english_left("", ["origin URL = http://b.test"]) == []  # terms and a value
    assert english_left("", ["new key here = 1"]) == ["new key here"]
    assert english_left("", ["names = (nothing)"]) == ["(nothing)"]


def test_every_golden_has_a_russian_description() -> None:
    about = json.loads((DOCS / "ru" / "about.json").read_text(encoding="utf-8"))
    names = sorted(p.stem for p in TRACES.glob("*.json"))
    assert sorted(about) == names
    for name in names:
        text, english = about[name], build_docs._load(TRACES / f"{name}.json").about
        assert len(re.findall("[а-яё]", text, re.I)) >= 10, f"{name}: not Russian"
        assert text != english and not english_left(text), f"{name}: English left: {english_left(text)}"


def _russian_pages() -> list[tuple[str, str]]:
    paths = sorted(TRACES.glob("*.json"))
    pages = [(p.stem, build_docs.gallery_page(p, "ru", {})) for p in paths]
    pages.append(("index", build_docs.gallery_index(paths, "ru")))
    groups = build_docs._groups(paths)
    pages += [(f"topics/{c}", build_docs.topic_page(c, members, "ru")) for c, members in groups.items()]
    pages += [(f"tutorial/{p.name}", p.read_text(encoding="utf-8")) for p in RU_CHAPTERS]
    pages.append(("index.md", (DOCS / "ru" / "index.md").read_text(encoding="utf-8")))
    return pages


def test_russian_pages_have_no_english_sentence() -> None:
    pytest.importorskip("markdown")
    pytest.importorskip("pymdownx")
    left = {}
    for name, page in _russian_pages():
        parsed = _text(_html(page))
        found = english_left(" ".join(parsed.prose), parsed.facts)
        if found:
            left[name] = sorted(set(found))
    assert not left, f"English left on {len(left)} Russian pages: " + "; ".join(
        f"{k}: {v}" for k, v in list(left.items())[:10])


def test_russian_counts_use_plural_forms() -> None:
    ru = build_docs.TEXT["ru"]
    assert [ru.count(n, "scenario") for n in (1, 2, 5, 11, 21, 22, 112, 454)] == [
        "1 сценарий", "2 сценария", "5 сценариев", "11 сценариев", "21 сценарий", "22 сценария",
        "112 сценариев", "454 сценария"]
    paths = sorted(TRACES.glob("*.json"))
    index = build_docs.gallery_index(paths, "ru")
    assert f"\n{ru.count(len(paths), 'scenario')}.\n" in index


def test_no_doubled_network_error_on_russian_pages() -> None:
    for name, page in _russian_pages():
        assert "сетевая ошибка: сетевая ошибка" not in page.lower(), name
        assert "network error | **network error**" not in page, name


# --- the site's navigation and theme labels, in each page's language ---------------------------

#: Names a label may show in any language: the site's name, the language switcher's "English",
#: the theme's name in its credit line, and the engine profiles' names (a page's headings).
LABEL_NAMES = ("cors_spec", "English", "Material for MkDocs", *build_docs.PROFILES)


class _Chrome(HTMLParser):
    """What a built page shows around its content (outside ``<article>``): every label (text,
    ``title``, ``aria-label``, ``placeholder``; in the content, the headings' permalinks' titles)
    and the links of its menu (not the page's table of contents) and of its footer."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.article = 0
        self.config = False
        self.labels: list[str] = []
        self.menu: list[tuple[str, str]] = []  # (href, text)
        self.footer: list[str] = []
        self._link: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style", "svg"):
            self.skip += 1
            self.config = a.get("id") == "__config"
        if tag == "article":
            self.article += 1
        if "headerlink" in a.get("class", "") and a.get("title"):
            self.labels.append(a["title"])
        if self.article:
            return
        self.labels += [a[k] for k in ("title", "aria-label", "placeholder") if a.get(k)]
        if tag == "a" and "md-nav__link" in a.get("class", "") and not a.get("href", "").startswith("#"):
            self._link, self._href = [], a.get("href", "")
        if tag == "a" and "md-footer__link" in a.get("class", ""):
            self.footer.append(a.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self.skip -= 1
            self.config = False
        if tag == "article":
            self.article -= 1
        if tag == "a" and self._link is not None:
            self.menu.append((self._href, " ".join(self._link)))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self.config:  # the theme's strings for its scripts (search, clipboard)
            self.labels += [str(v) for v in json.loads(data).get("translations", {}).values()]
        if self.skip or self.article or not data.strip():
            return
        self.labels.append(data.strip())
        if self._link is not None:
            self._link.append(data.strip())


def chrome(html_text: str) -> _Chrome:
    parser = _Chrome()
    parser.feed(html_text)
    return parser


_IDENTIFIER = re.compile(r"[\w.]+(?:-[\w.]+)+")


def english_labels(labels: Sequence[str]) -> list[str]:
    """Labels with no Russian word that are English: a word with a lower-case Latin letter that
    is neither a name (:data:`LABEL_NAMES`, a scenario's name) nor one of the standard's terms
    ("1. Origin")."""
    found = []
    for label in labels:
        if re.search("[а-яё]", label, re.I):
            continue
        rest = label
        for name in LABEL_NAMES:
            rest = rest.replace(name, " ")
        rest = _IDENTIFIER.sub(" ", rest)  # a scenario's name, the title of its page
        if any(w.lower() not in SPEC_WORDS for w in re.findall(rf"\b{_WORD}\b", rest)):
            found.append(label)
    return found


def test_the_label_check_finds_english() -> None:
    page = chrome('<html><head><title>1. Origin - cors_spec</title></head><body>'
                  '<label title="Dark mode" aria-label="Тёмная тема"></label>'
                  '<nav class="md-nav"><a href="../" class="md-nav__link"> Home </a>'
                  '<a href="../tutorial/" class="md-nav__link">Учебник</a></nav>'
                  '<nav class="md-nav"><a href="#step" class="md-nav__link">Шаг</a></nav>'
                  '<article><h1 id="x">Tutorial text is content, not a label'
                  '<a class="headerlink" href="#x" title="Permanent link">¶</a></h1></article>'
                  '<script id="__config" type="application/json">'
                  '{"translations": {"clipboard.copy": "Copy to clipboard"}}</script>'
                  '<div class="md-copyright">Made with <a href="x">Material for MkDocs</a></div>'
                  '<a href="../a/" class="md-footer__link">Вперед</a></body></html>')
    assert english_labels(page.labels) == ["Dark mode", "Home", "Permanent link", "Copy to clipboard", "Made with"]
    assert page.menu == [("../", "Home"), ("../tutorial/", "Учебник")]
    assert page.footer == ["../a/"]
    assert english_labels(["English", "Русский", "cors_spec", "1. Origin", "Отладка: probe, har",
                           "preflight-acah-parse-failure - cors_spec"]) == []


def _site_pages(site: Path, lang: str) -> list[Path]:
    """The pages in the menu (home, tutorial, gallery and its concept pages, reference) and a
    few scenario pages, which are reached from the concept pages."""
    base = site / "ru" if lang == "ru" else site
    pages = [base / "index.html", *sorted((base / "tutorial").rglob("index.html")),
             base / "gallery" / "index.html", *sorted((base / "gallery" / "topics").rglob("index.html")),
             *sorted((base / "gallery").glob("preflight-*/index.html"))[:3]]
    if lang == "en":
        pages += sorted((site / "reference").rglob("index.html"))
    return pages


def _target(page: Path, href: str) -> Path:
    return (page.parent / href.split("#")[0]).resolve()


def test_russian_pages_have_russian_navigation_and_theme_labels(site: Path) -> None:
    site = site.resolve()
    ru = site / "ru"
    english_only = {site / "reference", *(site / p.stem for p in DOCS.glob("*.md") if p.stem != "index")}
    left: dict[str, list[str]] = {}
    astray: list[tuple[str, str, str]] = []
    for page in _site_pages(site, "ru"):
        parsed = chrome(page.read_text(encoding="utf-8"))
        assert parsed.menu, page
        if english_labels(parsed.labels):
            left[str(page.relative_to(site))] = english_labels(parsed.labels)
        # a Russian page's menu leads to Russian pages, or by a Russian name to a reference page
        # that exists in English only; Previous / Next stay in Russian
        astray += [(str(page.relative_to(site)), href, text) for href, text in parsed.menu
                   if not any(_target(page, href).is_relative_to(d) for d in (ru, *english_only))]
        astray += [(str(page.relative_to(site)), href, "footer") for href in parsed.footer
                   if not _target(page, href).is_relative_to(ru)]
    assert not left, f"English labels on {len(left)} Russian pages: {left}"
    assert not astray, f"links out of the Russian site: {astray[:10]}"
    home = chrome((ru / "index.html").read_text(encoding="utf-8"))
    assert [text for _, text in home.menu][:3] == ["Главная", "Учебник", "Галерея"]
    assert "Справочник (на английском)" in home.labels


def test_english_pages_have_english_navigation(site: Path) -> None:
    site = site.resolve()
    for page in _site_pages(site, "en"):
        parsed = chrome(page.read_text(encoding="utf-8"))
        russian = [text for _, text in parsed.menu if re.search("[а-яё]", text, re.I)]
        assert not russian, (page, russian)
        for href in [h for h, _ in parsed.menu] + parsed.footer:
            assert not _target(page, href).is_relative_to(site / "ru"), (page, href)
    home = chrome((site / "index.html").read_text(encoding="utf-8"))
    assert [text for _, text in home.menu][:4] == ["Home", "Tutorial", "Gallery", "Reference"]


# --- the gallery, grouped by concept -----------------------------------------------------------


def test_the_gallery_is_grouped_by_concept_in_both_languages() -> None:
    paths = sorted(TRACES.glob("*.json"))
    groups = build_docs._groups(paths)
    assert list(groups) == ["origin", "simple", "preflight", "credentials", "exposed", "redirects", "cache",
                            "elements", "engines"]
    for c in build_docs.PARTS:
        assert all(build_docs.part(p.stem) is not None for p in groups[c]), c
    assert sum(len(m) for m in groups.values()) == len(paths)
    for lang in ("en", "ru"):
        index = build_docs.gallery_index(paths, lang)
        for c, info in build_docs.CONCEPTS.items():
            title, intro = info[lang]
            assert 2 <= len(re.findall(r"[.!?](?:\s|$)", intro)) <= 3, (c, lang, intro)
            assert f"## {title} {{#{c}}}" in index and intro in index
            assert len(info["best"]) == 3
            for best in info["best"]:
                assert build_docs.concept(best) == c, (best, c)
                assert f"]({best}.md)" in index
            topic = build_docs.topic_page(c, groups[c], lang)
            pages = [topic] + [build_docs.part_page(c, key, groups[c], lang) for key, _, _ in
                               build_docs.PARTS.get(c, [])]
            assert all(any(f"](../{p.stem}.md)" in page for page in pages) for p in groups[c]), c
            for page in pages[1:]:  # a large group's themed pages, each linked from the concept page
                assert len(re.findall(r"\]\(\.\./[\w.-]+\.md\)", page)) <= 45


def test_each_tutorial_chapter_links_to_its_gallery_group() -> None:
    chapters = {info["chapter"]: c for c, info in build_docs.CONCEPTS.items()}
    for page in CHAPTERS + RU_CHAPTERS:
        if page.stem == "index":
            continue
        assert f"../gallery/topics/{chapters[page.stem]}.md" in page.read_text(encoding="utf-8"), page


def test_chapter_7_says_which_redirect_hop_taints() -> None:
    for page in (DOCS / "tutorial" / "07-redirects.md", DOCS / "ru" / "tutorial" / "07-redirects.md"):
        text = page.read_text(encoding="utf-8")
        assert "redirected from one origin to another" not in text
        assert "переадресован с одного origin на другой" not in text
        assert "redirect-taint-a-to-b-untainted" in text and "redirect-taint-b-to-c" in text
    # what the text says is what the model does
    for name, tainted in (("redirect-taint-a-to-b-untainted", False), ("redirect-taint-b-to-c", True)):
        results = run_scenario(build_docs._load(TRACES / f"{name}.json"), "spec")
        assert (results[0].sent[-1].origin == "null") is tainted, name


# --- size ---------------------------------------------------------------------------------------

SITE_LIMIT = 60 * 1024 * 1024
GALLERY_PAGE_LIMIT = 60 * 1024


def test_the_built_site_is_small_enough_to_host(site: Path) -> None:
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    assert total <= SITE_LIMIT, f"the site is {total / 2**20:.1f} MB"
    pages = [p for lang in ("gallery", "ru/gallery") for p in (site / lang).glob("*/index.html")]
    assert len(pages) >= 2 * len(list(TRACES.glob("*.json")))
    largest = max(pages, key=lambda p: p.stat().st_size)
    assert largest.stat().st_size <= GALLERY_PAGE_LIMIT, f"{largest}: {largest.stat().st_size} bytes"
    # shared assets: one Mermaid bundle, loaded on demand; no page carries scenario data inline
    assert len(list(site.rglob("mermaid.min.js"))) == 1
    html_text = largest.read_text(encoding="utf-8")
    assert "mermaid-lazy.js" in html_text and '<script src="../../assets/javascripts/mermaid.min.js"' not in html_text
    assert '"requests": [' not in html_text


def test_the_readme_shows_a_real_trace_excerpt_and_diagram() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Documentation site"):]
    assert "python3 tools/build_docs.py --strict" in section
    diagram = re.search(r"```mermaid\n(.*?)```", section, re.S)
    assert diagram is not None
    _, out = run_cli("cors-spec explain --format mermaid examples/redirect-taint.json")
    assert diagram.group(1).splitlines() == out
    console = re.search(r"```console\n(.*?)```", section, re.S)
    assert console is not None
    for cmd, expected in console_commands(console.group(1)):
        excerpt = [e.strip() if e.strip() == "..." else e for e in expected]
        assert matches([*excerpt, "..."], run_cli(cmd)[1])  # an excerpt: more steps follow
