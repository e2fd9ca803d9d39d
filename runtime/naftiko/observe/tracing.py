"""OpenTelemetry traces, when an operator asks for them; nothing at all otherwise.

Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or a control adapter's
`observability.exporters.otlp.endpoint`) and `OTEL_SDK_DISABLED` is not true. The SDK (the
`otel` extra) is imported only then; when it is off, `tracer` is None and a call site pays
one comparison. Spans carry route templates and names, never a rendered URL, a query value
or a header value, so no input or secret reaches a collector. W3C `traceparent`/`tracestate`
is read from inbound headers (and MCP `_meta`) and sent to every upstream.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Mapping
from typing import Any

from naftiko.observe.span import CLIENT as CLIENT
from naftiko.observe.span import OFF as OFF  # re-exported: the span of a request not traced
from naftiko.observe.span import SERVER as SERVER
from naftiko.observe.span import Shape as Shape
from naftiko.observe.span import Shapes as Shapes
from naftiko.observe.span import Span as Span
from naftiko.observe.span import Tracer

log = logging.getLogger("naftiko.tracing")

# What starts spans while tracing is on, None when off: call sites read it per request (one
# attribute read when off) and start spans with the shapes they made when their plan was built.
tracer: Tracer | None = None
_recorder: Any = None  # the same spans.Recorder, with the rest of its surface
_shipper: Any = None  # and the shipping.Shipper its spans go to
_encoder: Any = None  # the exporter's own encoder, put back at shutdown


def active() -> bool:
    return _recorder is not None


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
    global tracer, _recorder, _shipper, _encoder
    if not wanted(endpoint):
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http import trace_exporter

        from naftiko.observe import shipping, spans
    except ImportError:
        log.warning(
            "an OTLP endpoint is set but the tracing extra is missing: "
            "pip install 'naftiko-py[otel]'; running without traces"
        )
        return False
    if not callable(getattr(trace_exporter, "encode_spans", None)):
        log.error(
            "tracing: this release of opentelemetry-exporter-otlp-proto-http is not one "
            "naftiko can send through (pip install 'naftiko-py[otel]' picks one); "
            "running without traces"
        )
        return False
    url = _traces_url(endpoint) if endpoint else None
    name = os.environ.get("OTEL_SERVICE_NAME") or service
    if _encoder is None:
        _encoder = shipping.hook(trace_exporter)
    outbox = shipping.Outbox(shipping.setting("OTEL_BSP_MAX_QUEUE_SIZE"))
    recorder = spans.Recorder(name, outbox, _recent.append, _version())
    exporter = trace_exporter.OTLPSpanExporter(endpoint=url)
    _shipper = shipping.Shipper(exporter, outbox, recorder.batch)
    _recorder = tracer = recorder
    log.info("tracing: spans of service '%s' exported over OTLP/HTTP", name)
    return True


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("naftiko-py")
    except PackageNotFoundError:
        return None


# The last spans finished, for the control port's /traces: kept as they are (appending costs
# nothing measurable) and described only when someone asks.
RECENT = 256
_recent: deque[Any] = deque(maxlen=RECENT)


def recent(trace: str | None = None) -> list[dict[str, Any]] | None:
    """The last spans that ended, newest first (one trace's when ``trace`` is given); None
    when tracing is off."""
    if _recorder is None:
        return None
    kept = reversed(list(_recent))
    return [span.view() for span in kept if trace is None or span.trace() == trace]


def _traces_url(endpoint: str) -> str:
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"


def shutdown() -> None:
    """Send what is queued (bounded by OTEL_BSP_EXPORT_TIMEOUT) and stop."""
    global tracer, _recorder, _shipper, _encoder
    if _shipper is not None:
        _shipper.shutdown()
    if _encoder is not None:
        from opentelemetry.exporter.otlp.proto.http import trace_exporter

        setattr(trace_exporter, "encode_spans", _encoder)  # noqa: B010
    tracer = _recorder = _shipper = _encoder = None
    _recent.clear()


def trace_id() -> str:
    """The current trace's id (32 hex digits), or "" outside a traced request."""
    if _recorder is None:
        return ""
    found: str = _recorder.trace_id()
    return found
