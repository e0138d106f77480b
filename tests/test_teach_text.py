"""The teach layer's words: trace tokens in each language's words, Russian pages without
English, counts with the right plural form, and explanations that say what happened."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from cors_spec import Algorithm, Browser, Decision, Route
from cors_spec.model.response import Result
from cors_spec.model.trace import ABSENT, Step
from cors_spec.scenario.format import Scenario, load_scenario, run_scenario
from cors_spec.teach.render import explanation, render_scenario, render_step, render_trace
from cors_spec.teach.text import TEXT, catalogue, plural

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = sorted((ROOT / "spec_traces").glob("*.json"))
CORPUS = GOLDENS + sorted((ROOT / "examples").glob("*.json"))
EN, RU = TEXT["en"], TEXT["ru"]

#: Facts whose values are always tokens (never data).
TOKEN_FACTS = ("branch", "preflight", "why", "use-CORS-preflight flag", "loaded", "readable", "ok status",
               "upload listener")

#: Three or more ASCII words in a row: an English phrase.
_ENGLISH = re.compile(r"(?<![\w/.:-])[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}(?![\w/.-])")
_URL = re.compile(r"(?:\b[A-Za-z][A-Za-z0-9+.-]*:(?://)?|/)[^\s;<|]*")  # URLs and paths


@cache
def traced(path: Path) -> tuple[Scenario, tuple[Result, ...]]:
    s = load_scenario(path)
    return s, tuple(run_scenario(s, "spec", trace=True))


def _english_token_words() -> set[str]:
    """The English words of every token, except those written the same in Russian."""
    ru_words = {w for d in RU.tokens.values() for w in d.values()}
    return {w for d in EN.tokens.values() for w in d.values()} - ru_words


# --- plural forms ---------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "expected"), [
    (1, "1 сценарий"), (2, "2 сценария"), (5, "5 сценариев"), (21, "21 сценарий"), (454, "454 сценария"),
    (11, "11 сценариев"), (12, "12 сценариев"), (14, "14 сценариев"), (22, "22 сценария"), (0, "0 сценариев"),
    (111, "111 сценариев"), (101, "101 сценарий"),
])
def test_russian_counts_take_the_right_plural_form(n: int, expected: str) -> None:
    assert catalogue("ru").count(n, "scenario") == expected


def test_english_counts_and_the_plural_helper() -> None:
    assert catalogue("en").count(1, "scenario") == "1 scenario"
    assert catalogue("en").count(454, "scenario") == "454 scenarios"
    assert plural(3, ("шаг", "шага", "шагов"), "ru") == "шага"
    assert set(EN.nouns) == set(RU.nouns)
    assert all(len(f) == 2 for f in EN.nouns.values()) and all(len(f) == 3 for f in RU.nouns.values())


def test_max_age_is_counted_in_words() -> None:
    step = Step(Algorithm.CACHE_CREATE_ENTRY, "", Decision.STORED, (("max-age", "1"),))
    assert "for 1 second," in explanation(step)
    assert "на 1 секунду," in explanation(step, "ru")
    step = Step(Algorithm.CACHE_CREATE_ENTRY, "", Decision.STORED, (("max-age", "22"),))
    assert "for 22 seconds," in explanation(step) and "на 22 секунды," in explanation(step, "ru")


# --- tokens -----------------------------------------------------------------------------------

def test_every_token_has_words_in_every_language() -> None:
    assert {k: set(v) for k, v in EN.tokens.items()} == {k: set(v) for k, v in RU.tokens.items()}
    assert all(re.search("[а-яА-Я]", w) or w.startswith("crossorigin=") for d in RU.tokens.values()
               for w in d.values())


def test_the_model_emits_only_tokens_the_catalogues_know() -> None:
    unknown = set()
    for path in CORPUS:
        for r in traced(path)[1]:
            for step in r.trace:
                for name, value in step.facts:
                    if name in TOKEN_FACTS:
                        known = EN.tokens[name]
                        if value not in known and value.partition(": ")[0] + ":" not in known:
                            unknown.add((name, value))
    assert not unknown


def test_tokens_with_data_keep_the_data() -> None:
    assert EN.fact_value("why", "status-not-ok: 404") == "status 404 is not an ok status"
    assert RU.fact_value("why", "mime-not-css: text/plain") == "MIME-тип text/plain — не text/css"
    # the same string is a token for one fact and data for another
    assert RU.fact_value("branch", "same-origin") != "same-origin"
    assert RU.fact_value("credentials", "same-origin") == "same-origin"
    assert EN.fact_value("access-control-allow-origin", ABSENT) == "(absent)"
    assert RU.fact_value("access-control-allow-origin", ABSENT) == "(отсутствует)"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_russian_explanations_have_no_english_fact_strings(path: Path) -> None:
    scenario, results = traced(path)
    words = _english_token_words()
    for fmt in ("text", "markdown"):
        out = render_scenario(scenario, results, fmt, lang="ru")
        values = _URL.sub(" ", out)
        found = [w for w in words if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", values)]
        assert not found, f"{fmt}: {found}"
        prose = re.sub(r"<code>.*?</code>", " ", values)
        prose = re.sub(r"```mermaid.*?```", " ", prose, flags=re.S)
        assert not _ENGLISH.findall(prose), fmt


# --- explanations that say what happened ------------------------------------------------------

def _trace(routes: list[Route], url: str, method: str = "GET") -> tuple[Step, ...]:
    return Browser("https://app.example").fetch(url, method=method, server=routes).trace


def _explained(steps: tuple[Step, ...], lang: str = "en") -> str:
    return render_trace(steps, lang=lang, explain=True)


def test_after_a_tainting_redirect_it_is_the_requests_origin_that_is_null() -> None:
    _, results = traced(ROOT / "examples" / "redirect-taint.json")
    text = _explained(results[0].trace)
    assert "not the page's origin" not in text
    assert "the request's origin is serialized as null (the page's origin is unchanged)" in text
    ru = _explained(results[0].trace, "ru")
    assert "origin запроса сериализуется как null (origin страницы не меняется)" in ru


def test_without_a_redirect_a_mismatch_names_the_requests_origin() -> None:
    steps = _trace([Route("https://api.example/x", 200, (("Access-Control-Allow-Origin", "https://other.example"),))],
                   "https://api.example/x")
    check = next(s for s in steps if s.algorithm is Algorithm.CORS_CHECK)
    assert explanation(check) == ("Access-Control-Allow-Origin (https://other.example) is not the request's "
                                  "origin, https://app.example.")


def test_a_wildcard_with_credentials_fails_because_credentials_were_sent() -> None:
    _, results = traced(ROOT / "examples" / "credentials-wildcard.json")
    check = next(st for st in results[0].trace if st.algorithm is Algorithm.CORS_CHECK)
    assert check.fact("access-control-allow-origin") == "*"
    assert "* fails because credentials were sent" in explanation(check)
    assert "* не подходит потому, что отправлены учётные данные" in explanation(check, "ru")


def test_an_absent_header_is_said_to_be_absent() -> None:
    steps = _trace([Route("https://api.example/items", 200, (("Access-Control-Allow-Origin", "https://app.example"),),
                          method="OPTIONS")],
                   "https://api.example/items", method="PUT")
    step = next(s for s in steps if s.algorithm is Algorithm.CORS_PREFLIGHT_FETCH and s.step == "7.5")
    assert step.fact("access-control-allow-methods") == ABSENT
    assert "access-control-allow-methods = (absent);" in render_step(step)
    assert "access-control-allow-methods = (отсутствует);" in render_step(step, lang="ru")
    for path in CORPUS:  # no fact is ever shown empty: an empty value is shown as ""
        for r in traced(path)[1]:
            for st in r.trace:
                for lang in ("en", "ru"):
                    assert " = ;" not in render_step(st, lang=lang) + ";", (path.name, st)
    empty = Step(Algorithm.CORS_CHECK, "4", Decision.FAILURE, (("access-control-allow-origin", ""),))
    assert 'access-control-allow-origin = ""' in render_step(empty)


def test_a_network_error_is_not_said_twice() -> None:
    s, results = traced(ROOT / "examples" / "simple-get-blocked.json")
    last = results[0].trace[-1]
    assert last.algorithm is Algorithm.NETWORK_ERROR
    assert render_step(last, links=False).splitlines()[0] == "network error"
    assert render_step(last, links=False, lang="ru").splitlines()[0] == "сетевая ошибка"
    for lang in ("en", "ru"):
        for fmt in ("text", "markdown"):
            out = render_scenario(s, results, fmt, lang=lang)
            word = TEXT[lang].words["network error"]
            assert f"{word}: {word}" not in out and f"{word}: network-error" not in out
            assert f"[{word}]({last.algorithm.url}) | {word} |" not in out
