"""How an imported operation pages, read from its parameters and its answer's schema.

A list operation that takes a cursor (`cursor`, `page_token`...) and answers an object holding
a list next to a `next` cursor (Kombo: `data.results` and `data.next`) pages by cursor; one
that takes `offset` with `limit`, by offset; one that takes `page`, by page number. The block
written says so (`x-naftiko-pagination`), and answers one page by default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from naftiko.openapi.resolver import Resolver

_CURSOR_PARAMS = ("cursor", "page_token", "pageToken", "next_token", "after")
_NEXT_FIELDS = ("next", "next_cursor", "nextCursor", "next_page_token", "nextPageToken")
_LIST_FIELDS = ("results", "items", "data", "records", "entries")
_MAX_DEPTH = 3
T = TypeVar("T")


def pagination(
    resolver: Resolver, operation: Mapping[str, Any], params: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The `x-naftiko-pagination` block for this operation, or None when it does not page."""
    query = {str(p["name"]) for p in params if p.get("in") == "query"}
    schema, _ = answer_schema(resolver, operation)
    if schema is None:
        return None
    cursor = next((name for name in _CURSOR_PARAMS if name in query), None)
    if cursor is not None:
        found = _cursor_fields(resolver, schema)
        if found is not None:
            within, following = found
            return {"type": "cursor", "param": cursor, "next": following, "items": within}
    listed = _list_field(resolver, schema)
    if listed is None:
        return None
    if "offset" in query and "limit" in query:
        return {"type": "offset", "param": "offset", "items": listed}
    if "page" in query:
        return {"type": "page", "param": "page", "items": listed}
    return None


def answer_schema(
    resolver: Resolver, operation: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, frozenset[str]]:
    """The JSON schema of the first 2xx answer (and the refs followed to it), if any."""
    responses = operation.get("responses") or {}
    codes = sorted((c for c in responses if str(c).isdigit() and str(c).startswith("2")), key=int)
    if not codes:
        return None, frozenset()
    response, _ = resolver.deref(responses[codes[0]])
    content = response.get("content") if isinstance(response, dict) else None
    media = (content or {}).get("application/json") if isinstance(content, dict) else None
    schema, seen = resolver.deref(media.get("schema") if isinstance(media, dict) else None)
    return (schema if isinstance(schema, dict) else None), seen


def _properties(resolver: Resolver, schema: Any) -> dict[str, Any]:
    schema, _ = resolver.deref(schema)
    found = schema.get("properties") if isinstance(schema, dict) else None
    return found if isinstance(found, dict) else {}


def _kind(resolver: Resolver, schema: Any) -> Any:
    schema, _ = resolver.deref(schema)
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


def _cursor_fields(resolver: Resolver, schema: Any) -> tuple[str, str] | None:
    """(items path, next path) of the object that holds a list beside a next cursor."""

    def here(properties: dict[str, Any], at: str) -> tuple[str, str] | None:
        following = next((name for name in _NEXT_FIELDS if name in properties), None)
        items = _own_list(resolver, properties) if following is not None else None
        return (f"{at}.{items}", f"{at}.{following}") if items is not None else None

    return _search(resolver, schema, "$", 0, here)


def _list_field(resolver: Resolver, schema: Any) -> str | None:
    """The path to the list an answer holds (the answer itself when it is one)."""
    if _kind(resolver, schema) == "array":
        return "$"

    def here(properties: dict[str, Any], at: str) -> str | None:
        own = _own_list(resolver, properties)
        return f"{at}.{own}" if own is not None else None

    return _search(resolver, schema, "$", 0, here)


def _search(
    resolver: Resolver,
    schema: Any,
    at: str,
    depth: int,
    here: Callable[[dict[str, Any], str], T | None],
) -> T | None:
    """What ``here`` finds in this object, else in the objects it holds (depth-bounded)."""
    properties = _properties(resolver, schema)
    found = here(properties, at)
    if found is not None or depth >= _MAX_DEPTH:
        return found
    for name, child in properties.items():
        if _kind(resolver, child) == "object":
            found = _search(resolver, child, f"{at}.{name}", depth + 1, here)
            if found is not None:
                return found
    return None


def _own_list(resolver: Resolver, properties: dict[str, Any]) -> str | None:
    arrays = [n for n, child in properties.items() if _kind(resolver, child) == "array"]
    preferred = next((n for n in _LIST_FIELDS if n in arrays), None)
    return preferred or (arrays[0] if len(arrays) == 1 else None)
