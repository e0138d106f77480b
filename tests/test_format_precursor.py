"""Format v1's optional ``page_precursor``: read, checked, and passed to the profile."""

from __future__ import annotations

import pytest

from cors_spec import InputError
from cors_spec.scenario.format import parse_scenario, run_scenario

PNG = [["Content-Type", "image/png"]]


def _scenario(**top: object) -> dict[str, object]:
    return {"name": "t", "page": "null", "requests": [{"api": "img", "url": "http://api.a.test/1"}],
            "server": [{"url": "http://api.a.test/1", "headers": PNG}], **top}


def test_absent_precursor_is_unknown() -> None:
    s = parse_scenario(_scenario())
    assert s.page_precursor is None
    assert run_scenario(s, "chromium")[0].sent[0].origin is None


def test_the_precursor_reaches_the_profile() -> None:
    s = parse_scenario(_scenario(page_precursor="http://a.test"))
    assert s.page_precursor == "http://a.test"
    assert run_scenario(s, "chromium")[0].sent[0].origin == "null"
    assert run_scenario(s, "spec")[0].sent[0].origin is None


@pytest.mark.parametrize(("top", "rule"), [
    ({"page": "http://a.test", "page_precursor": "http://a.test"}, "applies only when page is 'null'"),
    ({"page_precursor": "null"}, "must be a tuple origin"),
    ({"page_precursor": "a.test"}, "must be a tuple origin"),
    ({"page_precursor": 1}, "must be a string"),
])
def test_bad_precursor_names_the_field(top: dict[str, object], rule: str) -> None:
    with pytest.raises(InputError, match=r"\$\.page_precursor") as info:
        parse_scenario(_scenario(**top), "f.json")
    assert rule in str(info.value)
