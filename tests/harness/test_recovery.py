"""A stalled case is reported failed, the browser is killed and relaunched."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from harness import binary_for
from harness.run import run_engine_async
from harness.server import Server

pytestmark = pytest.mark.browser


def _ok(name: str) -> dict[str, Any]:
    return {"name": name, "page": "http://a.test", "requests": [{"url": "http://a.test/x"}],
            "server": [{"url": "http://a.test/x", "body": "x"}]}


@pytest.mark.parametrize("engine", ["chromium", "firefox", "webkit"])
def test_stalled_case_is_killed_and_run_continues(engine: str) -> None:
    if binary_for(engine) is None:
        pytest.skip(f"{engine} is not installed")

    async def main() -> dict[str, Any]:
        srv = Server()
        srv.hang_scenarios.add("hang")
        try:
            return await run_engine_async(engine, [_ok("first"), _ok("hang"), _ok("last")], server=srv,
                                          case_timeout=2.0)
        finally:
            await srv.close()

    rep = asyncio.run(main())
    by = {s["name"]: s for s in rep["scenarios"]}
    assert by["first"]["errors"] == [] and by["first"]["observations"][0]["status"] == 200
    assert by["last"]["errors"] == [] and by["last"]["observations"][0]["status"] == 200
    assert by["hang"]["observations"] == []
    assert any("timeout" in e for e in by["hang"]["errors"])
    assert rep["stats"]["launches"] == 2
