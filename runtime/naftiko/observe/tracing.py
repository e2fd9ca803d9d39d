"""OpenTelemetry traces, when an operator asks for them; nothing at all otherwise.

Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or a control adapter's
`observability.exporters.otlp.endpoint`) and `OTEL_SDK_DISABLED` is not true. The SDK (the
`otel` extra) is imported only then; when it is off every hook below is one comparison.
Spans carry route templates and names, never a rendered URL, a query value or a header value,
so no input or secret reaches a collector. W3C `traceparent`/`tracestate` is read from inbound
headers (and MCP `_meta`) and sent to every upstream.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import deque
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

log = logging.getLogger("naftiko.tracing")

_tracer: Any = None
_provider: Any = None
_propagator: Any = None
_SERVER_KIND: Any = None
_CLIENT_KIND: Any = None
_ERROR: Any = None


def active() -> bool:
    return _tracer is not None


def wanted(endpoint: str | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment (or the file's endpoint) asks for traces."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").lower() == "none":
        return False
    return bool(
        endpoint
        or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure(service: str, endpoint: str | None = None) -> bool:
    """Start exporting spans over OTLP/HTTP; False (with a log line) when the SDK is missing."""
    global _tracer, _provider, _propagator, _SERVER_KIND, _CLIENT_KIND, _ERROR
    if not wanted(endpoint):
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.trace import SpanKind, StatusCode
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    except ImportError:
        log.warning(
            "an OTLP endpoint is set but the tracing extra is missing: "
            "pip install 'naftiko-py[otel]'; running without traces"
        )
        return False
    name = os.environ.get("OTEL_SERVICE_NAME") or service
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    exporter = OTLPSpanExporter(endpoint=_traces_url(endpoint)) if endpoint else OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    provider.add_span_processor(_keeper())
    _provider = provider
    _tracer = provider.get_tracer("naftiko")
    _propagator = TraceContextTextMapPropagator()
    _SERVER_KIND, _CLIENT_KIND, _ERROR = SpanKind.SERVER, SpanKind.CLIENT, StatusCode.ERROR
    log.info("tracing: spans of service '%s' exported over OTLP/HTTP", name)
    return True


# The last spans finished, for the control port's /traces: kept as they are (appending costs
# nothing measurable) and described only when someone asks.
RECENT = 256
_recent: deque[Any] = deque(maxlen=RECENT)


def _keeper() -> Any:
    """A span processor that remembers the last spans that ended (the SDK is loaded now)."""
    from opentelemetry.sdk.trace import SpanProcessor

    class Recent(SpanProcessor):
        def on_end(self, span: Any) -> None:
            _recent.append(span)

    return Recent()


def recent(trace: str | None = None) -> list[dict[str, Any]] | None:
    """The last spans that ended, newest first (one trace's when ``trace`` is given); None
    when tracing is off."""
    if _tracer is None:
        return None
    found = []
    for span in reversed(list(_recent)):
        context = span.context
        trace_hex = format(context.trace_id, "032x")
        if trace is not None and trace_hex != trace:
            continue
        parent = span.parent
        found.append(
            {
                "trace": trace_hex,
                "span": format(context.span_id, "016x"),
                "parent": format(parent.span_id, "016x") if parent is not None else None,
                "name": span.name,
                "kind": span.kind.name.lower(),
                "durationMs": round(((span.end_time or 0) - (span.start_time or 0)) / 1e6, 3),
                "endedAt": (span.end_time or 0) // 1_000_000,  # ms since 1970
                "status": span.status.status_code.name.lower(),
                "attributes": dict(span.attributes or {}),
                "events": [e.name for e in span.events],
            }
        )
    return found


def _traces_url(endpoint: str) -> str:
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"


def shutdown() -> None:
    """Flush what is buffered (bounded by the SDK's own export timeout) and stop."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None
    _recent.clear()


class Span:
    """What a hook may say about its span; every method is a no-op when tracing is off."""

    __slots__ = ("_span",)

    def __init__(self, span: Any = None) -> None:
        self._span = span

    def set(self, **attributes: Any) -> None:
        if self._span is not None:
            for key, value in attributes.items():
                if value is not None:
                    self._span.set_attribute(key.replace("__", "."), value)

    def rename(self, name: str) -> None:
        if self._span is not None:
            self._span.update_name(name)

    def event(self, name: str, **attributes: Any) -> None:
        if self._span is not None:
            self._span.add_event(name, {k.replace("__", "."): v for k, v in attributes.items()})

    def fail(self, kind: str) -> None:
        if self._span is not None:
            self._span.set_attribute("error.type", kind)
            self._span.set_status(_ERROR)


_OFF = Span()
OFF = _OFF  # the span hooks get when tracing is off


@contextlib.contextmanager
def server(
    name: str, carrier: Mapping[str, str] | None = None, **attributes: Any
) -> Iterator[Span]:
    """An inbound request's span, continuing the caller's trace when it sent one."""
    if _tracer is None:
        yield _OFF
        return
    parent = _propagator.extract(carrier) if carrier else None
    with _tracer.start_as_current_span(name, context=parent, kind=_SERVER_KIND) as span:
        handle = Span(span)
        handle.set(**attributes)
        yield handle


@contextlib.contextmanager
def client(name: str, headers: MutableMapping[str, str], **attributes: Any) -> Iterator[Span]:
    """An upstream call's span; its context travels in ``headers`` as `traceparent`."""
    if _tracer is None:
        yield _OFF
        return
    with _tracer.start_as_current_span(name, kind=_CLIENT_KIND) as span:
        _propagator.inject(headers)
        handle = Span(span)
        handle.set(**attributes)
        yield handle


def trace_id() -> str:
    """The current trace's id (32 hex digits), or "" outside a traced request."""
    if _tracer is None:
        return ""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
