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
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from cors_spec import cli
from cors_spec._scenario import parse_scenario, run_scenario

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
        assert sorted(Path(p).stem for group in nav[lang].values() for p in group) == names
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
    assert "| 0 | outcome | network-error | cors |" in section  # firefox differs from the model
    assert "chromium agrees with the model's `chromium` profile" in section


def test_reference_pages_are_generated_from_code() -> None:
    from cors_spec import Reason
    from cors_spec._profile import PROFILES
    from cors_spec._text import TEXT

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
def test_a_gallery_page_renders_its_sequence_diagram_in_chromium(served: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from harness.wsclient import WebSocket

    name, origins = _scenario_crossing_origins()
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
                await cdp.call("Page.navigate", url=f"{served}/gallery/{name}/")
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
    (out_dir / "gallery-diagram.png").write_bytes(diagram_png)
    (out_dir / "gallery-page.png").write_bytes(page_png)

    svg_texts = _texts(host)
    scenario = build_docs._load(TRACES / f"{name}.json")
    assert f"Page script ({scenario.page})" in svg_texts
    assert "Browser" in svg_texts
    servers = {t for t in svg_texts if re.fullmatch(r"https?://[^/ ]+", t)}
    assert servers == origins, svg_texts  # one participant per server origin the requests reached
    assert any(t.startswith("GET /") for t in svg_texts)  # the messages are drawn too
    # the diagram replaced its source: no raw Mermaid text is visible on the page
    assert "sequenceDiagram" not in text and "participant P as" not in text
    assert diagram_png[:8] == b"\x89PNG\r\n\x1a\n" and len(diagram_png) > 10_000
    width = int.from_bytes(diagram_png[16:20], "big")
    height = int.from_bytes(diagram_png[20:24], "big")
    assert width > 300 and height > 200, (width, height)


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
