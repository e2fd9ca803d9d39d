"""OTLP protobuf bytes for finished spans, written straight onto the wire.

The SDK's encoder builds one protobuf object per span, attribute and value: about 58,000
instructions a span, where tracing's whole budget is less than that per request. The spans
this runtime makes repeat the same few attributes (methods, route templates, names, status
codes), so each attribute block's bytes are kept, and a span is mostly a join of fragments:
about a sixth of the cost. The result is the message the SDK's encoder gives for the same
spans, byte for byte (a test holds it to that).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# A field's tag is (number << 3 | wire type): 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
_FIXED64 = struct.Struct("<Q").pack
_DOUBLE = struct.Struct("<d").pack
_ID_FIELD = struct.Struct(">BBQ").pack
_TIMES = struct.Struct("<BQBQ").pack  # start_time_unix_nano, end_time_unix_nano
_SMALL = [bytes((n,)) for n in range(0x80)]
_FLAGS = (b"\x85\x01" + struct.pack("<I", 0x100), b"\x85\x01" + struct.pack("<I", 0x300))
# by error * 2 + remote: the status (always sent, empty when unset, as the SDK does), then the
# flags (whether the parent is remote is known, and whether it is)
_TAILS = (
    b"\x7a\x00" + _FLAGS[0],
    b"\x7a\x00" + _FLAGS[1],
    b"\x7a\x02\x18\x02" + _FLAGS[0],
    b"\x7a\x02\x18\x02" + _FLAGS[1],
)
MEMO = 4096  # blocks kept per kind; their values are names and codes, not inputs
_blocks: dict[Any, bytes] = {}
_heads: tuple[dict[str, bytes], ...] = tuple({} for _ in range(6))  # by kind, then name


def varint(number: int) -> bytes:
    if 0 <= number < 0x80:
        return _SMALL[number]
    if 0 < number < 0x4000:  # a span's length, mostly
        return bytes(((number & 0x7F) | 0x80, number >> 7))
    number &= 0xFFFFFFFFFFFFFFFF  # a negative int64: ten bytes, two's complement
    out = bytearray()
    while number > 0x7F:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def field(tag: bytes, body: bytes) -> bytes:
    return tag + varint(len(body)) + body


def _value(value: Any) -> bytes:
    """An AnyValue's body, mapped from Python as the SDK's encoder maps it."""
    if isinstance(value, bool):
        return b"\x10\x01" if value else b"\x10\x00"
    if isinstance(value, str):
        return field(b"\x0a", value.encode())
    if isinstance(value, int):
        return b"\x18" + varint(value)
    if isinstance(value, float):
        return b"\x21" + _DOUBLE(value)
    if isinstance(value, bytes):
        return field(b"\x3a", value)
    if isinstance(value, Sequence):
        return field(b"\x2a", b"".join(field(b"\x0a", _value(v)) for v in value))
    if isinstance(value, Mapping):
        return field(b"\x32", b"".join(field(b"\x0a", _pair(str(k), v)) for k, v in value.items()))
    return field(b"\x0a", str(value).encode())


def _pair(key: str, value: Any) -> bytes:
    return field(b"\x0a", key.encode()) + field(b"\x12", _value(value))


def attributes(tag: bytes, given: Mapping[str, Any] | None) -> bytes:
    """Repeated KeyValue fields; None values left out, as the SDK leaves them."""
    if not given:
        return b""
    return b"".join(field(tag, _pair(k, v)) for k, v in given.items() if v is not None)


def _block(given: dict[str, Any]) -> bytes:
    """A span's attributes, from the memo when the same ones were seen before."""
    try:
        key = tuple(given.items())
        found = _blocks.get(key)
    except TypeError:  # a list among the values: not kept
        return attributes(b"\x4a", given)
    if found is None:
        if len(_blocks) >= MEMO:
            _blocks.clear()
        found = _blocks[key] = attributes(b"\x4a", given)
    return found


def _head(name: str, kind: int) -> bytes:
    """The name and kind fields, kept per kind and name."""
    heads = _heads[kind]
    found = heads.get(name)
    if found is None:
        if len(heads) >= MEMO:
            heads.clear()
        found = heads[name] = field(b"\x2a", name.encode()) + b"\x30" + _SMALL[kind]
    return found


def _state(state: Any) -> bytes:
    return ",".join(f"{key}={value}" for key, value in state.items()).encode()


def trace_field(trace: int) -> bytes:
    """A span's trace_id field, made once per trace."""
    return b"\x0a\x10" + trace.to_bytes(16, "big")


def span(recorded: Any) -> bytes:
    """One finished span as a ScopeSpans `spans` field (tag and length included)."""
    if recorded.state or recorded.events:
        return _field_of(_rare_span(recorded))
    return _field_of(
        b"".join(
            (
                recorded.trace_field,
                _ID_FIELD(0x12, 8, recorded.id),
                _ID_FIELD(0x22, 8, recorded.parent) if recorded.parent else b"",
                _head(recorded.name, recorded.kind),
                _TIMES(0x39, recorded.start, 0x41, recorded.end),
                _block(recorded.attributes),
                _TAILS[recorded.error * 2 + recorded.remote],
            )
        )
    )


def _field_of(body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return b"\x12" + _SMALL[size] + body
    return b"\x12" + varint(size) + body


def _rare_span(recorded: Any) -> bytes:
    """A span with a trace state or events: the same fields, those in their places."""
    parts = [recorded.trace_field, _ID_FIELD(0x12, 8, recorded.id)]
    if recorded.state:
        parts.append(field(b"\x1a", _state(recorded.state)))
    if recorded.parent:
        parts.append(_ID_FIELD(0x22, 8, recorded.parent))
    parts += (
        _head(recorded.name, recorded.kind),
        _TIMES(0x39, recorded.start, 0x41, recorded.end),
        _block(recorded.attributes),
    )
    for name, when, given in recorded.events or ():
        event = b"\x09" + _FIXED64(when) + field(b"\x12", name.encode())
        parts.append(field(b"\x5a", event + attributes(b"\x1a", given)))
    parts.append(_TAILS[recorded.error * 2 + recorded.remote])
    return b"".join(parts)


def scope(name: str, version: str | None) -> bytes:
    """A ScopeSpans `scope` field."""
    body = field(b"\x0a", name.encode()) if name else b""
    if version:
        body += field(b"\x12", version.encode())
    return field(b"\x0a", body)


def resource(given: Mapping[str, Any], schema_url: str = "") -> tuple[bytes, bytes]:
    """A ResourceSpans' `resource` field, and its `schema_url` field (or nothing)."""
    head = field(b"\x0a", attributes(b"\x0a", given))
    return head, field(b"\x1a", schema_url.encode()) if schema_url else b""


def request(
    resource_fields: tuple[bytes, bytes], scope_field: bytes, spans: Iterable[bytes]
) -> bytes:
    """An ExportTraceServiceRequest of one resource and one scope."""
    scoped = field(b"\x12", scope_field + b"".join(spans))
    head, tail = resource_fields
    return field(b"\x0a", head + scoped + tail)
