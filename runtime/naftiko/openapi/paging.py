"""How an imported operation pages, read from its parameters and its answer's schema.

A list operation that takes a cursor (`cursor`, `page_token`...) and answers an object holding
a list next to a `next` cursor (Kombo: `data.results` and `data.next`) pages by cursor; one
that takes `offset` with `limit`, by offset; one that takes `page`, by page number. The block
written says so (`x-naftiko-pagination`), and answers one page by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from naftiko.openapi.mock import Resolver

_CURSOR_PARAMS = ("cursor", "page_token", "pageToken", "next_token", "after")
_NEXT_FIELDS = ("next", "next_cursor", "nextCursor", "next_page_token", "nextPageToken")
_LIST_FIELDS = ("results", "items", "data", "records", "entries")
_MAX_DEPTH = 3


def pagination(
    resolver: Resolver, operation: Mapping[str, Any], params: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The `x-naftiko-pagination` block for this operation, or None when it does not page."""
    query = {str(p["name"]) for p in params if p.get("in") == "query"}
    schema = _answer_schema(resolver, operation)
    if schema is None:
        return None
    cursor = next((name for name in _CURSOR_PARAMS if name in query), None)
    if cursor is not None:
        found = _cursor_fields(resolver, schema, "$", frozenset(), 0)
        if found is not None:
            within, following = found
            return {"type": "cursor", "param": cursor, "next": following, "items": within}
    listed = _list_field(resolver, schema, "$", frozenset(), 0)
    if listed is None:
        return None
    if "offset" in query and "limit" in query:
        return {"type": "offset", "param": "offset", "items": listed}
    if "page" in query:
        return {"type": "page", "param": "page", "items": listed}
    return None


def _answer_schema(resolver: Resolver, operation: Mapping[str, Any]) -> dict[str, Any] | None:
    responses = operation.get("responses") or {}
    codes = sorted((c for c in responses if str(c).isdigit() and str(c).startswith("2")), key=int)
    if not codes:
        return None
    response, _ = resolver.deref(responses[codes[0]])
    content = response.get("content") if isinstance(response, dict) else None
    media = (content or {}).get("application/json") if isinstance(content, dict) else None
    schema, _ = resolver.deref(media.get("schema") if isinstance(media, dict) else None)
    return schema if isinstance(schema, dict) else None


def _properties(resolver: Resolver, schema: Any, seen: frozenset[str]) -> dict[str, Any]:
    schema, _ = resolver.deref(schema, seen)
    found = schema.get("properties") if isinstance(schema, dict) else None
    return found if isinstance(found, dict) else {}


def _kind(resolver: Resolver, schema: Any, seen: frozenset[str]) -> Any:
    schema, _ = resolver.deref(schema, seen)
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


def _cursor_fields(
    resolver: Resolver, schema: Any, at: str, seen: frozenset[str], depth: int
) -> tuple[str, str] | None:
    """(items path, next path) of the object that holds a list beside a next cursor."""
    properties = _properties(resolver, schema, seen)
    following = next((name for name in _NEXT_FIELDS if name in properties), None)
    if following is not None:
        items = _own_list(resolver, properties, seen)
        if items is not None:
            return f"{at}.{items}", f"{at}.{following}"
    if depth >= _MAX_DEPTH:
        return None
    for name, child in properties.items():
        if _kind(resolver, child, seen) == "object":
            found = _cursor_fields(resolver, child, f"{at}.{name}", seen, depth + 1)
            if found is not None:
                return found
    return None


def _own_list(resolver: Resolver, properties: dict[str, Any], seen: frozenset[str]) -> str | None:
    arrays = [n for n, child in properties.items() if _kind(resolver, child, seen) == "array"]
    preferred = next((n for n in _LIST_FIELDS if n in arrays), None)
    return preferred or (arrays[0] if len(arrays) == 1 else None)


def _list_field(
    resolver: Resolver, schema: Any, at: str, seen: frozenset[str], depth: int
) -> str | None:
    if _kind(resolver, schema, seen) == "array":
        return at
    properties = _properties(resolver, schema, seen)
    own = _own_list(resolver, properties, seen)
    if own is not None:
        return f"{at}.{own}"
    if depth >= _MAX_DEPTH:
        return None
    for name, child in properties.items():
        if _kind(resolver, child, seen) == "object":
            found = _list_field(resolver, child, f"{at}.{name}", seen, depth + 1)
            if found is not None:
                return found
    return None
