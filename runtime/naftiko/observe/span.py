"""What a call site may say about its span, and what every span of one operation shares.

Nothing here loads the SDK: call sites make their span shapes when a plan is built, whether
tracing is on or not, and a shape costs nothing until a span of it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Protocol

INTERNAL, SERVER, CLIENT = 1, 2, 3  # OTLP's numbers for the kinds of span made here


class Shape:
    """A span's name, kind and the attributes fixed for its operation (method, route
    template, adapter, tool name): made once, encoded once (on first use), shared by every
    span of that operation."""

    __slots__ = ("attributes", "kind", "name", "wire")

    def __init__(self, name: str, kind: int, attributes: Mapping[str, Any]) -> None:
        self.name, self.kind = name, kind
        # None values are left out, as the SDK leaves them out
        self.attributes = {k: v for k, v in attributes.items() if v is not None}
        self.wire: Any = None  # spanwire's compiled form, made when a span of it is sent

    def __repr__(self) -> str:
        return f"Shape({self.name!r}, {self.kind}, {self.attributes!r})"


class Shapes(dict[Any, Shape]):
    """Shapes made on demand for names known only per request (an MCP tool's name, a
    route's method), kept up to a bound: a caller choosing names cannot grow it. Looked up
    as a dict (``get``); ``add`` on a miss."""

    __slots__ = ("kind", "limit")

    def __init__(self, kind: int, limit: int = 1024) -> None:
        super().__init__()
        self.kind, self.limit = kind, limit

    def add(self, key: Any, name: str, attributes: Mapping[str, Any]) -> Shape:
        if len(self) >= self.limit:
            self.clear()
        made = self[key] = Shape(name, self.kind, attributes)
        return made


class Span:
    """What a call site may say about its span: this one, for tracing off, says nothing."""

    __slots__ = ()

    def set(self, key: str, value: Any) -> None:
        return None

    def status(self, code: int) -> None:
        """The HTTP status answered (`http.response.status_code`): set on nearly every
        span, so kept apart from the other attributes and encoded from a table."""
        return None

    def reshape(self, shape: Shape) -> None:
        """Name and describe the span anew, once what it serves is known (a route)."""
        return None

    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        return None

    def fail(self, kind: str) -> None:
        return None

    def trace(self) -> str:
        """The span's trace id (32 hex digits), "" when not traced."""
        return ""

    def __enter__(self) -> Span:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        return None


OFF = Span()  # the span of a request not traced (tracing off)


class Tracer(Protocol):
    """What starts spans while tracing is on (`tracing.tracer`; None when off)."""

    def server(self, shape: Shape, carrier: Mapping[str, str] | None) -> Span:
        """An inbound request's span, continuing the caller's trace when it sent one."""
        ...

    def client(self, shape: Shape, headers: MutableMapping[str, str]) -> Span:
        """An upstream call's span; its context goes into ``headers`` as `traceparent`."""
        ...

    def step(self, shape: Shape) -> Span:
        """A step of the running request: current while it runs, so its calls nest in it."""
        ...

    def current(self) -> Span:
        """The span of the request running now, for an event about it (OFF outside one)."""
        ...
