"""Orchestrated units against a local registry: call and lookup steps, mappings, aggregates."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from naftiko.engine import Engine
from naftiko.errors import UpstreamError
from naftiko.spec import load
from upstreams import registry

TUTORIAL = "naftiko-tutorial"


def invoke(path: Path, base: str, target: str, inputs: dict[str, Any]) -> Any:
    capability = load(path)
    engine = Engine(capability, base_uris={c.namespace: base for c in capability.consumes})

    async def run() -> Any:
        try:
            return await engine.invoke(target, inputs)
        finally:
            await engine.close()

    return asyncio.run(run())


def step(corpus: Path, number: int) -> Path:
    return next((corpus / TUTORIAL).glob(f"step-{number}-*.yml"))


def test_lookup_resolves_each_crew_id_and_mappings_shape_the_result(corpus, serve) -> None:
    upstream = serve(registry)
    result = invoke(
        step(corpus, 7), upstream.url, "shipyard-tools.get-ship-with-crew", {"imo": "IMO-9321483"}
    )
    assert result.status == 200
    assert result.data["name"] == "Northern Star"
    assert result.data["yearBuilt"] == 2015
    assert result.data["crew"] == [
        {"fullName": "Erik Lindström", "role": "captain"},
        {"fullName": "Aiko Tanaka", "role": "cook"},
    ]
    assert [s.path for s in upstream.requests] == ["/ships/IMO-9321483", "/crew"]


def test_ref_tool_runs_the_aggregate_function(corpus, serve) -> None:
    upstream = serve(registry)
    result = invoke(
        step(corpus, 9), upstream.url, "shipyard-tools.get-ship-with-crew", {"imo": "IMO-9321483"}
    )
    assert result.data["crew"][0]["fullName"] == "Erik Lindström"


def test_manifest_uses_augmented_lookup_keys_and_dotted_targets(corpus, serve) -> None:
    upstream = serve(registry)
    result = invoke(
        step(corpus, 11),
        upstream.url,
        "shipyard-tools.get-voyage-manifest",
        {"voyageId": "VOY-2026-042"},
    )
    assert result.data["route"] == {"from": "Oslo", "to": "Singapore"}
    assert result.data["ship"] == {"name": "Northern Star", "type": "cargo", "flag": "NO"}
    assert result.data["cargo"] == [
        {
            "type": "container",
            "description": "Electronics components",
            "weight": 12.5,
            "hazardous": False,
        }
    ]


def test_a_failing_call_step_stops_the_run_with_its_error(corpus, serve) -> None:
    upstream = serve(registry)
    with pytest.raises(UpstreamError) as raised:
        invoke(
            step(corpus, 7),
            upstream.url,
            "shipyard-tools.get-ship-with-crew",
            {"imo": "IMO-0000000"},
        )
    assert raised.value.response.status == 404
    assert [s.path for s in upstream.requests] == ["/ships/IMO-0000000"]


def test_no_match_leaves_the_mapping_out(corpus, serve) -> None:
    from upstreams import SHIP_DETAILS

    SHIP_DETAILS["IMO-1111111"] = {
        **SHIP_DETAILS["IMO-9321483"],
        "imo_number": "IMO-1111111",
        "assignedCrew": ["CREW-999"],
    }
    try:
        upstream = serve(registry)
        result = invoke(
            step(corpus, 7),
            upstream.url,
            "shipyard-tools.get-ship-with-crew",
            {"imo": "IMO-1111111"},
        )
    finally:
        del SHIP_DETAILS["IMO-1111111"]
    assert "crew" not in result.data
    assert result.data["imo"] == "IMO-1111111"
