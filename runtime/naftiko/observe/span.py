"""What a tracing hook may say about its span; this base (OFF) says nothing."""

from __future__ import annotations

from typing import Any


class Span:
    """What a hook may say about its span: this one, for tracing off, says nothing."""

    __slots__ = ()

    def set(self, key: str, value: Any) -> None:
        return None

    def rename(self, name: str) -> None:
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


OFF = Span()  # the span hooks get when tracing is off, or for a request not traced
