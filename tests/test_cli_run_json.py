"""``run --json`` writes each scenario with its own indenting encoder (json's indenting
encoder is the pure-Python one): the bytes must be exactly ``json.dumps(..., indent=1)``'s."""

from __future__ import annotations

import enum
import json
from pathlib import Path

import pytest

from cors_spec.cli.run import _encode_trace, indented_json, run_file
from cors_spec.errors import InputError
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import Decision, Step
from cors_spec.scenario.format import load_scenario, observation, run_scenario

ROOT = Path(__file__).resolve().parent.parent


def reference(value: object, prefix: str) -> str:
    return "\n".join(prefix + line for line in json.dumps(value, indent=1).split("\n"))


class Kind(str, enum.Enum):
    A = "a"


class Level(enum.IntEnum):
    THREE = 3


EDGES: list[object] = [
    "", "a\nb \"q\" \\ \x00\x1f é \u2028 \ud800 😀", None, True, False, 0, -7, 10**30, 1.5, -0.0,
    float("nan"), float("inf"), [], {}, (), [[]], [{}], {"k": []}, ["a", "b\n", "é"], ["a", 1, None],
    ("t", ("u",)), {"a": {"b": {"c": [1, "x", {"d": None}]}}}, {1: "int key", None: 0, 2.5: True, False: []},
    {"a": Kind.A, "b": Level.THREE, "c": [Kind.A]}, {Kind.A: 1}, [1.25, [2.5, {"x": 1e300}]],
]


@pytest.mark.parametrize("value", EDGES, ids=[str(i) for i in range(len(EDGES))])
@pytest.mark.parametrize("prefix", ["", "  "])
def test_the_same_bytes_as_json_dumps(value: object, prefix: str) -> None:
    assert indented_json(value, prefix) == reference(value, prefix)


def test_every_example_and_golden_with_its_trace() -> None:
    files = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "spec_traces").rglob("*.json"))
    checked = 0
    for path in files:
        try:
            s = load_scenario(path)
        except InputError:
            continue  # not a scenario (an expectations file)
        item = {"name": s.name, "file": s.source,
                "observations": [observation(r, with_trace=True) for r in run_scenario(s, "chromium", trace=True)]}
        assert indented_json(item, "  ") == reference(item, "  "), path
        written, error = run_file(path, "chromium", as_json=True, trace=True)  # the trace's own writer
        assert error is None and written == reference(item, "  "), path
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, {(1, 2): "tuple key"}])
def test_what_json_refuses_is_refused_alike(value: object) -> None:
    with pytest.raises(TypeError) as expected:
        json.dumps(value, indent=1)
    with pytest.raises(TypeError) as got:
        indented_json(value)
    assert str(got.value) == str(expected.value)


def test_a_trace_is_written_as_its_steps_json() -> None:
    algorithm = next(iter(Algorithm))
    steps = (
        Step(algorithm, "1", Decision.RETURNED),
        Step(algorithm, "4.1", Decision.RETURNED, (("name", "x-a"), ("name", "x-b \"q\" é"), ("url", "u"))),
        Step(algorithm, "7", Decision.RETURNED, (("odd", 3),)),  # type: ignore[arg-type]  # not a str: the walk
    )
    for prefix in ("", "  "):
        parts = [prefix]
        _encode_trace(steps, prefix, parts)
        assert "".join(parts) == reference([s.to_json() for s in steps], prefix)
        empty = [prefix]
        _encode_trace((), prefix, empty)
        assert "".join(empty) == reference([], prefix)
