"""What the caller of the request in hand sent, for upstream calls that pass some of it on.

Adapters set it for the duration of a request (REST and MCP over HTTP: the request's headers;
an MCP request: its `_meta` too); a consumes entry's `x-naftiko-propagate` list reads the
names it allows, and nothing else. Context-local, so concurrent requests never mix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_headers: ContextVar[Mapping[str, str] | None] = ContextVar("naftiko_inbound", default=None)
_meta: ContextVar[Mapping[str, Any] | None] = ContextVar("naftiko_inbound_meta", default=None)


def heard(name: str) -> str | None:
    """The caller's value for ``name``: an MCP `_meta` field first, then a header."""
    meta = _meta.get()
    if meta:
        wanted = name.lower()
        for key, value in meta.items():
            if isinstance(value, str) and key.lower() == wanted:
                return value
    headers = _headers.get()
    return headers.get(name) if headers is not None else None


@contextmanager
def receiving(headers: Mapping[str, str]) -> Iterator[None]:
    """The request's headers (case-insensitive mapping), while it is answered."""
    token = _headers.set(headers)
    try:
        yield
    finally:
        _headers.reset(token)


@contextmanager
def meta(fields: Any) -> Iterator[None]:
    """An MCP request's `_meta`, while it is answered."""
    token = _meta.set(fields if isinstance(fields, Mapping) else None)
    try:
        yield
    finally:
        _meta.reset(token)
