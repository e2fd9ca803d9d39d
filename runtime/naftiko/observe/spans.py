"""Spans recorded lean while a request runs, encoded when they end.

The SDK's live span validates, locks and wraps on every call (about 52,000 instructions a
span here), and a request makes two or more. A request's spans are only ever touched by that
request, so they are plain fields until they end; then each is written as OTLP bytes
(`spanwire`) and queued for the exporter (`shipping`). The SDK still decides what matters to
an operator: the sampler (`OTEL_TRACES_SAMPLER`), the resource (`OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`), the id generator, W3C trace context parsing, batching settings
and the OTLP transport are its own. Imported only when tracing is on: it loads the SDK.
"""

from __future__ import annotations

import random
import struct
import time
from collections.abc import Callable, Mapping, MutableMapping
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    TraceFlags,
    TraceState,
    get_current_span,
    set_span_in_context,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from naftiko.observe import spanwire
from naftiko.observe.shipping import Outbox
from naftiko.observe.span import CLIENT, INTERNAL, OFF, SERVER, Shape, Span

KINDS = {INTERNAL: SpanKind.INTERNAL, SERVER: SpanKind.SERVER, CLIENT: SpanKind.CLIENT}
_KIND_NAMES = {INTERNAL: "internal", SERVER: "server", CLIENT: "client"}
MAX_EVENTS = 128  # per span, as the SDK's default limit
_current: ContextVar[Recorded | None] = ContextVar("naftiko_span", default=None)
_bits = random.getrandbits
_now = time.time_ns
_ID_BITS = (1 << 64) - 1
_FIXED64 = struct.Struct("<Q").pack  # a span id's bytes (spanwire.hex_id)


