"""Profiles: fields are documented by evidence, and engine profiles change only what they must."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from cors_spec import PROFILES, SPEC, Browser, Profile, Route
from cors_spec.model.profile import FIELD_EVIDENCE, differences_from_spec

GOLDENS = {p.stem for p in (Path(__file__).resolve().parent.parent / "spec_traces").glob("*.json")}


@pytest.mark.parametrize("name", sorted(set(PROFILES) - {"spec"}))
def test_every_engine_difference_cites_evidence(name: str) -> None:
    for field in differences_from_spec(PROFILES[name]):
        evidence = FIELD_EVIDENCE.get(field)
        assert evidence is not None, f"{name}.{field} differs from the spec without evidence"
        assert evidence == "source" or evidence in GOLDENS, f"{field}: no golden {evidence!r}"


def test_profiles_are_frozen_and_spec_is_the_default() -> None:
    assert PROFILES["spec"] is SPEC
    assert differences_from_spec(SPEC) == {}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        SPEC.max_age_default = 1  # type: ignore[misc]


def test_a_profile_field_changes_behaviour_without_naming_an_engine() -> None:
    """The algorithms read fields, not names: a custom profile works like a built-in one."""
    custom = attrs.evolve(SPEC, name="custom", wildcard_covers_authorization=True)
    routes = [Route("http://b.test/x", 204, (("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "*")),
                    method="OPTIONS"), Route("http://b.test/x", 200, (("Access-Control-Allow-Origin", "*"),))]
    headers = {"Authorization": "Bearer t"}
    assert not Browser("http://a.test", SPEC).fetch("http://b.test/x", headers=headers, server=routes).ok
    assert Browser("http://a.test", custom).fetch("http://b.test/x", headers=headers, server=routes).ok
    assert isinstance(custom, Profile)
