"""What the caller of the request in hand sent, for upstream calls that pass some of it on.

Adapters set it for the duration of a request (REST and MCP over HTTP: the request's headers;
an MCP request: its `_meta` too); a consumes entry's `x-naftiko-propagate` list reads the
names it allows, and nothing else. Context-local, so concurrent requests never mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
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


def enter(headers: Mapping[str, str]) -> Token[Mapping[str, str] | None]:
    """The request's headers (case-insensitive mapping) from now; `leave` with the token
    once it is answered. (A plain pair, not a context manager: it runs on every request.)"""
    return _headers.set(headers)


def leave(token: Token[Mapping[str, str] | None]) -> None:
    _headers.reset(token)


class meta:  # lower case: it reads as a function, `with inbound.meta(fields):`
    """An MCP request's `_meta`, while it is answered (a plain class: cheaper per call)."""

    __slots__ = ("_fields", "_token")

    def __init__(self, fields: Any) -> None:
        self._fields = fields if isinstance(fields, Mapping) else None

    def __enter__(self) -> None:
        self._token = _meta.set(self._fields)

    def __exit__(self, *_: object) -> None:
        _meta.reset(self._token)
