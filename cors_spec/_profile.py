"""Profiles: every choice where the standard leaves room or where engines are known to differ.

An algorithm never asks which browser it models; it reads a field of the profile passed
in. Each field's comment says what the standard says and which value ``spec`` takes.
In the code, a place that reads a profile field is marked "Profile choice:".
"""

from __future__ import annotations

import attrs

from ._headers import HeaderList


@attrs.frozen
class Profile:
    """A frozen set of behaviour choices; ``SPEC`` follows the Fetch standard to the letter."""

    name: str
    #: What the values were checked against (an engine version, or the spec snapshot).
    verified_against: str

    # --- request construction ---------------------------------------------------------
    #: Headers the fetch algorithm adds when absent (fetch steps 12-14): `Accept: */*` and
    #: a user-agent-chosen `Accept-Language`. They are in the request's header list before
    #: the preflight decision, so they count toward the 1024-byte safelist total.
    default_request_headers: HeaderList = (("Accept", "*/*"), ("Accept-Language", "en-US,en;q=0.9"))
    #: Whether the CORS-safelisted request-header test runs on each header as appended
    #: (spec: False, one header at a time) or on the combined value of all headers of the
    #: same name, as engines that keep one value per name do.
    safelist_combined_values: bool = False

    # --- CORS-preflight fetch -----------------------------------------------------------
    #: Spec step 7 requires both a successful CORS check and an ok status; which failure is
    #: reported when both fail. Only the reason changes, never the outcome.
    preflight_status_checked_first: bool = False
    #: Whether `Access-Control-Allow-Headers: *` (without credentials) covers Authorization.
    #: Spec: never (CORS-preflight fetch step 7.6).
    wildcard_covers_authorization: bool = False

    # --- CORS-preflight cache -----------------------------------------------------------
    #: Whether the user agent has a preflight cache at all (spec: it may not).
    preflight_cache: bool = True
    #: Max-age used when Access-Control-Max-Age is absent or fails to parse (spec: 5).
    max_age_default: int = 5
    #: The imposed limit on max-age (spec: user-agent defined; ``None`` = no limit).
    max_age_cap: int | None = None
    #: Spec: one cache entry per allowed method and per allowed header name, refreshed or
    #: added by each preflight. True: a preflight replaces everything cached for the URL
    #: (engines that store one whole result per URL).
    preflight_cache_per_url: bool = False

    # --- redirects ----------------------------------------------------------------------
    #: HTTP-redirect fetch step 7: redirect count at which fetch gives up (spec: 20).
    redirect_limit: int = 20


SPEC = Profile(name="spec", verified_against="Fetch standard @ 586cd2a (2026-07-02)")

PROFILES: dict[str, Profile] = {"spec": SPEC}


def get_profile(name: str) -> Profile:
    """The named profile; KeyError lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown profile {name!r}; known: {', '.join(sorted(PROFILES))}") from None