class Recorded(Span):
    """One span while its request runs; used in a `with`, it is the current one."""

    __slots__ = (
        "_recorder",
        "_token",
        "code",
        "end",
        "error",
        "events",
        "extra",
        "id",
        "lead",
        "leaf",
        "parent",
        "remote",
        "sampled",
        "shape",
        "start",
        "state",
    )
    _token: Token[Recorded | None]
    start: int  # set as the span is entered
    end: int  # and as it ends
    lead: bytes  # the encoded trace id (spanwire.lead)
    parent: int  # the parent's span id, 0 for a root
    remote: bool  # whether the parent came from the caller
    state: TraceState | None
    sampled: bool

    def __init__(
        self, recorder: Recorder, shape: Shape, parent: Recorded | SpanContext | None
    ) -> None:
        self._recorder, self.shape = recorder, shape
        self.extra: dict[str, Any] | None = None
        self.code = 0  # the HTTP status, none yet
        self.events: list[tuple[str, int, dict[str, Any]]] | None = None
        # an upstream call's span starts nothing under it, so it is never the current one (a
        # log line inside it names the same trace through its parent)
        self.error = self.leaf = False
        # ids are kept as spanwire keeps them (see spanwire.hex_id)
        if parent is None:
            drawn = _bits(192) if recorder.random else 0  # the trace's id and the span's
            trace, self.id = drawn >> 64, drawn & _ID_BITS
            if not (trace and self.id):  # never 0 (the invalid id), or another generator's
                trace, self.id = recorder.trace_id_number(), recorder.span_id()
            self.lead = b"\x0a\x10" + trace.to_bytes(16, "big") + b"\x12\x08"  # spanwire.lead
            self.parent, self.remote, self.state, self.sampled = 0, False, None, True
            return
        self.id = (_bits(64) or recorder.span_id()) if recorder.random else recorder.span_id()
        if type(parent) is SpanContext:  # the caller's, from its traceparent
            self.lead = spanwire.lead(parent.trace_id)
            self.parent, self.remote = spanwire.id_number(parent.span_id), True
            self.state = parent.trace_state or None
            self.sampled = parent.trace_flags.sampled
        else:
            assert isinstance(parent, Recorded)
            self.lead, self.parent, self.remote = parent.lead, parent.id, False
            self.state, self.sampled = parent.state, parent.sampled

    @property
    def name(self) -> str:
        return self.shape.name

    @property
    def kind(self) -> int:
        return self.shape.kind

    @property
    def attributes(self) -> dict[str, Any]:
        """The shape's attributes, then those set while the span ran (the status first), in
        the order spanwire writes them."""
        if self.extra is None and not self.code:
            return self.shape.attributes
        merged = dict(self.shape.attributes)
        if self.code:
            merged[spanwire.STATUS] = self.code
        if self.extra is not None:
            merged.update(self.extra)
        return merged

    @property
    def trace_number(self) -> int:
        return int.from_bytes(self.lead[2:18], "big")

    def set(self, key: str, value: Any) -> None:
        if key == spanwire.STATUS and type(value) is int:
            self.code = value
        elif key in self.shape.attributes:  # a fixed one changed: this span's own shape
            shape = self.shape
            self.shape = Shape(shape.name, shape.kind, {**shape.attributes, key: value})
        elif self.extra is None:
            self.extra = {key: value}
        else:
            self.extra[key] = value

    def status(self, code: int) -> None:
        self.code = code

    def reshape(self, shape: Shape) -> None:
        self.shape = shape

    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        if self.events is None:
            self.events = []
        if len(self.events) < MAX_EVENTS:
            self.events.append((name, _now(), attributes or {}))

    def fail(self, kind: str) -> None:
        self.set("error.type", kind)
        self.error = True

    def __enter__(self) -> Recorded:
        self.start = _now()
        if not self.leaf:
            self._token = _current.set(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if not self.leaf:
            _current.reset(self._token)
        if kind is not None and not self.error:
            self.fail(kind.__qualname__)  # the type only: a message may hold an input
        if self.sampled:
            self.end = _now()
            recorder = self._recorder
            outbox = recorder.outbox
            if len(outbox.queue) < outbox.limit:
                outbox.queue.append(spanwire.span(self))
            else:
                outbox.dropped += 1
            recorder.keep(self)

    def trace(self) -> str:
        return self.lead[2:18].hex()

    def view(self) -> dict[str, Any]:
        """The span as the control port's /traces shows it."""
        return {
            "trace": self.trace(),
            "span": spanwire.hex_id(self.id),
            "parent": spanwire.hex_id(self.parent) if self.parent else None,
            "name": self.name,
            "kind": _KIND_NAMES[self.kind],
            "durationMs": round((self.end - self.start) / 1e6, 3),
            "endedAt": self.end // 1_000_000,  # ms since 1970
            "status": "error" if self.error else "unset",
            "attributes": {k: v for k, v in self.attributes.items() if v is not None},
            "events": [name for name, _, _ in self.events or ()],
        }

    def traceparent(self) -> str:
        flags = "01" if self.sampled else "00"
        return f"00-{self.lead[2:18].hex()}-{_FIXED64(self.id).hex()}-{flags}"


def span_parent(span: Recorded) -> SpanContext | None:
    """The SDK's context of a local span's parent, for a sampler to read."""
    if not span.parent:
        return None
    flags = TraceFlags(TraceFlags.SAMPLED if span.sampled else TraceFlags.DEFAULT)
    parent = spanwire.id_number(span.parent)  # the same swap both ways
    return SpanContext(span.trace_number, parent, False, flags, span.state or TraceState())


def _nonzero(bits: int) -> int:
    """A random id, never 0 (the invalid one), as the SDK's RandomIdGenerator makes them."""
    found = _bits(bits)
    while not found:
        found = _bits(bits)
    return found


class Recorder:
    """Starts spans (sampled as the SDK's sampler says) and hands the finished ones on."""

    def __init__(
        self,
        service: str,
        outbox: Outbox,
        keep: Callable[[Recorded], None],
        version: str | None = None,
        sampler: Any = None,  # None: the one OTEL_TRACES_SAMPLER names
    ) -> None:
        provider = TracerProvider(
            resource=Resource.create({"service.name": service}),
            sampler=sampler,
            shutdown_on_exit=False,
        )
        self.resource = provider.resource
        self.sampler: Any = provider.sampler  # the SDK leaves its methods untyped
        self.ids = provider.id_generator
        plain = ParentBased(ALWAYS_ON).get_description()  # type: ignore[no-untyped-call]
        # the default sampler's answer is the parent's flag, or yes for a root: no call needed
        self._plain = self.sampler.get_description() == plain
        self.random = type(self.ids) is RandomIdGenerator
        self.resource_fields = spanwire.resource(
            dict(self.resource.attributes), self.resource.schema_url
        )
        self.scope_field = spanwire.scope("naftiko", version)
        self.outbox, self.keep = outbox, keep
        self._propagator = TraceContextTextMapPropagator()

    def span_id(self) -> int:
        if self.random:
            return _nonzero(64)
        return spanwire.id_number(int(self.ids.generate_span_id()))

    def trace_id_number(self) -> int:
        return _nonzero(128) if self.random else int(self.ids.generate_trace_id())

    def server(self, shape: Shape, carrier: Mapping[str, str] | None) -> Recorded:
        if carrier is not None and "traceparent" in carrier:
            remote = get_current_span(self._propagator.extract(carrier)).get_span_context()
            if remote.is_valid:
                span = Recorded(self, shape, remote)
                if not self._plain:
                    self._sample(span, remote)
                return span
        return self._below_current(shape)

    def _below_current(self, shape: Shape) -> Recorded:
        """A span whose parent is the current one (none: a root)."""
        span = Recorded(self, shape, _current.get())
        if not self._plain:
            self._sample(span, span_parent(span))
        return span

    step = _below_current  # a step of the running request

    def client(self, shape: Shape, headers: MutableMapping[str, str]) -> Recorded:
        span = Recorded(self, shape, _current.get())
        span.leaf = True
        if not self._plain:
            self._sample(span, span_parent(span))
        headers["traceparent"] = span.traceparent()
        if span.state:
            headers["tracestate"] = span.state.to_header()
        return span

    def _sample(self, span: Recorded, parent: SpanContext | None) -> None:
        """What a configured sampler (OTEL_TRACES_SAMPLER) says of a new span."""
        within = set_span_in_context(NonRecordingSpan(parent)) if parent is not None else None
        kind = KINDS[span.kind]
        result = self.sampler.should_sample(
            within, span.trace_number, span.name, kind, span.attributes
        )
        for key, value in (result.attributes or {}).items():
            span.set(key, value)
        decision: Any = result.decision
        span.sampled = bool(decision.is_sampled())
        span.state = result.trace_state or None

    def batch(self, encoded: list[bytes]) -> bytes:
        """The export request for spans encoded as they ended."""
        return spanwire.request(self.resource_fields, self.scope_field, encoded)

    def current(self) -> Span:
        return _current.get() or OFF

    def trace_id(self) -> str:
        span = _current.get()
        return span.trace() if span is not None else ""
