"""What an OpenAPI document says about one value, as JSON Schema a capability can carry.

References are inlined (cycles cut, depth bounded), and only what checks or explains a value
is kept, so that an imported parameter or body keeps the API's types, enums, bounds, formats
and required properties without copying the whole document.
"""

from __future__ import annotations

from typing import Any

from naftiko.openapi.mock import Resolver
from naftiko.spec.params import CONSTRAINTS

PARAM_KEYWORDS = frozenset(CONSTRAINTS)
_MAX_SCHEMA_DEPTH = 4


def json_schema(
    resolver: Resolver, schema: Any, seen: frozenset[str], depth: int
) -> dict[str, Any] | None:
    """The API's schema for a value, references inlined (cycles and depth bounded), with
    only what checks and explains a value: type, enum, bounds, format, description,
    properties and required ones, items. `nullable` and `type: [x, null]` become x."""
    schema, seen = resolver.deref(schema, seen)
    if not isinstance(schema, dict):
        return None
    for key in ("allOf",):  # one member: the schema itself (a common generator wrapping)
        members = schema.get(key)
        if isinstance(members, list) and len(members) == 1:
            merged, seen = resolver.deref(members[0], seen)
            if isinstance(merged, dict):
                schema = {**merged, **{k: v for k, v in schema.items() if k != key}}
    found: dict[str, Any] = {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        found["type"] = kind
    for key in PARAM_KEYWORDS - {"items"}:
        if key in schema:
            found[key] = schema[key]
    if isinstance(found.get("enum"), list):
        found["enum"] = [v for v in found["enum"] if v is not None]
        if not found["enum"]:
            del found["enum"]
    for key in ("exclusiveMinimum", "exclusiveMaximum"):  # 3.0's booleans
        if isinstance(found.get(key), bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if found.pop(key) and bound in found:
                found[key] = found.pop(bound)
    if isinstance(schema.get("description"), str) and depth > 0:
        found["description"] = " ".join(schema["description"].split())[:300]
    if depth >= _MAX_SCHEMA_DEPTH:
        return found
    if isinstance(schema.get("items"), dict):
        items = json_schema(resolver, schema.get("items"), seen, depth + 1)
        if items:
            found["items"] = items
    properties = schema.get("properties")
    if isinstance(properties, dict):
        nested = {
            str(key): json_schema(resolver, child, seen, depth + 1) or {}
            for key, child in properties.items()
        }
        found["properties"] = nested
        required = [r for r in schema.get("required") or [] if r in nested]
        if required:
            found["required"] = required
    return found
