"""Scenario files: bad input gets one clear error naming the file, the JSON path and the rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cors_spec import InputError
from cors_spec.scenario.format import load_scenario, parse_scenario, run_scenario

GOOD: dict[str, object] = {
    "name": "t",
    "page": "http://a.test",
    "requests": [{"url": "http://b.test/x"}],
    "server": [{"url": "http://b.test/x", "headers": [["Access-Control-Allow-Origin", "*"]]}],
}


def _with(path: list[str | int], value: object) -> object:
    data = json.loads(json.dumps(GOOD))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "where", "rule"),
    [
        (["name"], 3, "$.name", "must be a string"),
        (["page"], "app.example", "$.page", "must be an origin"),
        (["page"], KeyError, "$.page", "is required"),
        (["requests"], [], "$.requests", "non-empty list"),
        (["extra"], 1, "$.extra", "unknown field"),
        (["requests", 0, "mode"], "cros", "$.requests[0].mode", "must be one of"),
        (["requests", 0, "url"], "http://[bad", "$.requests[0].url", "must be a URL"),
        (["requests", 0, "headers"], [["X-A"]], "$.requests[0].headers[0]", "[name, value] pair"),
        (["requests", 0, "after"], -1, "$.requests[0].after", "zero or more"),
        (["requests", 0, "after"], True, "$.requests[0].after", "number of seconds"),
        (["requests", 0, "upload_listener"], True, "$.requests[0].upload_listener", "'xhr' only"),
        (["requests", 0, "body"], 5, "$.requests[0].body", "string or null"),
        (["requests", 0, "methodd"], "GET", "$.requests[0].methodd", "unknown field"),
        (["server", 0, "url"], "/relative", "$.server[0].url", "absolute http"),
        (["server", 0, "status"], "200", "$.server[0].status", "integer HTTP status"),
        (["server", 0, "headers", 0, 1], "a\r\nSet-Cookie: x", "$.server[0].headers[0][1]", "CR, LF"),
        (["server", 0, "headers", 0, 1], "caf\u00e9\u2603", "$.server[0].headers[0][1]", "U+2603"),
        (["server", 0, "headers", 0, 0], "Bad Name", "$.server[0].headers[0][0]", "HTTP token"),
    ],
)
def test_bad_input_names_the_field_and_rule(path: list[str | int], value: object, where: str, rule: str) -> None:
    with pytest.raises(InputError) as info:
        parse_scenario(_with(path, value), "f.json")
    message = str(info.value)
    assert message.startswith(f"f.json: {where}:"), message
    assert rule in message


def test_xhr_fields_that_do_not_apply_are_errors() -> None:
    for field, value in (("mode", "no-cors"), ("redirect", "manual"), ("credentials", "omit")):
        with pytest.raises(InputError, match=rf"\$\.requests\[0\]\.{field}"):
            parse_scenario(_with(["requests", 0], {"api": "xhr", "url": "http://b.test/", field: value}))


def test_wire_bytes_a_server_can_send_are_not_errors() -> None:
    """Odd whitespace, empty values and obs-text go through the model as a browser handles them."""
    data = _with(["server", 0, "headers"], [["Access-Control-Allow-Origin", "  *\t"], ["X-Empty", ""],
                                            ["X-Obs", "caf\u00e9\u00ff"]])
    [result] = run_scenario(parse_scenario(data))
    assert result.ok  # whitespace around a field value is not part of it


def test_load_scenario_reports_json_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",')
    with pytest.raises(InputError, match=r"bad.json: \$: is not valid JSON"):
        load_scenario(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 1000) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["name", "page", "requests", "server", "about", "x"]), json_values))
def test_arbitrary_json_raises_only_input_error(data: dict[str, object]) -> None:
    """No JSON document makes the loader raise anything but InputError."""
    try:
        scenario = parse_scenario(data)
    except InputError:
        return
    run_scenario(scenario)


def test_element_loads_take_only_their_fields() -> None:
    base = {"name": "e", "page": "http://a.test"}
    with pytest.raises(InputError, match=r"\$\.requests\[0\]\.method: does not apply to an element load"):
        parse_scenario({**base, "requests": [{"api": "img", "url": "http://b.test/i", "method": "POST"}]})
    with pytest.raises(InputError, match=r"\$\.requests\[0\]\.crossorigin: is not allowed for font"):
        parse_scenario({**base, "requests": [{"api": "font", "url": "http://b.test/f", "crossorigin": "anonymous"}]})
    with pytest.raises(InputError, match=r"\$\.requests\[0\]\.crossorigin: applies to element loads only"):
        parse_scenario({**base, "requests": [{"url": "http://b.test/f", "crossorigin": "anonymous"}]})
    with pytest.raises(InputError, match=r"\$\.server\[0\]\.body_base64: must be valid base64"):
        parse_scenario({**base, "requests": [{"url": "http://b.test/"}],
                        "server": [{"url": "http://b.test/", "body_base64": "%%%"}]})
