"""A document's own `$ref`s (`#/components/...`), followed on demand, and a sample value for a
schema: what the mock answers with, and what the importer, its schemas and its paging read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MAX_DEPTH = 8


class Resolver:
    """Local `$ref`s (`#/components/...`), resolved on demand; cycles stop at a marker."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def deref(self, node: Any, seen: frozenset[str] = frozenset()) -> tuple[Any, frozenset[str]]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}, seen
            seen = seen | {ref}
            target: Any = self.document
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            node = target if target is not None else {}
        return node, seen

    def sample(self, schema: Any, seen: frozenset[str] = frozenset(), depth: int = 0) -> Any:
        schema, seen = self.deref(schema, seen)
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None
        for key in ("example", "default", "const"):
            if key in schema:
                return schema[key]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.sample(schema[key][0], seen, depth + 1)
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.sample(part, seen, depth + 1)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema:
            return {
                name: self.sample(child, seen, depth + 1)
                for name, child in (schema.get("properties") or {}).items()
            }
        if kind == "array":
            return [self.sample(schema.get("items", {}), seen, depth + 1)]
        if kind == "integer":
            return 0
        if kind == "number":
            return 0.0
        if kind == "boolean":
            return True
        if kind == "string":
            return _string(schema.get("format"))
        return None


def _string(fmt: Any) -> str:
    return {
        "date-time": "2026-01-01T00:00:00Z",
        "date": "2026-01-01",
        "email": "user@example.com",
        "uri": "https://example.com",
        "url": "https://example.com",
        "uuid": "00000000-0000-4000-8000-000000000000",
    }.get(str(fmt), "string")
