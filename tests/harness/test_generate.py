"""The scenario generator, without any browser: deterministic, valid, runnable by the harness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from harness.generate import features, generate
from harness.scenario import prepare


def test_same_seed_same_scenarios() -> None:
    assert generate(50, 1) == generate(50, 1)
    assert generate(50, 1) != generate(50, 3)
    # a scenario does not depend on how many come before or after it
    assert generate(60, 1)[:50] == generate(50, 1)


def test_the_harness_accepts_every_scenario() -> None:
    for i, s in enumerate(generate(300, 1)):
        prepare(s, i, "t0")
        assert features(s, 0)


def test_the_model_accepts_every_scenario(tmp_path: Path) -> None:
    for s in generate(200, 1):
        (tmp_path / f"{s['name']}.json").write_text(json.dumps(s), encoding="utf-8")
    # through the public command line, in a neutral directory (PYTHONPATH picks cors_spec)
    p = subprocess.run([sys.executable, "-m", "cors_spec", "run", "--json", str(tmp_path)],
                       cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(json.loads(p.stdout)["scenarios"]) == 200


def test_what_the_generator_covers() -> None:
    sc = generate(400, 1)
    reqs = [r for s in sc for r in s["requests"]]
    apis = {r.get("api", "fetch") for r in reqs}
    assert {"fetch", "xhr", "img", "iframe", "font"} <= apis
    assert any(s["page"] == "null" for s in sc)
    assert any(r.get("after") for r in reqs)
    statuses = {rt.get("status", 200) for s in sc for rt in s["server"]}
    assert {301, 302, 303, 307, 308} <= statuses
    assert any(300 <= rt.get("status", 200) < 400 and not any(h[0].lower() == "location" for h in rt["headers"])
               for s in sc for rt in s["server"])
