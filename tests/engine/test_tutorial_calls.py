"""The tutorial's steps 2-4 through the engine, against a local Maritime Registry."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from naftiko.engine import Engine
from naftiko.spec import load
from upstreams import registry


def call(file: Path, url: str, target: str, inputs: dict[str, Any]) -> Any:
    async def run() -> Any:
        engine = Engine(load(file), base_uris={"registry": url}, environ={})
        try:
            return (await engine.invoke(target, inputs)).data
        finally:
            await engine.close()

    return asyncio.run(run())


SHIP_KEYS = {"imo", "name", "type", "flag", "status"}


def test_step2_list_ships_maps_every_item(corpus: Path, serve) -> None:
    upstream = serve(registry)
    ships = call(
        corpus / "naftiko-tutorial/step-2-shipyard-wiring.yml",
        upstream.url,
        "shipyard-tools.list-ships",
        {},
    )
    assert [set(s) for s in ships] == [SHIP_KEYS, SHIP_KEYS]
    assert ships[0]["imo"] == "IMO-9321483"
    assert ships[0]["name"] == "Northern Star"
    assert "status" not in upstream.last.query


def test_step2_status_filter_is_forwarded_as_query(corpus: Path, serve) -> None:
    upstream = serve(registry)
    ships = call(
        corpus / "naftiko-tutorial/step-2-shipyard-wiring.yml",
        upstream.url,
        "shipyard-tools.list-ships",
        {"status": "active"},
    )
    assert upstream.last.query == {"status": "active"}
    assert ships and all(s["status"] == "active" for s in ships)


def test_step2_get_ship_fills_the_path_from_with(corpus: Path, serve) -> None:
    upstream = serve(registry)
    ship = call(
        corpus / "naftiko-tutorial/step-2-shipyard-wiring.yml",
        upstream.url,
        "shipyard-tools.get-ship",
        {"imo": "IMO-9321483"},
    )
    assert upstream.last.path == "/ships/IMO-9321483"
    assert ship == {
        "imo": "IMO-9321483",
        "name": "Northern Star",
        "type": "cargo",
        "flag": "NO",
        "status": "active",
    }


def test_step3_sends_bearer_and_version_header_from_secrets_file(corpus: Path, serve) -> None:
    upstream = serve(registry)
    call(
        corpus / "naftiko-tutorial/step-3-shipyard-auth.yml",
        upstream.url,
        "shipyard-tools.get-ship",
        {"imo": "IMO-9321483"},
    )
    assert upstream.last.headers["Authorization"] == "Bearer dummy-token"
    assert upstream.last.headers["Registry-Version"] == "1.0.0-alpha2"


def test_step4_nested_object_is_mapped_from_the_root_with_numbers(corpus: Path, serve) -> None:
    upstream = serve(registry)
    ship = call(
        corpus / "naftiko-tutorial/step-4-shipyard-output-shaping.yml",
        upstream.url,
        "shipyard-tools.get-ship",
        {"imo": "IMO-9321483"},
    )
    assert ship["specs"] == {"yearBuilt": 2015, "tonnage": 42000, "length": 229}
    assert set(ship) >= SHIP_KEYS
    assert upstream.last.headers["Authorization"] == "Bearer dummy-token"


def test_step4_list_ships_keeps_array_shape(corpus: Path, serve) -> None:
    upstream = serve(registry)
    ships = call(
        corpus / "naftiko-tutorial/step-4-shipyard-output-shaping.yml",
        upstream.url,
        "shipyard-tools.list-ships",
        {},
    )
    assert len(ships) == 2
    assert all(set(s) == SHIP_KEYS for s in ships)


def test_step4_missing_required_input_lists_the_field(corpus: Path, serve) -> None:
    import pytest

    from naftiko.errors import InputError

    upstream = serve(registry)
    with pytest.raises(InputError) as caught:
        call(
            corpus / "naftiko-tutorial/step-4-shipyard-output-shaping.yml",
            upstream.url,
            "shipyard-tools.get-ship",
            {},
        )
    assert [p.name for p in caught.value.problems] == ["imo"]
    assert not upstream.requests
