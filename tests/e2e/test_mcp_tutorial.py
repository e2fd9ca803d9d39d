"""Every tutorial step's MCP adapter under `naftiko run`, through the official MCP client,
against a local registry shaped like the tutorial's mocks (REFERENCE.md section 9.2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Running
from mcp_client import wire, with_client
from upstreams import registry

TOKEN = "sk-mcp-YYYYYYYYYYYY"
SHIP_FIELDS = {"imo", "name", "type", "flag", "status"}
TOOL_COUNTS = {1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 4, 7: 5, 8: 5, 9: 5, 10: 5, 11: 6}
VOYAGE = {
    "shipImo": "IMO-9321483",
    "departurePort": "Oslo",
    "arrivalPort": "Singapore",
    "departureDate": "2026-04-10",
    "arrivalDate": "2026-05-02",
    "crewIds": ["CREW-001", "CREW-003"],
    "cargoIds": ["CARGO-2024-0451"],
}


def step_file(corpus: Path, number: int) -> Path:
    return next((corpus / "naftiko-tutorial").glob(f"step-{number}-*.yml"))


def start(corpus: Path, number: int, serve, naftiko_run) -> str:
    upstream = serve(registry)
    from naftiko.spec import load

    path = step_file(corpus, number)
    capability = load(path)
    ports = [f"--port={a.namespace}=0" for a in capability.exposes]
    bases = [f"--base-uri={c.namespace}={upstream.url}" for c in capability.consumes]
    running: Running = naftiko_run(str(path), "--host=127.0.0.1", *ports, *bases)
    return running.urls["shipyard-tools"] + "/mcp"


def tools_of(url: str) -> dict[str, dict]:
    async def work(client):
        return [wire(t) for t in (await client.list_tools()).tools]

    return {t["name"]: t for t in with_client(url, work, token=TOKEN)}


def call(url: str, name: str, arguments: dict) -> dict:
    async def work(client):
        return wire(await client.call_tool(name, arguments))

    result = with_client(url, work, token=TOKEN)
    assert result["isError"] is False, result
    return result["structuredContent"]


@pytest.mark.parametrize("number", sorted(TOOL_COUNTS))
def test_each_step_lists_its_tools(number: int, corpus: Path, serve, naftiko_run) -> None:
    url = start(corpus, number, serve, naftiko_run)
    tools = tools_of(url)
    assert len(tools) == TOOL_COUNTS[number]
    assert all(t["description"] for t in tools.values())


def test_step_1_mock_echoes_the_imo(corpus: Path, serve, naftiko_run) -> None:
    url = start(corpus, 1, serve, naftiko_run)
    tool = tools_of(url)["get-ship"]
    assert tool["description"] == "Retrieve a ship's details by IMO number"
    ship = call(url, "get-ship", {"imo_number": "IMO-9321483"})
    assert ship == {
        "imo": "IMO-9321483",
        "name": "Northern Star",
        "type": "cargo",
        "flag": "NO",
        "status": "active",
    }


@pytest.mark.parametrize("number", [2, 3, 4])
def test_list_and_get_ships(number: int, corpus: Path, serve, naftiko_run) -> None:
    url = start(corpus, number, serve, naftiko_run)
    tools = tools_of(url)
    listing = tools["list-ships"]["inputSchema"]
    assert listing["properties"]["status"]["type"] == "string"
    assert "status" not in listing.get("required", [])
    assert tools["get-ship"]["inputSchema"]["required"] == ["imo"]

    async def work(client):
        everything = wire(await client.call_tool("list-ships", {}))
        active = wire(await client.call_tool("list-ships", {"status": "active"}))
        one = wire(await client.call_tool("get-ship", {"imo": "IMO-9321483"}))
        return everything, active, one

    everything, active, one = with_client(url, work, token=TOKEN)
    ships = json.loads(everything["content"][0]["text"])
    assert len(ships) == 2 and all(set(s) == SHIP_FIELDS for s in ships)
    assert [s["status"] for s in json.loads(active["content"][0]["text"])] == ["active"]
    assert one["structuredContent"]["imo"] == "IMO-9321483"
    if number == 4:
        specs = one["structuredContent"]["specs"]
        assert specs == {"yearBuilt": 2015, "tonnage": 42000, "length": 229}


def test_step_6_create_voyage_schema_and_call(corpus: Path, serve, naftiko_run) -> None:
    url = start(corpus, 6, serve, naftiko_run)
    schema = tools_of(url)["create-voyage"]["inputSchema"]
    assert set(schema["properties"]) == set(VOYAGE)
    assert schema["properties"]["crewIds"]["type"] == "array"
    assert schema["properties"]["cargoIds"]["type"] == "array"
    assert set(schema["required"]) == set(VOYAGE) - {"cargoIds"}
    voyage = call(url, "create-voyage", VOYAGE)
    assert voyage["voyageId"] == "VOY-2026-042"
    assert voyage["shipImo"] == "IMO-9321483"
    assert voyage["route"] == {"from": "Oslo", "to": "Singapore"}
    assert voyage["dates"] == {"departure": "2026-04-10", "arrival": "2026-05-02"}
    assert voyage["crewIds"] == ["CREW-001", "CREW-003"]
    assert voyage["status"] == "planned"


def test_step_9_ref_tool_takes_hints_from_the_aggregate_semantics(
    corpus: Path, serve, naftiko_run
) -> None:
    url = start(corpus, 9, serve, naftiko_run)
    tool = tools_of(url)["get-ship-with-crew"]
    assert tool["annotations"] == {
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
    }
    assert tool["inputSchema"]["required"] == ["imo"]
    assert tool["description"]


CREW = [
    {"fullName": "Erik Lindström", "role": "captain"},
    {"fullName": "Aiko Tanaka", "role": "cook"},
]


@pytest.mark.parametrize("number", [7, 8, 9, 10, 11])
def test_ship_with_crew_through_steps_or_the_aggregate(
    number: int, corpus: Path, serve, naftiko_run
) -> None:
    url = start(corpus, number, serve, naftiko_run)
    ship = call(url, "get-ship-with-crew", {"imo": "IMO-9321483"})
    assert ship["imo"] == "IMO-9321483"
    assert ship["name"] == "Northern Star"
    assert ship["status"] == "active"
    assert ship["crew"] == CREW


@pytest.mark.parametrize("number", [5, 6])
def test_legacy_vessels_decoded_from_xml(number: int, corpus: Path, serve, naftiko_run) -> None:
    url = start(corpus, number, serve, naftiko_run)

    async def work(client):
        return wire(await client.call_tool("list-legacy-vessels", {}))

    result = with_client(url, work, token=TOKEN)
    vessels = json.loads(result["content"][0]["text"])
    assert [v["vesselCode"] for v in vessels] == ["LEGACY-4012", "LEGACY-2087"]
    assert set(vessels[0]) == {"vesselCode", "name", "type", "flag", "status"}


def test_step_11_voyage_manifest(corpus: Path, serve, naftiko_run) -> None:
    url = start(corpus, 11, serve, naftiko_run)
    manifest = call(url, "get-voyage-manifest", {"voyageId": "VOY-2026-042"})
    assert manifest["voyageId"] == "VOY-2026-042"
    assert manifest["route"] == {"from": "Oslo", "to": "Singapore"}
    assert manifest["ship"] == {"name": "Northern Star", "type": "cargo", "flag": "NO"}
    assert manifest["crew"] == CREW
    assert manifest["cargo"] == [
        {
            "type": "container",
            "description": "Electronics components",
            "weight": 12.5,
            "hazardous": False,
        }
    ]
