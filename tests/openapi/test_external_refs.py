"""An OpenAPI document may refer to schemas in other files: they are read and inlined when
the document is read (import and mock alike); one that cannot be read is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko.errors import NaftikoError
from naftiko.openapi.importer import import_openapi
from naftiko.openapi.mock import read_document

API = """\
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: https://pets.example.com}]
paths:
  /pets/{id}:
    get:
      operationId: getPet
      tags: [Pets]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: A pet.
          content:
            application/json:
              schema: {$ref: "%s"}
"""
PET = """\
Pet:
  type: object
  properties:
    name: {type: string}
    owner: {$ref: "#/Owner"}
    tags: {$ref: "common/tags.yaml"}
Owner:
  type: object
  properties:
    email: {type: string}
"""
TAGS = "type: array\nitems: {type: string}\n"


def written(tmp_path: Path, ref: str = "schemas/pet.yaml#/Pet") -> Path:
    (tmp_path / "schemas" / "common").mkdir(parents=True)
    (tmp_path / "schemas" / "pet.yaml").write_text(PET, "utf-8")
    (tmp_path / "schemas" / "common" / "tags.yaml").write_text(TAGS, "utf-8")
    path = tmp_path / "api.yaml"
    path.write_text(API % ref, "utf-8")
    return path


def test_a_schema_in_another_file_is_inlined_with_its_own_refs(tmp_path: Path) -> None:
    document = read_document(written(tmp_path))
    schema = document["paths"]["/pets/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert schema["properties"]["owner"]["properties"]["email"] == {"type": "string"}
    assert schema["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}


def test_the_importer_types_outputs_from_an_external_schema(tmp_path: Path) -> None:
    capability = import_openapi(read_document(written(tmp_path)), "Pets")
    tool = capability["capability"]["exposes"][1]["tools"][0]
    output = tool["outputParameters"][0]
    assert output["properties"]["owner"]["properties"]["email"]["type"] == "string"


def test_a_ref_that_cannot_be_resolved_is_named(tmp_path: Path) -> None:
    with pytest.raises(NaftikoError) as refused:
        read_document(written(tmp_path, "schemas/missing.yaml#/Pet"))
    assert "'schemas/missing.yaml#/Pet' cannot be resolved" in str(refused.value)
    assert "api.yaml" in str(refused.value)


def test_a_ref_on_the_network_is_never_fetched(tmp_path: Path) -> None:
    with pytest.raises(NaftikoError, match="on the network, which is never fetched"):
        read_document(written(tmp_path, "https://schemas.example.com/pet.yaml#/Pet"))


def test_a_cycle_through_files_stops(tmp_path: Path) -> None:
    path = written(tmp_path, "schemas/loop.yaml#/A")
    (tmp_path / "schemas" / "loop.yaml").write_text(
        "A: {type: object, properties: {b: {$ref: 'other.yaml#/B'}}}\n", "utf-8"
    )
    (tmp_path / "schemas" / "other.yaml").write_text(
        "B: {type: object, properties: {a: {$ref: 'loop.yaml#/A'}}}\n", "utf-8"
    )
    schema = read_document(path)["paths"]["/pets/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert schema["properties"]["b"]["properties"]["a"] == {}  # back at A: stops
