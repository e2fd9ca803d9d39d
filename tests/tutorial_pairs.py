"""The alpha2 and Ikanos tutorials side by side: step files by number, what each exposes,
and what each answers against the same upstream (tests/spec/test_beta5.py,
tests/authoring/test_migrate.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from naftiko.engine import Engine, ExposedPlan
from naftiko.errors import NaftikoError
from naftiko.expose.mcp.jsonrpc import LATEST
from naftiko.expose.mcp.tools import compile_tools
from naftiko.spec import load

STEPS = range(1, 12)
SAMPLES: dict[str, Any] = {
    "imo": "IMO-9321483",
    "imo_number": "IMO-9321483",
    "voyageId": "VOY-2026-042",
    "status": "active",
    "shipImo": "IMO-9321483",
    "departurePort": "Oslo",
    "arrivalPort": "Singapore",
    "departureDate": "2026-04-10",
    "arrivalDate": "2026-05-02",
    "crewIds": ["CREW-001", "CREW-003"],
    "cargoIds": ["CARGO-2024-0451"],
}


def pair(corpus: Path, number: int) -> tuple[Path, Path]:
    alpha = next((corpus / "naftiko-tutorial").glob(f"step-{number}-*.yml"))
    beta = next((corpus / "ikanos-beta5" / "tutorial").glob(f"step-{number}-*.yml"))
    return alpha, beta


def surface(path: Path) -> dict[str, Any]:
    capability = load(path)
    engine = Engine(capability, environ={"REGISTRY_TOKEN": "t", "MCP_TOKEN": "t"})
    found: dict[str, Any] = {}
    for adapter in capability.exposes:
        if adapter.type == "mcp":
            tools = compile_tools(adapter.units, engine.plans)
            found[adapter.namespace] = [t.describe(LATEST) for t in tools]
        elif adapter.type == "rest":
            found[adapter.namespace] = [
                (r.path, [u.method for u in r.units]) for r in adapter.resources
            ]
        else:
            found[adapter.namespace] = adapter.type
    return found


def answers(path: Path, upstream: str) -> dict[str, Any]:
    capability = load(path)
    bases = {c.namespace: upstream for c in capability.consumes}
    engine = Engine(capability, base_uris=bases, environ={"REGISTRY_TOKEN": "t", "MCP_TOKEN": "t"})

    async def run() -> dict[str, Any]:
        found: dict[str, Any] = {}
        try:
            for target, plan in sorted(engine.plans.items()):
                if not isinstance(plan, ExposedPlan) or plan.unit.kind == "function":
                    continue
                inputs = {i.name: SAMPLES.get(i.name, "x") for i in plan.signature if i.required}
                try:
                    found[target] = (await engine.invoke(plan, inputs)).data
                except NaftikoError as exc:
                    found[target] = type(exc).__name__
        finally:
            await engine.close()
        return found

    return asyncio.run(run())
