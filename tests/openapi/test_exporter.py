"""OpenAPI 3.1 export of REST adapters: valid documents, from declarations alone."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from conftest import FIXTURES, KOMBO, clean_env, naftiko_command
from naftiko.errors import TargetError
from naftiko.openapi.exporter import export_openapi, rest_adapter
from naftiko.pipeline import compile_plans
from naftiko.pipeline import load as load_file
from naftiko.spec import load

KOMBO_GENERAL = KOMBO / "kombo-general.yaml"


def exported(path: Path) -> dict:
    """The document of the file's REST adapter, from plans compiled without secrets."""
    engine = compile_plans(load_file(path), secrets=False)
    assert engine is not None
    return export_openapi(engine, rest_adapter(engine.capability))


def test_shop_document_is_valid_openapi() -> None:
    document = exported(FIXTURES / "shop.yaml")
    validate(document)


def test_declared_inputs_become_parameters_and_a_body_schema() -> None:
    paths = exported(FIXTURES / "shop.yaml")["paths"]
    get_item = paths["/items/{id}"]["get"]
    assert {(p["name"], p["in"]) for p in get_item["parameters"]} == {
        ("id", "path"),
        ("limit", "query"),
        ("verbose", "query"),
        ("X-Trace", "header"),
    }
    limit = next(p for p in get_item["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer"}
    body = paths["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["name", "count"]
    assert body["properties"]["tags"]["type"] == "array"


def test_typed_outputs_give_the_response_schema() -> None:
    paths = exported(FIXTURES / "shop.yaml")["paths"]
    schema = paths["/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "object"
    assert schema["properties"]["replicas"] == {"type": ["integer", "null"]}


def test_dialect_inputs_come_from_the_consumed_parameters_with_feeds() -> None:
    document = exported(KOMBO_GENERAL)
    validate(document)
    sync = document["paths"]["/v1/force-sync"]["post"]
    assert [(p["name"], p["in"], p.get("required")) for p in sync["parameters"]] == [
        ("X-Integration-Id", "header", True)
    ]
    assert "requestBody" in sync
    details = document["paths"]["/v1/integrations/{integration-id}"]["get"]
    assert [(p["name"], p["in"]) for p in details["parameters"]] == [("integration-id", "path")]


def test_several_rest_adapters_need_a_choice(tmp_path: Path) -> None:
    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    second = text.split("  exposes:\n")[1].replace("namespace: shop", "namespace: shop-two")
    path = tmp_path / "two.yaml"
    path.write_text(text + second, encoding="utf-8")
    capability = load(path)
    with pytest.raises(TargetError) as error:
        rest_adapter(capability)
    assert "shop, shop-two" in error.value.hint
    assert rest_adapter(capability, "shop-two").namespace == "shop-two"


def test_export_command_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "shop.json"
    done = subprocess.run(
        [*naftiko_command(), "export", "openapi", str(FIXTURES / "shop.yaml"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    validate(json.loads(out.read_text(encoding="utf-8")))


def test_errors_passed_through_from_the_upstream_keep_their_content_types() -> None:
    paths = exported(FIXTURES / "shop.yaml")["paths"]
    errors = paths["/items/{id}"]["get"]["responses"]["default"]["content"]
    assert set(errors) == {"application/problem+json", "application/json", "*/*"}
    mock = paths["/status"]["get"]["responses"]["default"]["content"]
    assert set(mock) == {"application/problem+json"}  # no upstream, so only our problems


def test_imported_constraints_reach_the_exported_parameters(tmp_path) -> None:
    import yaml

    from naftiko.openapi.importer import import_openapi
    from naftiko.openapi.mock import read_document

    spec = FIXTURES / "petstore" / "petstore-3.0.yaml"
    path = tmp_path / "pets.yaml"
    capability = import_openapi(read_document(str(spec)), None)
    path.write_text(yaml.safe_dump(capability, sort_keys=False), encoding="utf-8")
    document = exported(path)
    validate(document)
    limit = next(
        p for p in document["paths"]["/v1/pets"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"] == {"type": "integer", "format": "int32", "minimum": 1, "maximum": 100}
