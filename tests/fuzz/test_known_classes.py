"""One minimal input per failure class found by tools/fuzz.py (issue 16).

Each test states what the input must do: be refused with one line naming the place and
the rule (exit 2), or run. Every class is fixed; the inventory with the minimal inputs is
in the fuzz notes, the limits in docs/limits.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import attrs
import pytest

from cors_spec import SPEC, Browser, InputError, Route, Routes, check

from ._support import assert_refused, run_cli

PAGE = "https://app.example"
URL = "https://api.example/x"
LONG_MAX_AGE = "1" * 4301  # one digit beyond Python's integer-string conversion limit

SURROGATE = "\ud800"  # what "\ud800" in a JSON string decodes to
ARGV_SURROGATE = "\udcff"  # what a byte 0xFF in argv decodes to (surrogateescape)



def _scenario(tmp_path: Path, text: str) -> str:
    p = tmp_path / "s.json"
    p.write_bytes(text.encode("utf-8", "surrogatepass"))
    return str(p)


def _doc(**request: object) -> dict[str, object]:
    return {"name": "s", "page": PAGE, "requests": [{"url": URL, **request}]}


# --- loading files -------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "explain"])
def test_deeply_nested_scenario_is_refused(tmp_path: Path, command: str) -> None:
    status, _, err = run_cli([command, _scenario(tmp_path, "[" * 5000 + "]" * 5000)])
    assert_refused(status, err, "s.json", "nest")


@pytest.mark.parametrize("command", ["run", "explain"])
def test_integer_of_4301_digits_in_scenario_is_refused(tmp_path: Path, command: str) -> None:
    text = json.dumps(_doc()).replace('"url"', '"after": ' + "1" * 4301 + ', "url"')
    status, _, err = run_cli([command, _scenario(tmp_path, text)])
    assert_refused(status, err, "s.json")


@pytest.mark.parametrize("literal", ["NaN", "Infinity"])
def test_after_nan_or_infinity_is_refused(tmp_path: Path, literal: str) -> None:
    text = json.dumps(_doc()).replace('"url"', f'"after": {literal}, "url"')
    status, _, err = run_cli(["run", _scenario(tmp_path, text)])
    assert_refused(status, err, "s.json", f"{literal} is not a JSON number")


@pytest.mark.parametrize("after", ["1e999", str(2**31 + 1), "-1"])
def test_after_beyond_the_limits_is_refused(tmp_path: Path, after: str) -> None:
    text = json.dumps(_doc()).replace('"url"', f'"after": {after}, "url"')
    status, _, err = run_cli(["run", _scenario(tmp_path, text)])
    assert_refused(status, err, "s.json")
    assert "$.requests[0].after" in err or "too large" in err


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -1.0, 2.0**31 + 1])
def test_browser_advance_takes_finite_seconds_only(seconds: float) -> None:
    with pytest.raises(InputError, match="after: must be a finite number of seconds"):
        Browser(PAGE).advance(seconds)


def test_file_limits(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (4 * 1024 * 1024 + 1))
    status, _, err = run_cli(["run", str(big)])
    assert_refused(status, err, "big.json", "the file size limit")
    status, _, err = run_cli(["run", _scenario(tmp_path, "[" * 65 + "]" * 65)])
    assert_refused(status, err, "s.json", "nested deeper than 64 levels")
    status, _, err = run_cli(["run", _scenario(tmp_path, json.dumps(_doc()).replace('"url"', '"after": 1e400, "url"'))])
    assert_refused(status, err, "s.json", "numbers are finite")


def test_error_lines_escape_control_characters(tmp_path: Path) -> None:
    doc = _doc()
    doc["\rname\n"] = 1
    status, _, err = run_cli(["run", _scenario(tmp_path, json.dumps(doc))])
    assert_refused(status, err, "unknown field", "\\rname\\n")


def test_long_paste_is_refused() -> None:
    status, _, err = run_cli(["explain-error", _NO_ACAO.format(url=URL) * 500])
    assert_refused(status, err, "MESSAGE", "paste at most 65,536")


def test_run_on_a_folder_without_scenarios_is_refused(tmp_path: Path) -> None:
    status, _, err = run_cli(["run", str(tmp_path)])
    assert_refused(status, err, str(tmp_path))


@pytest.mark.parametrize(("name", "text"), [("i.json", "[" * 5000 + "]" * 5000),
                                            ("i.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n")])
def test_deeply_nested_intent_is_refused(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    status, _, err = run_cli(["audit", "fuzzapp:app", "--intent", str(tmp_path / name)])
    assert_refused(status, err, name)


@pytest.mark.parametrize(("name", "text"), [("i.json", '{"max_age": ' + "1" * 4301 + "}"),
                                            ("i.toml", "max_age = " + "1" * 4301 + "\n")])
def test_integer_of_4301_digits_in_intent_is_refused(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    status, _, err = run_cli(["audit", "fuzzapp:app", "--intent", str(tmp_path / name)])
    assert_refused(status, err, name)


# --- what the server answers -------------------------------------------------------------------

_MAX_AGE_PREFLIGHT = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "PUT",
                      "Access-Control-Max-Age": LONG_MAX_AGE}


def test_max_age_of_4301_digits_through_check() -> None:
    r = check(PAGE, URL, method="PUT", preflight_headers=_MAX_AGE_PREFLIGHT,
              response_headers={"Access-Control-Allow-Origin": "*"})
    assert r.ok  # a browser reads an over-long max-age as a valid (capped) lifetime or as invalid


def test_max_age_of_4301_digits_through_a_scenario(tmp_path: Path) -> None:
    doc = _doc(method="PUT")
    doc["requests"] = [*doc["requests"], *doc["requests"]]  # type: ignore[misc]
    doc["server"] = [{"url": URL, "method": "OPTIONS", "status": 204,
                      "headers": [list(kv) for kv in _MAX_AGE_PREFLIGHT.items()]},
                     {"url": URL, "headers": [["Access-Control-Allow-Origin", "*"]]}]
    status, _, err = run_cli(["run", _scenario(tmp_path, json.dumps(doc))])
    assert status == 0, err


def test_redirect_limit_is_from_0_to_100() -> None:
    with pytest.raises(InputError, match=r"redirect_limit: must be from 0 to 100"):
        attrs.evolve(SPEC, redirect_limit=1000)


def test_100_hop_redirect_chain_under_redirect_limit_100_is_linear() -> None:
    hops = [f"https://h{i}.example/" for i in range(100)] + ["https://end.example/"]
    routes = Routes(tuple(Route(hops[i], 302, (("Location", hops[i + 1]), ("Access-Control-Allow-Origin", "*")))
                          for i in range(100)) + (Route(hops[-1], 200, (("Access-Control-Allow-Origin", "*"),)),))
    browser = Browser(PAGE, attrs.evolve(SPEC, redirect_limit=100))
    started = time.monotonic()
    r = browser.fetch(hops[0], server=routes)
    assert r.status == 200 or r.failure is not None
    assert time.monotonic() - started < 2


def test_20_hop_chain_under_the_default_limit_fails_cleanly() -> None:
    hops = [f"https://h{i}.example/" for i in range(30)]
    routes = Routes(tuple(Route(hops[i], 302, (("Location", hops[i + 1]), ("Access-Control-Allow-Origin", "*")))
                          for i in range(29)))
    r = Browser(PAGE).fetch(hops[0], server=routes)
    assert r.failure is not None and r.failure.reason.value == "too-many-redirects"


# --- printing what was given -----------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["run"], ["explain"], ["explain", "--format", "json"], ["explain", "--format", "markdown"]])
def test_lone_surrogate_in_a_request_header_value_prints(tmp_path: Path, argv: list[str]) -> None:
    doc = _doc(headers=[["X-A", SURROGATE]])
    status, _, err = run_cli([*argv, _scenario(tmp_path, json.dumps(doc))])
    assert status in (0, 2), err


@pytest.mark.parametrize("field", ["name", "about"])
def test_lone_surrogate_in_name_or_about_prints(tmp_path: Path, field: str) -> None:
    doc = _doc()
    doc[field] = SURROGATE
    for argv in (["run"], ["explain", "--format", "json"]):
        status, _, err = run_cli([*argv, _scenario(tmp_path, json.dumps(doc))])
        assert status in (0, 2), err


def test_lone_surrogate_in_an_unknown_field_name_prints_the_error_line(tmp_path: Path) -> None:
    doc = _doc()
    doc[SURROGATE] = 1
    status, _, err = run_cli(["run", _scenario(tmp_path, json.dumps(doc))])
    assert_refused(status, err, "unknown field")


@pytest.mark.parametrize("extra", [["--url", URL + ARGV_SURROGATE], ["--url", URL, "-H", "X-A: " + ARGV_SURROGATE]])
def test_check_with_an_undecodable_argv_byte_prints(extra: list[str]) -> None:
    status, _, err = run_cli(["check", "--page", PAGE, *extra])
    assert status in (0, 2), err


def test_lone_surrogate_in_a_scenario_string_is_refused(tmp_path: Path) -> None:
    doc = _doc(headers=[["X-A", SURROGATE]])
    status, _, err = run_cli(["run", "--json", _scenario(tmp_path, json.dumps(doc))])
    assert_refused(status, err, "$.requests[0].headers[0][1]", "lone surrogate (U+D800)")


_NO_ACAO = ("Access to fetch at '{url}' from origin 'https://app.example' has been blocked by CORS policy: "
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.")


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_explain_error_with_a_lone_surrogate(json_flag: list[str]) -> None:
    status, _, err = run_cli(["explain-error", *json_flag, _NO_ACAO.format(url=URL + SURROGATE)])
    assert status in (0, 1), err


def test_explain_error_scenario_runs(tmp_path: Path) -> None:
    """The scenario explain-error prints must be accepted by run (here: a header value
    quoted in the message holds a control character)."""
    message = ("Access to fetch at 'https://api.example/x' from origin 'https://app.example' has been blocked by "
               "CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://a\x00pp.example' that is "
               "not equal to the supplied origin.")
    status, out, err = run_cli(["explain-error", "--json", message])
    assert status == 0, err
    scenario = json.loads(out)["scenario"]
    path = tmp_path / "repro.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    status, _, err = run_cli(["run", str(path)])
    assert status == 0, err


# --- the API refuses with InputError only ----------------------------------------------------------

def test_check_with_a_bad_page_raises_input_error() -> None:
    with pytest.raises(InputError):
        check("not an origin", URL)


@pytest.mark.parametrize(("field", "count", "needle"), [
    ("requests", 1001, "the request limit"), ("server", 1001, "the route limit")])
def test_scenario_count_limits(tmp_path: Path, field: str, count: int, needle: str) -> None:
    doc = _doc()
    item = {"url": URL} if field == "requests" else {"url": URL, "headers": []}
    doc[field] = [item] * count
    status, _, err = run_cli(["run", _scenario(tmp_path, json.dumps(doc))])
    assert_refused(status, err, f"$.{field}", needle)


@pytest.mark.parametrize(("lines", "value"), [(20_001, "v"), (300, "v" * 1000)])
def test_scenario_header_limits(tmp_path: Path, lines: int, value: str) -> None:
    doc = _doc(headers=[["X-A", value]] * lines)
    status, _, err = run_cli(["run", _scenario(tmp_path, json.dumps(doc))])
    assert_refused(status, err, "$.requests[0].headers", "the header limit")


def test_intent_and_har_share_the_file_limits(tmp_path: Path) -> None:
    (tmp_path / "i.json").write_text('{"max_age": NaN}', encoding="utf-8")
    status, _, err = run_cli(["audit", "fuzzapp:app", "--intent", str(tmp_path / "i.json")])
    assert_refused(status, err, "i.json", "NaN is not a JSON number")
    (tmp_path / "f.har").write_text('{"log": ' * 100 + "}" * 100, encoding="utf-8")
    status, _, err = run_cli(["har", str(tmp_path / "f.har")])
    assert_refused(status, err, "f.har", "nested deeper than 64 levels")


def test_a_usage_error_naming_a_lone_surrogate_prints() -> None:
    status, _, err = run_cli(["explain-error", "--" + ARGV_SURROGATE])
    assert status == 2 and err.startswith("usage:") and "\\udcff" in err
