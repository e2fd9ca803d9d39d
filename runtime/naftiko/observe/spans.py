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
from naftiko.observe.span import Span

SERVER, CLIENT = 2, 3  # OTLP's numbers for the two kinds of span made here
KINDS = {SERVER: SpanKind.SERVER, CLIENT: SpanKind.CLIENT}
MAX_EVENTS = 128  # per span, as the SDK's default limit
_current: ContextVar[Recorded | None] = ContextVar("naftiko_span", default=None)
_bits = random.getrandbits


class Recorded(Span):
    """One span while its request runs; used in a `with`, it is the current one."""

    __slots__ = (
        "_recorder",
        "_token",
        "attributes",
        "end",
        "error",
        "events",
        "id",
        "kind",
        "name",
        "parent",
        "remote",
        "sampled",
        "start",
        "state",
        "trace_field",
        "trace_hex",
        "trace_number",
    )
    _token: Token[Recorded | None]
    start: int  # set as the span is entered
    end: int  # and as it ends
    trace_number: int
    trace_hex: str
    trace_field: bytes  # the encoded trace_id field
    parent: int  # the parent's span id, 0 for a root
    remote: bool  # whether the parent came from the caller
    state: TraceState | None
    sampled: bool

    def __init__(
        self,
        recorder: Recorder,
        name: str,
        kind: int,
        attributes: dict[str, Any],
        parent: Recorded | SpanContext | None,
    ) -> None:
        self._recorder = recorder
        self.name, self.kind, self.attributes = name, kind, attributes
        self.id = (_bits(64) or recorder.span_id()) if recorder.random else recorder.span_id()
        self.events: list[tuple[str, int, dict[str, Any]]] | None = None
        self.error = False
        if parent is None:
            trace = self.trace_number = recorder.trace_id_number()
            self.trace_hex = f"{trace:032x}"
            self.trace_field = spanwire.trace_field(trace)
            self.parent, self.remote, self.state, self.sampled = 0, False, None, True
        elif type(parent) is Recorded:
            self.trace_number = parent.trace_number
            self.trace_hex, self.trace_field = parent.trace_hex, parent.trace_field
            self.parent, self.remote, self.state = parent.id, False, parent.state
            self.sampled = parent.sampled
        else:  # the caller's, from its traceparent
            assert isinstance(parent, SpanContext)
            trace = self.trace_number = parent.trace_id
            self.trace_hex = f"{trace:032x}"
            self.trace_field = spanwire.trace_field(trace)
            self.parent, self.remote = parent.span_id, True
            self.state = parent.trace_state or None
            self.sampled = parent.trace_flags.sampled

    def set(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def rename(self, name: str) -> None:
        self.name = name

    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        if self.events is None:
            self.events = []
        if len(self.events) < MAX_EVENTS:
            self.events.append((name, time.time_ns(), attributes or {}))

    def fail(self, kind: str) -> None:
        self.attributes["error.type"] = kind
        self.error = True

    def __enter__(self) -> Recorded:
        self.start = time.time_ns()
        self._token = _current.set(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        _current.reset(self._token)
        if kind is not None and not self.error:
            self.fail(kind.__qualname__)  # the type only: a message may hold an input
        if self.sampled:
            self.end = time.time_ns()
            recorder = self._recorder
            outbox = recorder.outbox
            if len(outbox.queue) < outbox.limit:
                outbox.queue.append(spanwire.span(self))
            else:
                outbox.dropped += 1
            recorder.keep(self)

    def trace(self) -> str:
        return self.trace_hex

    def traceparent(self) -> str:
        return f"00-{self.trace_hex}-{self.id:016x}-{'01' if self.sampled else '00'}"


def span_parent(span: Recorded) -> SpanContext | None:
    """The SDK's context of a local span's parent, for a sampler to read."""
    if not span.parent:
        return None
    flags = TraceFlags(TraceFlags.SAMPLED if span.sampled else TraceFlags.DEFAULT)
    return SpanContext(span.trace_number, span.parent, False, flags, span.state or TraceState())


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
    ) -> None:
        provider = TracerProvider(
            resource=Resource.create({"service.name": service}), shutdown_on_exit=False
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
        return _nonzero(64) if self.random else int(self.ids.generate_span_id())

    def trace_id_number(self) -> int:
        return _nonzero(128) if self.random else int(self.ids.generate_trace_id())

    def server(
        self, name: str, carrier: Mapping[str, str] | None, attributes: dict[str, Any]
    ) -> Recorded:
        if carrier is not None and "traceparent" in carrier:
            remote = get_current_span(self._propagator.extract(carrier)).get_span_context()
            if remote.is_valid:
                return self._under_remote(name, remote, attributes)
        span = Recorded(self, name, SERVER, attributes, _current.get())
        if not self._plain:
            self._sample(span, span_parent(span))
        return span

    def client(
        self, name: str, headers: MutableMapping[str, str], attributes: dict[str, Any]
    ) -> Recorded:
        span = Recorded(self, name, CLIENT, attributes, _current.get())
        if not self._plain:
            self._sample(span, span_parent(span))
        headers["traceparent"] = span.traceparent()
        if span.state:
            headers["tracestate"] = span.state.to_header()
        return span

    def _under_remote(self, name: str, remote: SpanContext, attributes: dict[str, Any]) -> Recorded:
        span = Recorded(self, name, SERVER, attributes, remote)
        if not self._plain:
            self._sample(span, remote)
        return span

    def _sample(self, span: Recorded, parent: SpanContext | None) -> None:
        """What a configured sampler (OTEL_TRACES_SAMPLER) says of a new span."""
        within = set_span_in_context(NonRecordingSpan(parent)) if parent is not None else None
        kind = KINDS[span.kind]
        result = self.sampler.should_sample(
            within, span.trace_number, span.name, kind, span.attributes
        )
        span.attributes.update(result.attributes or {})
        decision: Any = result.decision
        span.sampled = bool(decision.is_sampled())
        span.state = result.trace_state or None

    def batch(self, encoded: list[bytes]) -> bytes:
        """The export request for spans encoded as they ended."""
        return spanwire.request(self.resource_fields, self.scope_field, encoded)

    def trace_id(self) -> str:
        span = _current.get()
        return span.trace_hex if span is not None else ""
