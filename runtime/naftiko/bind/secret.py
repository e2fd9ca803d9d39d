"""A bound value that never prints itself: logs, errors and reprs see '***'."""

from __future__ import annotations

from naftiko.observe.redact import register


class Secret:
    __slots__ = ("_value", "name")

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self._value = value
        register(value)

    def reveal(self) -> str:
        """The real value, for the one place that needs it: building the upstream request."""
        return self._value

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return f"Secret({self.name!r}, '***')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
