"""OpenAPI import in the conventions of the published Kombo capabilities."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, clean_env, naftiko_command
from naftiko.openapi.importer import import_openapi
from naftiko.spec import check

KOMBO = ROOT / "capabilities" / "kombo"
PUBLISHED = {"General": "kombo-general.yaml", "Unified ATS API": "kombo-unified-ats-api.yaml"}


def kombo_document() -> dict[str, Any]:
    return json.loads((KOMBO / "kombo-openapi.json").read_text(encoding="utf-8"))


def consumed(capability: dict[str, Any]) -> list[Any]:
    resources = capability["capability"]["consumes"][0]["resources"]
    return [
        (
            r["name"],
            r["path"],
            o["name"],
            o["method"],
            p["name"],
            p["in"],
            p.get("required"),
        )
        for r in resources
        for o in r["operations"]
        for p in o.get("inputParameters") or [{"name": None, "in": None}]
    ]


def routes(capability: dict[str, Any]) -> list[Any]:
    rest = capability["capability"]["exposes"][0]["resources"]
    return [
        (r["path"], r["name"], o["method"], o["name"], o["call"], o.get("with"))
        for r in rest
        for o in r["operations"]
    ]


def tools(capability: dict[str, Any]) -> list[Any]:
    return [
        (t["name"], t["call"], t.get("with"), t.get("hints"))
        for t in capability["capability"]["exposes"][1]["tools"]
    ]


@pytest.mark.parametrize("tag", sorted(PUBLISHED))
def test_evangelist_style_equals_the_published_file_field_by_field(tag: str) -> None:
    """Names, paths, methods, `with` and hints as published; types are the API's own."""
    ours = import_openapi(kombo_document(), tag, style="evangelist")
    published = yaml.safe_load((KOMBO / PUBLISHED[tag]).read_text(encoding="utf-8"))
    assert consumed(ours) == consumed(published)
    assert routes(ours) == routes(published)
    assert tools(ours) == tools(published)
    ours_consumes = ours["capability"]["consumes"][0]
    published_consumes = published["capability"]["consumes"][0]
    for key in ("namespace", "baseUri", "authentication"):
        assert ours_consumes[key] == published_consumes[key]
    assert ours["binds"] == published["binds"]


def test_tools_get_typed_outputs_from_response_schemas() -> None:
    ours = import_openapi(kombo_document(), "General")
    tool = next(
        t for t in ours["capability"]["exposes"][1]["tools"] if t["name"] == "get-check-api-key"
    )
    output = tool["outputParameters"][0]
    assert output["type"] == "object"
    assert output["properties"]["status"] == {"type": "string", "mapping": "$.status"}


SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "Pets API", "version": "1"},
    "host": "pets.example.com",
    "basePath": "/api",
    "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    "security": [{"key": []}],
    "paths": {
        "/pets/{pet_id}": {
            "get": {
                "summary": "Get a pet",
                "tags": ["Pets"],
                "parameters": [
                    {"name": "pet_id", "in": "path", "required": True, "type": "string"}
                ],
                "responses": {"200": {"description": "ok"}},
            },
            "put": {
                "summary": "Update the pet",
                "tags": ["Pets"],
                "parameters": [
                    {"name": "pet_id", "in": "path", "required": True, "type": "string"},
                    {
                        "name": "pet",
                        "in": "body",
                        "required": True,
                        "schema": {"$ref": "#/definitions/Pet"},
                    },
                ],
                "responses": {"200": {"description": "ok"}},
            },
        }
    },
    "definitions": {
        "Pet": {"type": "object", "properties": {"parent": {"$ref": "#/definitions/Pet"}}}
    },
}


