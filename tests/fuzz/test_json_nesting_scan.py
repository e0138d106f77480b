"""The nesting check of JSON files skips string literals before it counts brackets."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from cors_spec.errors import InputError
from cors_spec.scenario.files import _STRING, MAX_DEPTH, decode_json

# The plain reading of a JSON string literal: any character but quote and backslash, or an
# escape pair. The pattern in files.py is its unrolled form.
_PLAIN = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


@given(st.text(alphabet='"\\ab\n[]{}:,', max_size=60))
def test_unrolled_string_pattern_removes_what_the_plain_one_does(text: str) -> None:
    assert _STRING.sub("", text) == _PLAIN.sub("", text)


@given(st.lists(st.text(alphabet='"\\[]{}x', max_size=8), max_size=MAX_DEPTH * 2))
def test_brackets_inside_strings_never_count_as_nesting(strings: list[str]) -> None:
    text = json.dumps({"s": strings})
    assert decode_json(text, "f.json") == {"s": strings}


def test_brackets_outside_strings_still_count() -> None:
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH  # one level under the object: MAX_DEPTH + 1 in all
    text = '{"s": "]]]]\\"}}", "d": ' + deep + "}"
    try:
        decode_json(text, "f.json")
    except InputError as e:
        assert f"nested deeper than {MAX_DEPTH} levels" in str(e)
    else:
        raise AssertionError("a document nested too deep was accepted")
    shallow = '{"s": "[[[[", "d": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    assert isinstance(decode_json(shallow, "f.json"), dict)
