"""The engines: the only package that names a browser engine.

Each engine module holds its :class:`~cors_spec.model.profile.Profile` (where it departs
from the standard), its console :class:`~cors_spec.engines.console.Catalog` and how its
console shows header bytes. This module is the registry: profiles and catalogs by name,
and the console lines of a :class:`~cors_spec.Result`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cors_spec.engines import chromium, firefox, spec, webkit
from cors_spec.engines.console import Catalog, ConsoleMessage, template_regex
from cors_spec.errors import InputError
from cors_spec.model.profile import Profile
from cors_spec.model.response import RequestContext, Result

_MODULES: Final = (spec, chromium, firefox, webkit)

#: Every profile by name: ``spec`` and the three engines.
PROFILES: Final[dict[str, Profile]] = {m.PROFILE.name: m.PROFILE for m in _MODULES}
#: Every console catalog by profile name.
CATALOGS: Final[dict[str, Catalog]] = {m.PROFILE.name: m.CATALOG for m in _MODULES}
#: The real engines (the profiles other than ``spec``).
ENGINES: Final = tuple(name for name in PROFILES if name != "spec")

#: Messages that are not about a failed fetch but that people paste with CORS errors:
#: recognised by ``cors-spec explain-error``, never rendered (the model does not predict
#: them: X-Frame-Options is not modelled, and reads are the page's doing).
RECOGNISED_ONLY: Final = frozenset({"chromium.x-frame-options", "firefox.x-frame-options", "webkit.x-frame-options",
                                    "webkit.canvas-tainted", "webkit.frame-access"})

#: Placeholders whose values the page chooses, not the request (the document's URL, an
#: @font-face family name): comparing with a line recorded from another page ignores them.
PAGE_CHOSEN: Final = ("document", "family")


def get_profile(name: str) -> Profile:
    """The named profile, or an InputError that lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise InputError("profile", f"must be one of {', '.join(sorted(PROFILES))}", name) from None


def catalog_for(profile: str) -> Catalog:
    """The catalog of the engine a profile models (InputError for an unknown profile)."""
    catalog = CATALOGS.get(profile)
    if catalog is None:
        raise InputError("profile", f"must be one of {', '.join(sorted(CATALOGS))}", profile)
    return catalog


def render(result: Result, profile: str | None = None) -> tuple[ConsoleMessage, ...]:
    """The console messages for one result, for ``profile`` (default: the result's own)."""
    context = result.context or RequestContext()
    name = profile or context.profile or "spec"
    return catalog_for(name).messages(result.failure, context)


def scenario_console(results: Iterable[Result], profile: str | None = None) -> tuple[ConsoleMessage, ...]:
    """A scenario's console: each request's messages, in request order."""
    out: list[ConsoleMessage] = []
    for r in results:
        out.extend(render(r, profile))
    return tuple(out)


def masked(line: str, engine: str) -> str:
    """``line`` with the values of page-chosen placeholders replaced by their names."""
    catalog = CATALOGS.get(engine)
    if catalog is None:
        return line
    for t in catalog.templates:
        names = [n for n in PAGE_CHOSEN if n in t.placeholders]
        if not names:
            continue
        m = template_regex(t).search(line)
        if m is None:
            continue
        spans = sorted((m.span(n), n) for n in names if m.group(n) is not None)
        for (a, b), n in reversed(spans):
            line = line[:a] + "{" + n + "}" + line[b:]
        return line
    return line
