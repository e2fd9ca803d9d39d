"""Every corpus file with `steps` or `ref` loads, plans, and runs its orchestrated units against
a local server standing in for its consumed APIs; nothing fails but as our errors say."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from naftiko.engine import Engine, ExposedPlan
from naftiko.errors import NaftikoError, TargetError
from naftiko.spec import load

# Generated files whose "orchestration" block is not part of alpha2: their tools call the
# undeclared namespace `orchestration`, so they load with those tools disabled (a warning each).
OUTSIDE_ALPHA2 = [
    "api-evangelist-cloudflare/cloudflare-agent-onboarding.yaml",
    "api-evangelist-merge/merge-agent-onboarding.yaml",
]
FILES = [
    "naftiko-framework-examples/script-step.yml",
    "naftiko-shipyard-cloudflare/shipyard.naftiko.yml",
    "naftiko-tutorial/step-7-shipyard-orchestrated-lookup.yml",
    "naftiko-tutorial/step-8-shipyard-skill-groups.yml",
    "naftiko-tutorial/step-9-shipyard-aggregates.yml",
    "naftiko-tutorial/step-10-shipyard-rest-adapter.yml",
    "naftiko-tutorial/step-11-shipyard-fleet-manifest.yml",
    "naftiko-framework-examples/forecast-aggregate.yml",
]
SAMPLES = {"string": "x-1", "integer": 1, "number": 1.5, "boolean": True, "array": ["x-1"]}


async def stand_in(request: web.Request) -> web.Response:
    """Any consumed operation: a list of one record for reads, the record for writes."""
    record = {"id": "x-1", "name": "stand-in", "status": "active"}
    return web.json_response([record] if request.method == "GET" else record)


def orchestrated(engine: Engine) -> list[ExposedPlan]:
    return [
        plan
        for plan in engine.plans.values()
        if isinstance(plan, ExposedPlan) and (plan.unit.steps or plan.unit.ref)
    ]


@pytest.mark.parametrize("name", OUTSIDE_ALPHA2)
def test_non_alpha2_orchestration_blocks_disable_only_their_tools(name: str, corpus: Path) -> None:
    capability = load(corpus / name)
    calls = [w for w in capability.warnings if w.code == "unknown-call"]
    assert calls and all("'orchestration'" in w.message for w in calls)
    environ = {v: "x" for b in capability.binds for v in b.keys.values()}
    engine = Engine(capability, environ=environ)
    disabled = [p for p in engine.plans.values() if isinstance(p, ExposedPlan) and p.disabled]
    assert len(disabled) == len(calls)


@pytest.mark.parametrize("name", FILES)
def test_orchestrated_units_run(name: str, corpus: Path, serve, monkeypatch) -> None:
    capability = load(corpus / name)
    for bind in capability.binds:
        if bind.location is None:
            for variable in bind.keys.values():
                monkeypatch.setenv(variable, "placeholder")
    upstream = serve(stand_in)
    bases = {c.namespace: upstream.url for c in capability.consumes}
    engine = Engine(capability, base_uris=bases)
    if "script-step" in name:  # its scripts are not in the corpus: disabled, on their lines
        found = [f.message for f in engine.runtime.findings]
        assert len(found) == 2 and all("file:///app/capabilities/scripts" in f for f in found)
        assert all(plan.disabled for plan in orchestrated(engine))
        return
    plans = orchestrated(engine)
    assert plans, f"{name} has no orchestrated unit"

    async def run_all() -> list[tuple[str, Any]]:
        outcomes = []
        try:
            for plan in plans:
                inputs = {p.name: SAMPLES.get(p.type, "x-1") for p in plan.inputs or ()}
                try:
                    result = await engine.invoke(plan, inputs)
                    outcomes.append((plan.target, result.status))
                except TargetError as exc:  # disabled at load, with the reason
                    outcomes.append((plan.target, str(exc)))
                except NaftikoError as exc:
                    outcomes.append((plan.target, type(exc).__name__))
        finally:
            await engine.close()
        return outcomes

    outcomes = asyncio.run(run_all())
    ran = [target for target, outcome in outcomes if isinstance(outcome, int)]
    refused = {outcome for _, outcome in outcomes if isinstance(outcome, str)}
    # a unit runs, or answers with the stand-in's error (which ours pass on); nothing else
    assert all(o in ("UpstreamError", "InputError") for o in refused), refused
    assert ran, outcomes
