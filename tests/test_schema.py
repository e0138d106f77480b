"""The JSON Schema of format v1 agrees with the loader on the shipped files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "scenario-v1.schema.json").read_text())
FILES = sorted([*ROOT.glob("examples/*.json"), *ROOT.glob("spec_traces/*.json")])


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_shipped_scenarios_validate(path: Path) -> None:
    jsonschema.validate(json.loads(path.read_text()), SCHEMA)


@pytest.mark.parametrize(
    "bad",
    [
        {"page": "http://a.test", "requests": [{"url": "http://b.test"}]},  # no name
        {"name": "x", "page": "http://a.test", "requests": []},  # no request
        {"name": "x", "page": "http://a.test", "requests": [{"url": "u", "mode": "cros"}]},
        {"name": "x", "page": "http://a.test", "requests": [{"url": "u"}], "servr": []},
        {"name": "x", "page": "http://a.test", "requests": [{"url": "u", "headers": [["a"]]}]},
    ],
)
def test_schema_rejects_what_the_loader_rejects(bad: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)
