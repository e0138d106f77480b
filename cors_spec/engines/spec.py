"""The ``spec`` profile's console line: the standard prescribes no wording, so the model
prints its own."""

from __future__ import annotations

from typing import Final

from cors_spec.engines.console import Catalog, Out, Template
from cors_spec.model.profile import SPEC
from cors_spec.model.response import Failure, Reason, RequestContext

PROFILE: Final = SPEC

def _spec_templates() -> tuple[Template, ...]:
    return (Template("spec.network-error", "{api} {url}: network error: {reason}{detail}", "", tuple(Reason),
                     "the model's own line: the standard prescribes no console wording"),)


def _spec(catalog: Catalog, f: Failure | None, c: RequestContext) -> Out:
    if f is None:
        return []
    return [("spec.network-error", {"api": c.api, "url": c.url_list[-1] if c.url_list else f.url,
                                    "reason": f.reason.value, "detail": f" ({f.detail})" if f.detail else ""})]


CATALOG: Final = Catalog("spec", "cors_spec's own wording (no engine)", _spec_templates(), _spec)
