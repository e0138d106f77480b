"""The engines: the only package that names a browser engine.

Each engine module holds its :class:`~cors_spec.model.profile.Profile` (where it departs
from the standard), its console :class:`~cors_spec.engines.console.Catalog` and how its
console shows header bytes. This module is the registry: profiles and catalogs by name,
and the console lines of a :class:`~cors_spec.Result`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Final, Generic, TypeVar

from cors_spec.engines.console import Catalog, ConsoleMessage, template_regex
from cors_spec.errors import InputError
from cors_spec.model.profile import Profile
from cors_spec.model.response import RequestContext, Result

#: Each profile's name and the engine module that holds it, in registry order.
_MODULE_OF: Final = {
    "spec": "cors_spec.engines.spec",
    "chromium": "cors_spec.engines.chromium",
    "firefox": "cors_spec.engines.firefox",
    "webkit": "cors_spec.engines.webkit",
}

_V = TypeVar("_V")


class _Registry(Mapping[str, _V], Generic[_V]):
    """Profile name -> one attribute of that engine's module, which is imported when a
    value is first read: the names are known without importing any engine, and a command
    that runs one profile imports that engine only."""

    def __init__(self, attribute: str) -> None:
        self._attribute = attribute
        self._loaded: dict[str, _V] = {}

    def __getitem__(self, name: str) -> _V:
        value = self._loaded.get(name)
        if value is None:
            module = importlib.import_module(_MODULE_OF[name])
            if module.PROFILE.name != name:  # pragma: no cover - a registry typo
                raise RuntimeError(f"{_MODULE_OF[name]} holds profile {module.PROFILE.name!r}, not {name!r}")
            value = self._loaded[name] = getattr(module, self._attribute)
        return value

    def __contains__(self, name: object) -> bool:
        return name in _MODULE_OF

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULE_OF)

    def __len__(self) -> int:
        return len(_MODULE_OF)

    def __repr__(self) -> str:
        return repr(dict(self))


#: Every profile by name: ``spec`` and the three engines.
PROFILES: Final[Mapping[str, Profile]] = _Registry("PROFILE")
#: Every console catalog by profile name.
CATALOGS: Final[Mapping[str, Catalog]] = _Registry("CATALOG")
#: The real engines (the profiles other than ``spec``).
ENGINES: Final = tuple(name for name in _MODULE_OF if name != "spec")

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
