"""The hangs of the last fuzz campaign (issue 16), each held by a count of work or a limit.

No test here times anything: each asserts what bounds the cost (how many values were made,
which limit refused the input).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cors_spec import Browser, InputError, Route, Routes
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import Step
from cors_spec.oracle import strategies
from cors_spec.oracle.strategies import DOT_LOOKALIKES, near_misses
from cors_spec.scenario.files import MAX_BYTES, read_json
from cors_spec.scenario.format import load_scenario

from ._support import ROOT, load_fuzzer

# intent:13701 seed 16: an intent whose one origin is a host of 5,001 labels (10 kB) took
# 6 s in `cors-spec audit`: one unescaped-dot look-alike per dot, each as long as the host,
# deduplicated through a list.
LONG_HOST = "https://a" + ".b" * 5000


def _dot_lookalikes(origin: str, misses: list[str]) -> list[str]:
    host = origin.partition("://")[2]
    labels = host.split(".")
    return [m for m in misses
            if any(m == "https://" + ".".join(labels[:i] + [labels[i] + "x" + labels[i + 1]] + labels[i + 2:])
                   for i in range(len(labels) - 1))]


def test_a_long_host_makes_a_bounded_number_of_near_misses() -> None:
    misses = near_misses(LONG_HOST)
    assert len(misses) <= DOT_LOOKALIKES + 20
    assert len(set(misses)) == len(misses)
    # the look-alike of the first dot is still among them: "a.b.b..." read by a regex as "axb.b..."
    assert "https://axb" + ".b" * 4999 in misses


def test_a_host_of_a_few_labels_keeps_every_dot_lookalike() -> None:
    origin = "https://api.eu.shop.example.com"
    misses = near_misses(origin)
    assert _dot_lookalikes(origin, misses) == [
        "https://apixeu.shop.example.com", "https://api.euxshop.example.com",
        "https://api.eu.shopxexample.com", "https://api.eu.shop.examplexcom"]


def test_origins_asks_each_distinct_origin_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = strategies.near_misses

    def counting(origin: str) -> list[str]:
        calls.append(origin)
        return real(origin)

    monkeypatch.setattr(strategies, "near_misses", counting)
    strategies.origins(["https://app.example"] * 10_000 + ["https://b.example"])
    assert calls == ["https://app.example", "https://b.example"]


# fast api:17060 seed 17: XMLHttpRequest with 20,000 request headers to a 70 kB URL took 8 s
# in Result.explain(): every per-name preflight-cache lookup step repeated the URL, a trace of
# 1.4 GB of facts. The first lookup step names the URL and origin; the others do not.
def _url_facts(n_names: int, method: str) -> tuple[int, list[Step]]:
    url = "https://api.example/" + "a" * 5000
    b = Browser("https://app.example", "firefox")
    r = b.xhr(url, method=method, headers=[(f"X-H{i}", "v") for i in range(n_names)],
              server=Routes((Route(url, 204, (("Access-Control-Allow-Origin", "*"),)),)))
    lookups = [s for s in r.trace if s.algorithm in (Algorithm.CACHE_MATCH_METHOD, Algorithm.CACHE_MATCH_HEADER)]
    return sum(1 for s in r.trace for _k, v in s.facts if v == url), lookups


@pytest.mark.parametrize("method", ["PUT", "GET"])
def test_the_url_is_in_the_trace_as_often_for_2000_names_as_for_2(method: str) -> None:
    few, _ = _url_facts(2, method)
    many, many_lookups = _url_facts(2000, method)
    assert few == many
    assert len(many_lookups) == 2000 + (method == "PUT")
    first = dict(many_lookups[0].facts)
    assert first["url"].startswith("https://api.example/aaa") and first["origin"] == "https://app.example"
    assert all("url" not in dict(s.facts) for s in many_lookups[1:])
    assert [dict(s.facts).get("header") for s in many_lookups if s.algorithm is Algorithm.CACHE_MATCH_HEADER][:2] \
        == ["x-h0", "x-h1"]


# fast scenario:85247 seed 17: a 79 MB generated scenario was decoded by the --fast path,
# which skipped the 4 MiB file limit `cors-spec run` applies. The fast path now reads every
# file through the CLI's reader (cors_spec/scenario/files.py).
def _padded_scenario() -> bytes:
    doc = json.loads((ROOT / "examples" / sorted(p.name for p in (ROOT / "examples").glob("*.json"))[0]).read_bytes())
    return json.dumps(doc).encode() + b" " * (MAX_BYTES + 1)  # valid JSON, one byte over the limit


def test_the_fast_path_refuses_a_scenario_over_the_file_size_limit(tmp_path: Path) -> None:
    fuzz = load_fuzzer()
    raw = _padded_scenario()
    case = fuzz.Case("scenario", 0, "run:json", ["run", "{dir}/s.json"], {"s.json": raw})
    assert fuzz._fast_one(case, tmp_path) == "refused"
    with pytest.raises(InputError, match=r"scenario files are at most 4\.0 MiB \(the file size limit\)"):
        load_scenario(tmp_path / "s.json")
    # the same document inside the limit runs
    small = fuzz.Case("scenario", 0, "run:json", ["run", "{dir}/s.json"], {"s.json": raw.rstrip(b" ")})
    assert fuzz._fast_one(small, tmp_path) == "ran"


def test_the_fast_path_reads_an_intent_file_through_the_cli_reader(tmp_path: Path) -> None:
    fuzz = load_fuzzer()
    big = b'{"origins": ["*"]}' + b" " * MAX_BYTES
    case = fuzz.Case("intent", 0, "load", None, {"intent.json": big}, {"call": "intent", "file": "intent.json"})
    assert fuzz._fast_one(case, tmp_path) == "refused"
    with pytest.raises(InputError, match=r"\(the file size limit\)"):
        read_json(tmp_path / "intent.json")
    ok = fuzz.Case("intent", 0, "load", None, {"intent.json": big.rstrip()}, {"call": "intent", "file": "intent.json"})
    assert fuzz._fast_one(ok, tmp_path) == "ran"
