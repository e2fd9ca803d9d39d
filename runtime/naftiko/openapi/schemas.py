"""What an OpenAPI document says about one value, as JSON Schema a capability can carry.

References are inlined (cycles cut, depth bounded), and only what checks or explains a value
is kept, so that an imported parameter or body keeps the API's types, enums, bounds, formats
and required properties without copying the whole document.
"""

from __future__ import annotations

from typing import Any

from naftiko.openapi.resolver import Resolver
from naftiko.spec.params import CONSTRAINTS

PARAM_KEYWORDS = frozenset(CONSTRAINTS)
_MAX_SCHEMA_DEPTH = 4


_MAX_UNWRAP = 8


def unwrapped(resolver: Resolver, schema: Any, seen: frozenset[str]) -> tuple[Any, frozenset[str]]:
    """A schema with its composition resolved as generators mean it: `allOf` members merged
    (properties and required ones joined), and a `oneOf`/`anyOf` of one type and null read
    as that type, which is how OpenAPI 3.1 writes 3.0's `nullable`."""
    schema, seen = resolver.deref(schema, seen)
    for _ in range(_MAX_UNWRAP):
        if not isinstance(schema, dict):
            break
        rest = {k: v for k, v in schema.items() if k not in ("allOf", "oneOf", "anyOf")}
        members = schema.get("allOf")
        if isinstance(members, list) and members:
            for member in members:
                part, seen = resolver.deref(member, seen)
                if isinstance(part, dict):
                    rest = _merged(part, rest)
            schema = {**rest, **{k: schema[k] for k in ("oneOf", "anyOf") if k in schema}}
            continue
        branch = _only_branch(resolver, schema, seen)
        if branch is None:
            break
        schema = _merged(branch, rest)
    return schema, seen


def _merged(part: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = {**part, **over}
    properties = {**(part.get("properties") or {}), **(over.get("properties") or {})}
    if properties:
        merged["properties"] = properties
    required = [*(part.get("required") or []), *(over.get("required") or [])]
    if required:
        merged["required"] = list(dict.fromkeys(required))
    return merged


def _only_branch(resolver: Resolver, schema: dict[str, Any], seen: frozenset[str]) -> Any:
    """The one branch of a `oneOf`/`anyOf` that is not null, when there is exactly one."""
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if not isinstance(branches, list):
            continue
        real = [b for b in (resolver.deref(b, seen)[0] for b in branches) if not _null(b)]
        if len(real) == 1 and isinstance(real[0], dict):
            return real[0]
    return None


def _null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return kind == "null" or kind == ["null"] or schema.get("enum") == [None]


def json_schema(
    resolver: Resolver, schema: Any, seen: frozenset[str], depth: int
) -> dict[str, Any] | None:
    """The API's schema for a value, references inlined (cycles and depth bounded), with
    only what checks and explains a value: type, enum, bounds, format, description,
    properties and required ones, items. `nullable` and `type: [x, null]` become x."""
    schema, seen = unwrapped(resolver, schema, seen)
    if not isinstance(schema, dict):
        return None
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
