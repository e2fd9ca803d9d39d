"""OpenTelemetry traces, when an operator asks for them; nothing at all otherwise.

Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or a control adapter's
`observability.exporters.otlp.endpoint`), `OTEL_SDK_DISABLED` is not true and the control
adapter's `observability.enabled` is not false; its `traces.sampling` and `traces.local`
apply too (`Settings`), the standard variables first. The SDK (the
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from naftiko.jsontypes import JSON
from naftiko.observe.span import CLIENT as CLIENT
from naftiko.observe.span import OFF as OFF  # re-exported: the span of a request not traced
from naftiko.observe.span import SERVER as SERVER
from naftiko.observe.span import Shape as Shape
from naftiko.observe.span import Shapes as Shapes
from naftiko.observe.span import Span as Span
from naftiko.observe.span import Tracer

if TYPE_CHECKING:
    from naftiko.spec.model import Observability

log = logging.getLogger("naftiko.tracing")

# What starts spans while tracing is on, None when off: call sites read it per request (one
# attribute read when off) and start spans with the shapes they made when their plan was built.
tracer: Tracer | None = None
_recorder: Any = None  # the same spans.Recorder, with the rest of its surface
_shipper: Any = None  # and the shipping.Shipper its spans go to
_encoder: Any = None  # the exporter's own encoder, put back at shutdown


# The last spans finished, for the control port's /traces: kept as they are (appending costs
# nothing measurable) and described only when someone asks.
RECENT = 256
MOST_KEPT = 10_000


@dataclass(frozen=True)
class Settings:
    """What a control adapter's `observability` block says of traces."""

    endpoint: str | None = None  # exporters.otlp.endpoint
    enabled: bool = True  # enabled
    ratio: float | None = None  # traces.sampling: the share of new traces recorded
    kept: int = RECENT  # traces.local.buffer-size; 0 when traces.local.enabled is false
    propagation: str = "w3c"  # traces.propagation


def settings(block: Observability) -> Settings:
    """The trace settings of an `observability` block."""
    kept = min(block.buffer_size, MOST_KEPT) if block.buffer_size else RECENT
    return Settings(
        endpoint=block.endpoint,
        enabled=block.enabled,
        ratio=block.sampling,
        kept=kept if block.local_traces else 0,
        propagation=block.propagation,
    )


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


def configure(service: str, given: Settings = Settings()) -> bool:
    """Start exporting spans over OTLP/HTTP; False (with a log line) when the SDK is missing
    or the settings turn traces off."""
    global tracer, _recorder, _shipper, _encoder, _recent
    endpoint = given.endpoint
    if not wanted(endpoint):
        return False
    if not given.enabled:
        log.info("tracing: off, as the control adapter's observability says (enabled: false)")
        return False
    if given.propagation.lower() != "w3c":
        log.warning(
            "tracing: propagation '%s' is not supported; W3C trace context is read and sent",
            given.propagation,
        )
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
    _recent = deque(maxlen=given.kept) if given.kept else None
    keep = _recent.append if _recent is not None else _forget
    recorder = spans.Recorder(name, outbox, keep, _version(), _sampler(given.ratio))
    exporter = trace_exporter.OTLPSpanExporter(endpoint=url)
    _shipper = shipping.Shipper(exporter, outbox, recorder.batch)
    _recorder = tracer = recorder
    log.info("tracing: spans of service '%s' exported over OTLP/HTTP", name)
    return True


def _forget(span: object) -> None:
    return None


def _sampler(ratio: float | None) -> Any:
    """The file's `traces.sampling`, unless OTEL_TRACES_SAMPLER chooses (None: the SDK's)."""
    if ratio is None or ratio >= 1 or os.environ.get("OTEL_TRACES_SAMPLER"):
        return None
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    return ParentBased(TraceIdRatioBased(ratio))


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("naftiko-py")
    except PackageNotFoundError:
        return None


_recent: deque[Any] | None = None


def recent(trace: str | None = None) -> list[dict[str, JSON]] | None:
    """The last spans that ended, newest first (one trace's when ``trace`` is given); None
    when none are kept."""
    if _recorder is None or _recent is None:
        return None
    kept = reversed(list(_recent))
    return [span.view() for span in kept if trace is None or span.trace() == trace]


def _traces_url(endpoint: str) -> str:
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"


STOP_BUDGET = 5.0  # s: the most a stop waits for queued spans to reach the collector


def shutdown(budget: float = STOP_BUDGET) -> None:
    """Send what is queued, for at most ``budget`` seconds, and stop."""
    global tracer, _recorder, _shipper, _encoder
    if _shipper is not None:
        _shipper.shutdown(min(budget, STOP_BUDGET))
    if _encoder is not None:
        from opentelemetry.exporter.otlp.proto.http import trace_exporter

        setattr(trace_exporter, "encode_spans", _encoder)  # noqa: B010
    tracer = _recorder = _shipper = _encoder = _recent = None


def trace_id() -> str:
    """The current trace's id (32 hex digits), or "" outside a traced request."""
    if _recorder is None:
        return ""
    found: str = _recorder.trace_id()
    return found
