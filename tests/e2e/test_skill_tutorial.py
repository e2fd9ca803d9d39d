"""The tutorial's skill catalogs (steps 8, 10, 11) under `naftiko run`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from upstreams import registry


def start(corpus: Path, number: int, serve, naftiko_run) -> str:
    from naftiko.spec import load

    upstream = serve(registry)
    path = next((corpus / "naftiko-tutorial").glob(f"step-{number}-*.yml"))
    capability = load(path)
    ports = [f"--port={a.namespace}=0" for a in capability.exposes]
    bases = [f"--base-uri={c.namespace}={upstream.url}" for c in capability.consumes]
    running = naftiko_run(str(path), "--host=127.0.0.1", *ports, *bases)
    return running.urls["shipyard-skills"]


@pytest.mark.parametrize("number", [8, 10, 11])
def test_catalog_has_both_skill_groups(number: int, corpus, serve, naftiko_run) -> None:
    url = start(corpus, number, serve, naftiko_run)
    catalog = httpx.get(f"{url}/skills").json()
    assert catalog["count"] == 2
    assert {s["name"] for s in catalog["skills"]} == {"fleet-ops", "voyage-ops"}


@pytest.mark.parametrize("number", [8, 10])
def test_fleet_ops_tools_are_derived_from_the_mcp_adapter(
    number: int, corpus, serve, naftiko_run
) -> None:
    url = start(corpus, number, serve, naftiko_run)
    skill = httpx.get(f"{url}/skills/fleet-ops").json()
    assert skill["name"] == "fleet-ops"
    assert len(skill["tools"]) == 4
    for tool in skill["tools"]:
        assert tool["type"] == "derived"
        assert tool["invocationRef"]["targetNamespace"] == "shipyard-tools"
        assert tool["invocationRef"]["mode"] == "mcp"
        assert tool["invocationRef"]["action"]


def test_step_11_voyage_ops_has_the_manifest(corpus, serve, naftiko_run) -> None:
    url = start(corpus, 11, serve, naftiko_run)
    skill = httpx.get(f"{url}/skills/voyage-ops").json()
    assert [t["name"] for t in skill["tools"]] == ["create-voyage", "get-voyage-manifest"]
