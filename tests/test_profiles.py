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


# -- fields whose evidence is the engines' sources: each has a unit test of its effect ----

def _preflighted(url: str, max_age: str, header: str) -> Route:
    return Route(url, 204, (("Access-Control-Allow-Origin", "http://a.test"),
                            ("Access-Control-Allow-Headers", header), ("Access-Control-Max-Age", max_age)),
                 method="OPTIONS")


def _sent_preflight(browser: Browser, url: str, header: str, max_age: str = "100000") -> bool:
    routes = [_preflighted(url, max_age, header),
              Route(url, 200, (("Access-Control-Allow-Origin", "http://a.test"),))]
    result = browser.fetch(url, headers={header: "1"}, server=routes)
    assert result.ok
    return any(w.preflight for w in result.sent)


def test_max_age_cap_limits_how_long_an_entry_lives() -> None:
    """max_age_cap (step 7.10, user-agent defined): a max-age over the cap lives only the cap."""
    capped = attrs.evolve(SPEC, name="capped", max_age_cap=600)
    for profile, expect_preflight_after_601 in ((SPEC, False), (capped, True)):
        browser = Browser("http://a.test", profile)
        assert _sent_preflight(browser, "http://b.test/x", "X-A")
        browser.advance(601)
        assert _sent_preflight(browser, "http://b.test/x", "X-A") is expect_preflight_after_601, profile.name


def test_preflight_cache_per_url_replaces_what_the_url_had() -> None:
    """preflight_cache_per_url: a new preflight for the URL replaces its entries (one record
    per URL), where the spec adds an entry per name and keeps the others."""
    per_url = attrs.evolve(SPEC, name="per-url", preflight_cache_per_url=True)
    for profile, expect_second_x_a_preflight in ((SPEC, False), (per_url, True)):
        browser = Browser("http://a.test", profile)
        assert _sent_preflight(browser, "http://b.test/x", "X-A")
        assert _sent_preflight(browser, "http://b.test/x", "X-B")
        assert _sent_preflight(browser, "http://b.test/x", "X-A") is expect_second_x_a_preflight, profile.name


SOURCE_FIELD_TESTS = {
    "max_age_cap": test_max_age_cap_limits_how_long_an_entry_lives,
    "preflight_cache_per_url": test_preflight_cache_per_url_replaces_what_the_url_had,
}


def test_every_field_known_only_from_sources_has_a_unit_test() -> None:
    assert {f for f, e in FIELD_EVIDENCE.items() if e == "source"} == set(SOURCE_FIELD_TESTS)
