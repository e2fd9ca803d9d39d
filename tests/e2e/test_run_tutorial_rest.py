"""The tutorial's REST adapters (steps 10 and 11) under `naftiko run`, against a local
registry with the shapes of the tutorial's mocks."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from conftest import Running, Upstream
from upstreams import registry

VOYAGE = {
    "shipImo": "IMO-9321483",
    "departurePort": "Oslo",
    "arrivalPort": "Singapore",
    "departureDate": "2026-04-10",
    "arrivalDate": "2026-05-02",
    "crewIds": ["CREW-001", "CREW-003"],
    "cargoIds": ["CARGO-2024-0451"],
}
SHIP_FIELDS = {"imo", "name", "type", "flag", "status"}


@pytest.fixture(params=["step-10-shipyard-rest-adapter.yml", "step-11-shipyard-fleet-manifest.yml"])
def shipyard(request, corpus: Path, serve, naftiko_run) -> tuple[str, Upstream]:
    upstream = serve(registry)
    running: Running = naftiko_run(
        str(corpus / "naftiko-tutorial" / request.param),
        "--host",
        "127.0.0.1",
        "--port",
        "shipyard-api=0",
        "--port",
        "shipyard-tools=0",
        "--port",
        "shipyard-skills=0",
        "--base-uri",
        f"registry={upstream.url}",
        "--base-uri",
        f"legacy={upstream.url}",
    )
    return running.urls["shipyard-api"], upstream


def test_list_ships_shapes_every_item(shipyard) -> None:
    url, upstream = shipyard
    answer = httpx.get(f"{url}/ships")
    assert answer.status_code == 200
    ships = answer.json()
    assert len(ships) == 2
    assert all(set(ship) == SHIP_FIELDS for ship in ships)
    assert "status" not in upstream.last.query


def test_list_ships_forwards_the_status_filter(shipyard) -> None:
    url, upstream = shipyard
    ships = httpx.get(f"{url}/ships", params={"status": "active"}).json()
    assert upstream.last.query == {"status": "active"}
    assert [s["status"] for s in ships] == ["active"]


def test_get_ship_maps_nested_specs_from_the_root_as_numbers(shipyard) -> None:
    url, upstream = shipyard
    ship = httpx.get(f"{url}/ships/IMO-9321483").json()
    assert upstream.last.path == "/ships/IMO-9321483"
    assert ship["imo"] == "IMO-9321483"
    assert ship["specs"] == {"yearBuilt": 2015, "tonnage": 42000, "length": 229}


def test_calls_carry_the_bound_token_and_version_header(shipyard, request) -> None:
    url, upstream = shipyard
    httpx.get(f"{url}/ships")
    seen = upstream.last.headers
    if "step-10" in request.node.callspec.params["shipyard"]:
        assert seen["Registry-Version"] == "1.0.0-alpha2"
        assert seen["Authorization"] == "Bearer dummy-token"
    else:  # step 11's shared consumes file writes both names literally, without braces
        assert seen["Registry-Version"] == "REGISTRY_VERSION"
        assert seen["Authorization"] == "Bearer REGISTRY_TOKEN"


def test_create_voyage_sends_a_json_body_and_keeps_the_201(shipyard) -> None:
    url, upstream = shipyard
    answer = httpx.post(f"{url}/voyages", json=VOYAGE)
    assert answer.status_code == 201, answer.text
    sent = json.loads(upstream.last.body)
    assert sent["crewIds"] == ["CREW-001", "CREW-003"]
    assert sent["cargoIds"] == ["CARGO-2024-0451"]
    voyage = answer.json()
    assert voyage["voyageId"] == "VOY-2026-042"
    assert voyage["route"] == {"from": "Oslo", "to": "Singapore"}
    assert voyage["dates"] == {"departure": "2026-04-10", "arrival": "2026-05-02"}
    assert voyage["crewIds"] == ["CREW-001", "CREW-003"]
    assert voyage["status"] == "planned"


def test_unknown_ship_passes_the_registry_404_through(shipyard) -> None:
    url, _ = shipyard
    answer = httpx.get(f"{url}/ships/IMO-0000000")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_crew_route_runs_the_aggregate(shipyard) -> None:
    url, _ = shipyard
    ship = httpx.get(f"{url}/ships/IMO-9321483/crew").json()
    assert ship["name"] == "Northern Star"
    assert ship["crew"][0] == {"fullName": "Erik Lindström", "role": "captain"}


def test_legacy_vessels_come_from_xml(shipyard, request) -> None:
    if "step-11" in request.node.callspec.params["shipyard"]:
        pytest.skip("step 11 exposes no legacy route")
    url, _ = shipyard
    vessels = httpx.get(f"{url}/legacy/vessels").json()
    assert [v["name"] for v in vessels] == ["Old Faithful", "Iron Maiden"]


def test_voyage_manifest_route(shipyard, request) -> None:
    if "step-10" in request.node.callspec.params["shipyard"]:
        pytest.skip("the manifest arrives in step 11")
    url, _ = shipyard
    manifest = httpx.get(f"{url}/voyages/VOY-2026-042/manifest").json()
    assert manifest["shipName"] == "Northern Star"
    assert manifest["departurePort"] == "Oslo"
    assert manifest["crew"][1] == {"fullName": "Aiko Tanaka", "role": "cook"}
    assert manifest["cargo"][0]["weight"] == 12.5
