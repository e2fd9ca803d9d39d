"""The importer writes how each list operation pages (x-naftiko-pagination)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import KOMBO
from naftiko.openapi.importer import import_openapi


def operations(capability: dict[str, Any]) -> dict[str, dict[str, Any]]:
    consumes = capability["capability"]["consumes"][0]
    return {o["name"]: o for r in consumes["resources"] for o in r["operations"]}


def test_kombo_lists_page_by_cursor_from_data_next() -> None:
    document = json.loads((KOMBO / "kombo-openapi.json").read_text(encoding="utf-8"))
    found = operations(import_openapi(document, "Unified HRIS API"))
    assert found["get-hris-employees"]["x-naftiko-pagination"] == {
        "type": "cursor",
        "param": "cursor",
        "next": "$.data.next",
        "items": "$.data.results",
    }
    assert "x-naftiko-pagination" not in found["get-hris-employees-form"]  # not a list


def api(parameters: list[str], answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Things API", "version": "1"},
        "servers": [{"url": "https://things.test"}],
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "parameters": [
                        {"name": n, "in": "query", "schema": {"type": "string"}} for n in parameters
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": answer}},
                        }
                    },
                }
            }
        },
    }


LIST = {"type": "object", "properties": {"items": {"type": "array", "items": {}}}}


@pytest.mark.parametrize(
    ("parameters", "answer", "expected"),
    [
        (["offset", "limit"], LIST, {"type": "offset", "param": "offset", "items": "$.items"}),
        (["page"], LIST, {"type": "page", "param": "page", "items": "$.items"}),
        (["page"], {"type": "array", "items": {}}, {"type": "page", "param": "page", "items": "$"}),
        (["limit"], LIST, None),
    ],
)
def test_offset_and_page_lists_are_recognised(parameters, answer, expected) -> None:
    found = operations(import_openapi(api(parameters, answer)))["list-things"]
    assert found.get("x-naftiko-pagination") == expected
