"""The set of secret values the process knows, and the one function that scrubs text."""

from __future__ import annotations

import re

from naftiko.jsontypes import JSON

_values: set[str] = set()
_pattern: re.Pattern[str] | None = None
_bytes_pattern: re.Pattern[bytes] | None = None
# what a log line must not carry as is: control characters (a forged line, a terminal driven)
CONTROLS = {c: f"\\x{c:02x}" for c in range(32) if c != 9} | {10: "\\n", 13: "\\r", 127: "\\x7f"}
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)


def register(value: str) -> None:
    """Remember a secret so that any text containing it can be scrubbed."""
    global _pattern, _bytes_pattern
    if len(value) >= 4 and value not in _values:
        _values.add(value)
        ordered = sorted(_values, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in ordered))
        _bytes_pattern = re.compile(b"|".join(re.escape(v.encode()) for v in ordered))


def scrub(text: str) -> str:
    if _pattern is None:
        return text
    return _pattern.sub("***", text)


def scrub_bytes(data: bytes) -> bytes:
    """A body passed on as it came, with any known secret in it replaced (an upstream that
    echoes the credential it was sent must not hand it to the caller)."""
    if _bytes_pattern is None:
        return data
    return _bytes_pattern.sub(b"***", data)


def scrub_data(value: JSON) -> JSON:
    """JSON-like data with every string scrubbed (keys too)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): scrub_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_data(v) for v in value]
    return value