def test_swagger_two_with_apikey_and_body(tmp_path: Path) -> None:
    capability = import_openapi(SWAGGER, "Pets")
    consumes = capability["capability"]["consumes"][0]
    assert consumes["baseUri"] == "https://pets.example.com/api"
    assert consumes["authentication"] == {
        "type": "apikey",
        "key": "X-Key",
        "value": "{{env.PETS_API_KEY}}",
        "placement": "header",
    }
    put = consumes["resources"][0]["operations"][1]
    assert put["inputParameters"][-1] == {
        "name": "body",
        "in": "body",
        "type": "object",
        "description": "Request body (JSON).",
        "required": True,
        "schema": {"properties": {"parent": {}}},  # the cycle is cut where it repeats
    }
    names = [t["name"] for t in capability["capability"]["exposes"][1]["tools"]]
    assert names == ["get-pet", "update-pet"]  # no operationId: named from the summary
    path = tmp_path / "pets.yaml"
    path.write_text(yaml.safe_dump(capability, sort_keys=False), encoding="utf-8")
    assert not check(path, strict=True).errors


def test_import_command_writes_one_file_per_tag(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            *naftiko_command(),
            "import",
            "openapi",
            str(KOMBO / "kombo-openapi.json"),
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in tmp_path.glob("*.yaml"))
    assert len(files) == 8
    assert (tmp_path / "capability.schema.json").is_file()
    header = "# yaml-language-server: $schema=./capability.schema.json\n"
    assert all((tmp_path / f).read_text(encoding="utf-8").startswith(header) for f in files)
    total = 0
    for path in tmp_path.glob("*.yaml"):
        capability = yaml.safe_load(path.read_text(encoding="utf-8"))
        total += len(capability["capability"]["exposes"][1]["tools"])
        assert not check(path, strict=True).errors
    assert total == 121


def test_unknown_tag_names_the_known_ones() -> None:
    done = subprocess.run(
        [
            *naftiko_command(),
            "import",
            "openapi",
            str(KOMBO / "kombo-openapi.json"),
            "--tag",
            "Nope",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 1
    assert "Unified ATS API" in done.stderr


def test_the_schema_beside_the_kombo_files_is_ours() -> None:
    beside = (KOMBO / "capability.schema.json").read_text(encoding="utf-8")
    assert beside == (ROOT / "schemas" / "capability.schema.json").read_text(encoding="utf-8")


def test_the_namespace_is_the_whole_title_kebab_cased() -> None:
    document = {**SWAGGER, "info": {"title": "Complex API", "version": "1"}}
    ours = import_openapi(document)
    assert ours["capability"]["consumes"][0]["namespace"] == "complex-api"
    assert ours["capability"]["consumes"][0]["baseUri"] == "https://pets.example.com/api"


BASE = "#/components/schemas/Base"
NULLABLE = {
    "openapi": "3.1.0",
    "info": {"title": "Nulls", "version": "1"},
    "servers": [{"url": "https://nulls.example.com"}],
    "paths": {
        "/things": {
            "post": {
                "operationId": "make-thing",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    {"$ref": BASE},
                                    {"type": "object", "properties": {"size": {"type": "integer"}}},
                                ]
                            }
                        }
                    }
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Base"},
                                        {"type": "null"},
                                    ]
                                }
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Base": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": ["string", "null"]},
                    "age": {"type": "integer", "nullable": True},
                    "kind": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            }
        }
    },
}


def test_nullable_types_resolve_through_all_of_and_one_of() -> None:
    ours = import_openapi(NULLABLE)
    operation = ours["capability"]["consumes"][0]["resources"][0]["operations"][0]
    [body] = operation["inputParameters"]
    schema = body["schema"]
    assert schema["properties"]["name"]["type"] == "string"
    assert schema["properties"]["size"]["type"] == "integer"
    assert schema["properties"]["kind"]["type"] == "string"
    assert schema["required"] == ["name"]
    tool = ours["capability"]["exposes"][1]["tools"][0]
    output = tool["outputParameters"][0]["properties"]
    assert output["name"] == {"type": "string", "mapping": "$.name"}
    assert output["age"] == {"type": "integer", "mapping": "$.age"}
    assert output["kind"] == {"type": "string", "mapping": "$.kind"}


def test_a_tag_without_a_name_is_passed_over() -> None:
    from naftiko.openapi.importer import tags_of

    document = {
        "openapi": "3.0.3",
        "tags": [{"description": "no name"}, {"name": "Pets"}, "loose"],
        "paths": {"/pets": {"get": {"operationId": "list", "tags": ["Pets", "Toys"]}}},
    }
    assert tags_of(document) == ["Pets", "Toys"]
