"""Client hints: which an engine safelists (their value grammars) and which a redirect to
another origin keeps (goldens diff-chromium-client-hints-*, diff-chromium-save-data-*)."""

from __future__ import annotations

import attrs
import pytest

from cors_spec import PROFILES, SPEC, Browser, Profile, Route
from cors_spec.model.classify import is_cors_safelisted_request_header

CHROMIUM = PROFILES["chromium"]


@pytest.mark.parametrize("value", ["on", "ON", "On", " on"])
def test_chromium_safelists_save_data_on_in_any_case(value: str) -> None:
    assert is_cors_safelisted_request_header("Save-Data", value, CHROMIUM)
    assert not is_cors_safelisted_request_header("Save-Data", value, SPEC)


@pytest.mark.parametrize("value", ["1", "off", "onn", "o n", "", "\u1d0fn", "on;"])
def test_save_data_other_values_are_not_safelisted(value: str) -> None:
    assert not is_cors_safelisted_request_header("Save-Data", value, CHROMIUM)


def test_ect_stays_case_sensitive() -> None:
    assert is_cors_safelisted_request_header("ECT", "4g", CHROMIUM)
    assert is_cors_safelisted_request_header("ECT", "slow-2g", CHROMIUM)
    assert not is_cors_safelisted_request_header("ECT", "4G", CHROMIUM)
    assert not is_cors_safelisted_request_header("ECT", "Slow-2G", CHROMIUM)


def test_the_on_grammar_keeps_its_meaning() -> None:
    """A profile that names the exact grammar "on" still refuses other spellings."""
    exact = attrs.evolve(SPEC, name="exact", safelisted_client_hints=(("save-data", "on"),))
    assert is_cors_safelisted_request_header("Save-Data", "on", exact)
    assert not is_cors_safelisted_request_header("Save-Data", "ON", exact)


def _redirected_acrh(profile: str | Profile) -> str | None:
    if isinstance(profile, str):
        profile = PROFILES[profile]
    routes = [Route("http://a.test/r1", 302, (("Location", "http://b.test/r2"),)),
              Route("http://b.test/r2", 204, (("Access-Control-Allow-Origin", "http://a.test"),
                                              ("Access-Control-Allow-Methods", "*"),
                                              ("Access-Control-Allow-Headers", "*")), method="OPTIONS"),
              Route("http://b.test/r2", 200, (("Access-Control-Allow-Origin", "*"),))]
    headers = {"Save-Data": "1", "DPR": "x", "X-B": "1"}
    result = Browser("http://a.test", profile).fetch("http://a.test/r1", headers=headers, server=routes)
    assert result.ok
    preflights = [w for w in result.sent if w.preflight]
    assert len(preflights) == 1
    return preflights[0].acrh


def test_a_cross_origin_redirect_keeps_client_hints_in_the_spec() -> None:
    assert _redirected_acrh("spec") == "dpr,save-data,x-b"


def test_chromium_keeps_save_data_and_drops_the_other_hints() -> None:
    assert _redirected_acrh("chromium") == "save-data,x-b"


def test_the_kept_list_is_read_only_when_hints_are_dropped() -> None:
    hinted = attrs.evolve(SPEC, name="hinted", safelisted_client_hints=CHROMIUM.safelisted_client_hints)
    drops = attrs.evolve(hinted, redirect_drops_client_hints=True)
    keep = frozenset({"save-data"})
    assert _redirected_acrh(drops) == "x-b"
    assert _redirected_acrh(attrs.evolve(drops, client_hints_kept_on_redirect=keep)) == "save-data,x-b"
    assert _redirected_acrh(attrs.evolve(hinted, client_hints_kept_on_redirect=keep)) == "dpr,save-data,x-b"


def test_the_spec_keeps_no_list() -> None:
    assert SPEC.client_hints_kept_on_redirect == frozenset()
    assert CHROMIUM.client_hints_kept_on_redirect == frozenset({"save-data"})
