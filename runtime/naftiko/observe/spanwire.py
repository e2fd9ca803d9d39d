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
_SPAN_ID, _PARENT_ID, _START, _END = 0x0812, 0x0822, 0x39, 0x41  # tags, with the ids' length
STATUS = "http.response.status_code"  # a span's status, encoded from _CODES
MEMO = 4096  # attributes kept encoded; their values are codes and error types, not inputs
_items: dict[tuple[str, Any], bytes] = {}


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


def _state(state: Any) -> bytes:
    return ",".join(f"{key}={value}" for key, value in state.items()).encode()


def lead(trace: int) -> bytes:
    """A trace's id field, and the tag of the span id that always follows it: made once per
    trace, shared by its spans."""
    return b"\x0a\x10" + trace.to_bytes(16, "big") + b"\x12\x08"


def hex_id(span_id: int) -> str:
    """A span id as W3C writes it. Ids are kept as the number whose little-endian bytes are
    the id, so that one struct writes a span's ids and times together."""
    return _FIXED64(span_id).hex()


def id_number(sdk_id: int) -> int:
    """The id the SDK means by ``sdk_id`` (big-endian), as this module keeps ids."""
    return int.from_bytes(sdk_id.to_bytes(8, "big"), "little")


class Wire:
    """A shape compiled: one struct per span layout (a root, or one with a parent) writing
    everything but the attributes set while the span ran and its status."""

    __slots__ = ("block", "child", "child_size", "head", "root", "root_size")

    def __init__(self, name: str, kind: int, given: Mapping[str, Any]) -> None:
        self.head = field(b"\x2a", name.encode()) + b"\x30" + _SMALL[kind] + bytes((_START,))
        self.block = attributes(b"\x4a", given)
        middle = f"{len(self.head)}sQBQ{len(self.block)}s"
        root, child = struct.Struct("<20sQ" + middle), struct.Struct("<20sQHQ" + middle)
        self.root, self.root_size = root.pack, root.size
        self.child, self.child_size = child.pack, child.size


def compiled(shape: Any) -> Wire:
    wire = shape.wire = Wire(shape.name, shape.kind, shape.attributes)
    return wire


_PREFIXES = [b"\x12" + varint(n) for n in range(4096)]  # a span's tag and length, mostly


def span(recorded: Any) -> bytes:
    """One finished span as a ScopeSpans `spans` field (tag and length included)."""
    if recorded.state is not None or recorded.events is not None:
        body = _rare_span(recorded)
        return b"\x12" + varint(len(body)) + body
    wire = recorded.shape.wire or compiled(recorded.shape)
    tail = _TAILS[recorded.error * 2 + recorded.remote]
    if recorded.extra is not None:
        tail = _extras(recorded.extra) + tail
    if recorded.code:
        tail = (_CODES.get(recorded.code) or _code(recorded.code)) + tail
    if recorded.parent:
        size = wire.child_size + len(tail)
        body = wire.child(
            recorded.lead,
            recorded.id,
            _PARENT_ID,
            recorded.parent,
            wire.head,
            recorded.start,
            _END,
            recorded.end,
            wire.block,
        )
    else:
        size = wire.root_size + len(tail)
        body = wire.root(
            recorded.lead, recorded.id, wire.head, recorded.start, _END, recorded.end, wire.block
        )
    return (_PREFIXES[size] if size < 4096 else b"\x12" + varint(size)) + body + tail


_CODES = {code: attributes(b"\x4a", {STATUS: code}) for code in range(100, 600)}


def _code(code: int) -> bytes:
    """The status attribute's field: from the table, or made for a code outside it."""
    return _CODES.get(code) or attributes(b"\x4a", {STATUS: code})


# attributes whose value differs on every span (a request's id): never kept, and a text
# value written in one step, its key's field made once, with the longest value whose lengths
# all fit one byte
_UNIQUE = {
    key: (made, 0x7F - 4 - len(made))
    for key in ("jsonrpc.request.id",)
    for made in (field(b"\x0a", key.encode()),)
}


def _text(key: tuple[bytes, int], value: str) -> bytes:
    data = value.encode()
    size = len(data)
    made, short = key
    if size <= short:
        return b"".join(
            (
                b"\x4a",
                _SMALL[len(made) + size + 4],
                made,
                b"\x12",
                _SMALL[size + 2],
                b"\x0a",
                _SMALL[size],
                data,
            )
        )
    return field(b"\x4a", made + field(b"\x12", field(b"\x0a", data)))


def _extras(given: dict[str, Any]) -> bytes:
    """Attributes set while a span ran (a status code, an error type), each kept encoded."""
    out = b""
    try:
        for item in given.items():
            found = _items.get(item)
            if found is None:
                unique = _UNIQUE.get(item[0])
                if unique is not None:
                    value = item[1]
                    out += (
                        _text(unique, value)
                        if type(value) is str
                        else attributes(b"\x4a", dict((item,)))
                    )
                    continue
                if len(_items) >= MEMO:
                    _items.clear()
                found = _items[item] = attributes(b"\x4a", dict((item,)))
            out += found
    except TypeError:  # a list among the values: not kept
        return attributes(b"\x4a", given)
    return out


def _rare_span(recorded: Any) -> bytes:
    """A span with a trace state or events: every field written on its own."""
    parts = [recorded.lead, _FIXED64(recorded.id)]
    if recorded.state:
        parts.append(field(b"\x1a", _state(recorded.state)))
    if recorded.parent:
        parts.append(b"\x22\x08" + _FIXED64(recorded.parent))
    wire = recorded.shape.wire or compiled(recorded.shape)
    parts += (
        wire.head,
        _FIXED64(recorded.start),
        bytes((_END,)),
        _FIXED64(recorded.end),
        wire.block,
        _code(recorded.code) if recorded.code else b"",
        _extras(recorded.extra) if recorded.extra else b"",
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
