"""The renderers and the text catalogue: every recorded step is explained in every language,
and the four formats of ``cors-spec explain`` say the same thing as the model."""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path

import pytest

from cors_spec import Algorithm, Decision, Reason, cli
from cors_spec.model.response import Result
from cors_spec.scenario.format import Scenario, load_scenario, run_scenario
from cors_spec.teach.render import explanation, render_json, render_markdown, render_mermaid, render_step
from cors_spec.teach.text import LANGUAGES, TEXT

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "spec_traces").glob("*.json")) + sorted((ROOT / "examples").glob("*.json"))
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@cache
def traced(path: Path) -> tuple[Scenario, tuple[Result, ...]]:
    s = load_scenario(path)
    return s, tuple(run_scenario(s, "spec", trace=True))


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = cli.main(list(argv), out, out)
    return status, out.getvalue()


def test_catalogues_have_the_same_keys_in_every_language() -> None:
    en = TEXT["en"]
    for lang in LANGUAGES:
        cat = TEXT[lang]
        assert set(cat.titles) == set(Algorithm)
        assert set(cat.about) == set(Algorithm)
        assert set(cat.decisions) == set(Decision)
        assert set(cat.reasons) == set(Reason)
        assert set(cat.explain) == set(en.explain)
        assert set(cat.words) == set(en.words)
        for key, text in cat.explain.items():  # the same facts are named in every language
            assert set(_PLACEHOLDER.findall(text)) == set(_PLACEHOLDER.findall(en.explain[key])), (lang, key)
    ru = TEXT["ru"]
    assert all(re.search("[а-яА-Я]", t) for t in ru.explain.values())
    assert all(re.search("[а-яА-Я]", t) for t in ru.reasons.values())


def test_every_step_of_the_corpus_has_its_own_explanation_with_its_facts() -> None:
    seen = set()
    for path in CORPUS:
        _, results = traced(path)
        for r in results:
            for step in r.trace:
                key = (step.algorithm, step.step, step.decision)
                seen.add(key)
                for lang in LANGUAGES:
                    text = TEXT[lang].explain.get(key)
                    assert text is not None, f"{path.name}: no {lang} explanation for {key}"
                    for name in _PLACEHOLDER.findall(text):
                        name = name.partition("|")[0]  # {fact|noun}: a count
                        assert step.fact(name) is not None, f"{path.name}: {key} has no fact {name!r}"
                    assert "{" not in explanation(step, lang)
    assert len(seen) > 50


def test_explanations_fill_in_the_facts() -> None:
    _, results = traced(ROOT / "examples" / "simple-get-blocked.json")
    steps = {(s.algorithm, s.step): s for s in results[0].trace}
    sent = steps[(Algorithm.HTTP_NETWORK_OR_CACHE_FETCH, "8.12")]
    assert explanation(sent) == "GET https://api.example/data goes on the wire, with Origin: https://app.example."
    assert explanation(sent, "ru") == "GET https://api.example/data уходит в сеть с Origin: https://app.example."
    check = steps[(Algorithm.CORS_CHECK, "2")]
    assert render_step(check, lang="ru", explain=True).splitlines()[:2] == [
        "CORS-проверка шаг 2: отказ",
        "    В ответе нет Access-Control-Allow-Origin: сервер не согласился делиться им.",
    ]
    assert render_step(check).splitlines()[0] == "CORS check step 2: failure"  # unchanged default


def test_mermaid_diagram_follows_the_wire() -> None:
    s, results = traced(ROOT / "examples" / "redirect-taint.json")
    diagram = render_mermaid(s, results).splitlines()
    assert diagram[0] == "sequenceDiagram"
    assert "    participant P as Page script (https://app.example)" in diagram
    assert "    participant S1 as https://api.example" in diagram
    assert "    participant S2 as https://cdn.example" in diagram
    arrows = [line.strip() for line in diagram if "->>" in line or "--x" in line]
    sent = [w for r in results for w in r.sent]
    # one arrow from the browser per request on the wire, each to its origin's participant
    to_servers = [a for a in arrows if a.startswith("B->>S")]
    assert len(to_servers) == len(sent)
    assert to_servers[1].startswith("B->>S2: GET /file<br/>Origin: null")
    assert arrows[-1].startswith("B--xP: network error: allow-origin-mismatch")
    assert "#59;" in arrows[-1]  # a ";" is escaped so Mermaid does not cut the message


def test_mermaid_shows_preflights_and_cache_hits() -> None:
    s, results = traced(ROOT / "examples" / "preflight-cache.json")
    text = render_mermaid(s, results)
    assert text.count("OPTIONS /items/1") == 2  # first request and after expiry
    assert "Note over B: preflight cache hit: DELETE" in text
    assert "Note over P: after 30s" in text
    assert "ACRM: DELETE" in text
    ru = render_mermaid(s, results, lang="ru")
    assert "participant B as Браузер" in ru and "ответ из кэша preflight" in ru


def test_markdown_has_the_trace_table_with_links_and_the_diagram() -> None:
    s, results = traced(ROOT / "examples" / "preflight-put.json")
    md = render_markdown(s, results)
    assert "```mermaid\nsequenceDiagram\n" in md
    rows = [line for line in md.splitlines() if line.startswith("| ") and "](https://fetch.spec.whatwg.org/#" in line]
    assert len(rows) == len(results[0].trace)
    assert any("[CORS-preflight fetch step 7.5](https://fetch.spec.whatwg.org/#cors-preflight-fetch-0)" in r
               and "The server allows the method PUT." in r for r in rows)
    assert "<code>Access-Control-Allow-Methods: GET, PUT</code>" in md  # the routes
    assert "## Request 0" not in md and "## request 0: fetch PUT https://api.example/items/1" in md


def test_json_format_matches_the_model() -> None:
    s, results = traced(ROOT / "examples" / "simple-get-blocked.json")
    doc = render_json(s, results, lang="ru")
    assert doc["name"] == s.name and doc["lang"] == "ru"
    req = doc["requests"][0]  # type: ignore[index]
    assert req["observation"]["reason"] == "missing-allow-origin-header"
    assert len(req["trace"]) == len(results[0].trace)
    step = req["trace"][-3]
    assert step["algorithm"] == "concept-cors-check" and step["link"].endswith("#concept-cors-check")
    assert step["title"] == "CORS-проверка шаг 2"


@pytest.mark.parametrize("fmt", ["text", "markdown", "mermaid", "json"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_cli_explain_formats_and_languages(fmt: str, lang: str) -> None:
    status, out = run("explain", "--format", fmt, "--lang", lang, "--color", "always",
                      str(ROOT / "examples" / "preflight-put.json"))
    assert status == 0
    if fmt == "json":
        doc = json.loads(out)
        assert doc["lang"] == lang and doc["requests"][0]["observation"]["outcome"] == "cors"
    elif fmt == "mermaid":
        assert out.startswith("sequenceDiagram\n")
    elif fmt == "markdown":
        assert "```mermaid" in out
    else:
        assert "\x1b[" in out  # colour only for text
    if fmt != "text":
        assert "\x1b[" not in out
    assert ("предварительном запросе" in out) == (lang == "ru" and fmt != "mermaid")


def test_cli_explain_rejects_unknown_language() -> None:
    """argparse's usage error goes to the stream main() was given for errors."""
    status, printed = run("explain", "--lang", "de", str(ROOT / "examples" / "preflight-put.json"))
    assert status == 2 and "invalid choice: 'de'" in printed
