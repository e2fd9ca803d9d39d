"""`naftiko import openapi` keeps the API's own names and types: operationIds become names,
and each parameter and body property keeps its type, enum, bounds and format, in Swagger 2.0,
OpenAPI 3.0 and 3.1 alike; the tools built from them check callers against those bounds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from conftest import FIXTURES, KOMBO
from naftiko.engine import ExposedPlan
from naftiko.errors import InputError
from naftiko.openapi.importer import import_openapi, kebab
from naftiko.openapi.mock import read_document
from naftiko.pipeline import compile_plans, load

PETSTORES = sorted((FIXTURES / "petstore").iterdir())


def imported(spec: Path, tmp_path: Path, **options: Any) -> tuple[dict[str, Any], Path]:
    capability = import_openapi(read_document(str(spec)), None, **options)
    path = tmp_path / "pets.yaml"
    path.write_text(yaml.safe_dump(capability, sort_keys=False), encoding="utf-8")
    return capability, path


def tools_of(capability: dict[str, Any]) -> dict[str, dict[str, Any]]:
    mcp = next(a for a in capability["capability"]["exposes"] if a["type"] == "mcp")
    return {t["name"]: t for t in mcp["tools"]}


@pytest.mark.parametrize("spec", PETSTORES, ids=lambda p: p.name)
def test_operation_ids_become_the_names(spec: Path, tmp_path: Path) -> None:
    capability, _ = imported(spec, tmp_path)
    assert sorted(tools_of(capability)) == ["create-pet", "list-pets", "show-pet-by-id"]
    consumed = capability["capability"]["consumes"][0]["resources"]
    assert [o["name"] for r in consumed for o in r["operations"]] == [
        "list-pets",
        "create-pet",
        "show-pet-by-id",
    ]


@pytest.mark.parametrize("spec", PETSTORES, ids=lambda p: p.name)
def test_inputs_keep_their_types_enums_and_bounds(spec: Path, tmp_path: Path) -> None:
    _, path = imported(spec, tmp_path)
    engine = compile_plans(load(path), secrets=False)
    assert engine is not None
    plan = engine.plans["swagger-petstore-mcp.list-pets"]
    assert isinstance(plan, ExposedPlan)
    inputs = {i.name: i for i in plan.signature}
    assert inputs["limit"].type == "integer"
    assert inputs["limit"].schema.get("maximum") == 100
    assert inputs["limit"].schema.get("format") == "int32"
    assert inputs["kind"].schema["enum"] == ["cat", "dog"]
    pet = engine.plans["swagger-petstore-mcp.show-pet-by-id"]
    assert isinstance(pet, ExposedPlan)
    assert pet.signature[0].schema == {"minLength": 1}
    body = engine.plans["swagger-petstore-mcp.create-pet"]
    assert isinstance(body, ExposedPlan)
    schema = body.signature[0].schema
    assert schema["required"] == ["id", "name"]
    assert schema["properties"]["id"] == {"type": "integer", "format": "int64"}
    assert schema["properties"]["name"]["maxLength"] == 64


def test_the_evangelist_style_names_from_method_path_and_summary(tmp_path: Path) -> None:
    capability, _ = imported(
        FIXTURES / "petstore" / "petstore-3.0.yaml", tmp_path, style="evangelist"
    )
    assert sorted(tools_of(capability)) == ["create-pet", "info-specific-pet", "list-all-pets"]


@pytest.mark.parametrize(
    ("operation_id", "name"),
    [
        ("listPets", "list-pets"),
        ("showPetById", "show-pet-by-id"),
        ("GetAtsJobs", "get-ats-jobs"),
        ("getHTTPStatus", "get-http-status"),
        ("get_user", "get-user"),
    ],
)
def test_kebab_names(operation_id: str, name: str) -> None:
    assert kebab(operation_id) == name


def test_kombo_get_jobs_has_page_size_as_a_bounded_integer() -> None:
    document = json.loads((KOMBO / "kombo-openapi.json").read_text(encoding="utf-8"))
    for style, tool_name in (("evangelist", "get-jobs"), ("openapi", "get-ats-jobs")):
        tool = tools_of(import_openapi(document, "Unified ATS API", style=style))[tool_name]
        consumes = import_openapi(document, "Unified ATS API", style=style)["capability"]
        operations = {
            o["name"]: o for r in consumes["consumes"][0]["resources"] for o in r["operations"]
        }
        page_size = next(
            p
            for p in operations[tool["call"].split(".")[1]]["inputParameters"]
            if p["name"] == "page_size"
        )
        assert page_size["type"] == "integer"
        assert (page_size.get("minimum"), page_size.get("maximum")) == (1, 250)


def ok(request: web.Request) -> web.Response:
    return web.json_response({"items": []})


def test_the_imported_bounds_are_enforced_before_the_upstream(tmp_path: Path, serve) -> None:
    upstream = serve(ok)
    _, path = imported(FIXTURES / "petstore" / "petstore-3.0.yaml", tmp_path)
    compiled = load(path)
    engine = compile_plans(compiled, secrets=False, base_uris={"swagger-petstore": upstream.url})
    assert engine is not None

    async def call(inputs: dict[str, Any]) -> Any:
        return await engine.invoke("swagger-petstore-mcp.list-pets", inputs)

    async def run() -> list[Any]:
        outcomes = []
        for inputs in ({"limit": 500}, {"kind": "fish"}, {"limit": "7", "kind": "cat"}):
            try:
                outcomes.append(await call(inputs))
            except InputError as exc:
                outcomes.append(exc)
        await engine.close()
        return outcomes

    too_many, fish, fine = asyncio.run(run())
    assert isinstance(too_many, InputError) and "maximum of 100" in str(too_many)
    assert isinstance(fish, InputError) and "'fish' is not one of" in str(fish)
    assert not isinstance(fine, InputError)
    assert len(upstream.requests) == 1
    assert upstream.last.query == {"limit": "7", "kind": "cat"}
