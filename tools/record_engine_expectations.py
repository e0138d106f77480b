"""Write each engine's observed behaviour into the goldens where it differs from the spec.

Reads conformance/observed/<engine>.json (recorded by `cors-spec conformance --record`) and,
for every golden in spec_traces/ whose spec expectation the engine does not meet, sets
`expect.profiles.<engine>.observations` to what the engine did (and removes the entry where
the engine now agrees). Scenarios the harness could not run, and listed known differences,
are left alone. Run explicitly; tests never run it. Each golden it changes is a claim about
a real browser: commit it with the engine version in the message.

    python3 tools/record_engine_expectations.py
"""

from __future__ import annotations

import json
from pathlib import Path

from cors_spec.model.request import Api
from cors_spec.scenario.conformance import ELEMENT_FIELDS, FIELDS, load_known_differences

ROOT = Path(__file__).resolve().parent.parent


def _measured(obs: dict[str, object], request: dict[str, object]) -> dict[str, object]:
    """The fields the harness measures: all of them for fetch/XHR; for element loads what
    went on the wire, whether it loaded, and the read probe where one ran on a loaded
    element (outcome and url it can only derive)."""
    element = Api(request.get("api", "fetch")).is_element
    fields = ELEMENT_FIELDS if element else FIELDS
    out = {f: obs[f] for f in fields if f in obs}
    if out.get("readable") is None or out.get("loaded") is False:
        out.pop("readable", None)
    return out


def main() -> None:
    known = load_known_differences(ROOT / "conformance" / "known-differences.json")
    records = {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "conformance" / "observed").glob("*.json"))}
    changed = 0
    for path in sorted((ROOT / "spec_traces").glob("*.json")):
        golden = json.loads(path.read_text())
        expect = golden["expect"]
        spec_obs = expect["observations"]
        profiles = expect.get("profiles", {})
        before = json.dumps(profiles, sort_keys=True)
        for engine, record in records.items():
            run = next((r for r in record["scenarios"] if r["name"] == golden["name"]), None)
            if run is None or len(run.get("observations") or []) != len(spec_obs):
                continue
            if any(k.covers(engine, golden["name"], i) for k in known for i in range(len(spec_obs))):
                continue
            seen = [_measured(o, req) for o, req in zip(run["observations"], golden["requests"])]
            agrees = all(all(want.get(f) == got[f] for f in got if f in want or f in ("loaded", "readable"))
                         for want, got in zip(spec_obs, seen))
            if agrees:
                profiles.pop(engine, None)
            else:
                profiles[engine] = {"observations": seen, "source": record.get("version", engine)}
        if profiles:
            expect["profiles"] = dict(sorted(profiles.items()))
        else:
            expect.pop("profiles", None)
        if json.dumps(profiles, sort_keys=True) != before:
            path.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n")
            changed += 1
    print(f"{changed} golden(s) updated")


if __name__ == "__main__":
    main()
