"""What the caller of the request in hand sent and proved, for the code it reaches.

Adapters set it for the duration of a request (REST and MCP over HTTP: the request's headers,
and the caller an OAuth2 token proved; an MCP request: its `_meta` too). A consumes entry's
`x-naftiko-propagate` list reads the names it allows, and nothing else; templates read the
caller as `{{caller.subject}}`, `{{caller.clientId}}`, `{{caller.scopes}}` and
`{{caller.claims.NAME}}`. Context-local, so concurrent requests never mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from naftiko.jsontypes import JSON
from naftiko.template import MISSING


@dataclass(frozen=True)
class Caller:
    """Who a validated token says the caller is."""

    subject: str
    client_id: str = ""
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, object] = field(default_factory=dict)

    def lookup(self, name: str) -> JSON:
        """A field by its template name (`subject`, `clientId`, `scopes`, `claims.X`)."""
        if name == "subject":
            return self.subject
        if name == "clientId":
            return self.client_id
        if name == "scopes":
            return " ".join(sorted(self.scopes))
        head, dot, rest = name.partition(".")
        if head == "claims" and dot:
            found = self.claims.get(rest, MISSING)
            return found if isinstance(found, str | int | float | bool) else MISSING
        return MISSING


class _Heard:
    __slots__ = ("caller", "headers")

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = headers
        self.caller: Caller | None = None


_current: ContextVar[_Heard | None] = ContextVar("naftiko_inbound", default=None)
_meta: ContextVar[Mapping[str, Any] | None] = ContextVar("naftiko_inbound_meta", default=None)


def heard(name: str) -> str | None:
    """The caller's value for ``name``: an MCP `_meta` field first, then a header."""
    meta = _meta.get()
    if meta:
        wanted = name.lower()
        for key, value in meta.items():
            if isinstance(value, str) and key.lower() == wanted:
                return value
    current = _current.get()
    return current.headers.get(name) if current is not None else None


def caller() -> Caller | None:
    """The caller the request's token proved, when the adapter validates tokens."""
    current = _current.get()
    return current.caller if current is not None else None


def identified(who: Caller) -> None:
    """Record who the request in hand comes from (after its token was validated)."""
    current = _current.get()
    if current is not None:
        current.caller = who


def enter(headers: Mapping[str, str]) -> Token[_Heard | None]:
    """The request's headers (case-insensitive mapping) from now; `leave` with the token
    once it is answered. (A plain pair, not a context manager: it runs on every request.)"""
    return _current.set(_Heard(headers))


def leave(token: Token[_Heard | None]) -> None:
    _current.reset(token)


class meta:  # lower case: it reads as a function, `with inbound.meta(fields):`
    """An MCP request's `_meta`, while it is answered (a plain class: cheaper per call)."""

    __slots__ = ("_fields", "_token")

    def __init__(self, fields: Any) -> None:
        self._fields = fields if isinstance(fields, Mapping) else None

    def __enter__(self) -> None:
        self._token = _meta.set(self._fields)

    def __exit__(self, *_: object) -> None:
        _meta.reset(self._token)
