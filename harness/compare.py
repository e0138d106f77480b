"""Compare a harness report with a recorded one (e.g. shared/examples/observed)."""

from __future__ import annotations

from typing import Any

FIELDS = ("outcome", "status", "headers", "redirected", "url", "sent")


def diff_reports(got: dict[str, Any], want: dict[str, Any], console: bool = True, errors: bool = True) -> list[str]:
    """Human-readable differences, empty when the observations agree."""
    out: list[str] = []
    g_by = {s["name"]: s for s in got["scenarios"]}
    for ws in want["scenarios"]:
        name = ws["name"]
        gs = g_by.get(name)
        if gs is None:
            out.append(f"{name}: missing")
            continue
        wo, go = ws["observations"], gs["observations"]
        if len(wo) != len(go):
            out.append(f"{name}: {len(go)} observations, want {len(wo)} (errors: {gs.get('errors')})")
        for i, (a, b) in enumerate(zip(go, wo, strict=False)):
            for f in FIELDS:
                if a.get(f) != b.get(f):
                    out.append(f"{name}[{i}].{f}: got {a.get(f)!r}, want {b.get(f)!r}")
        if console and "console" in ws and gs.get("console") != ws["console"]:
            out.append(f"{name}.console: got {gs.get('console')!r}, want {ws['console']!r}")
        if errors and "errors" in ws and gs.get("errors") != ws["errors"]:
            out.append(f"{name}.errors: got {gs.get('errors')!r}, want {ws['errors']!r}")
    return out
