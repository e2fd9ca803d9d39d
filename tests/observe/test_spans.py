"""Spans as recorded and sent: the bytes written for them are the message the SDK's own
encoder gives for the same spans, the exporter still encodes anything else itself, sampling
follows OTEL_TRACES_SAMPLER, and the batching thread sends, bounds and flushes."""

from __future__ import annotations

import threading
from typing import Any

import pytest

sdk = pytest.importorskip("opentelemetry.sdk.trace", reason="needs the otel extra")
encoder = pytest.importorskip(
    "opentelemetry.exporter.otlp.proto.common.trace_encoder", reason="needs the otel extra"
)
from opentelemetry.exporter.otlp.proto.http import trace_exporter  # noqa: E402
from opentelemetry.trace import (  # noqa: E402
    SpanContext,
    Status,
    StatusCode,
    TraceFlags,
    TraceState,
)

from naftiko.observe import shipping, spans, spanwire  # noqa: E402
from naftiko.observe.span import CLIENT, SERVER, Shape  # noqa: E402

REMOTE_TRACE = 0x4BF92F3577B34DA6A3CE929D0E0E4736


GET = Shape("GET", SERVER, {})
ROOT = Shape("GET /", CLIENT, {})


def recorder() -> spans.Recorder:
    return spans.Recorder("svc", shipping.Outbox(100), lambda span: None, "1.2.3")


def as_sdk(span: spans.Recorded, made: spans.Recorder) -> Any:
    """The SDK's ReadableSpan for what was recorded."""
    flags = TraceFlags(TraceFlags.SAMPLED)
    state = span.state or TraceState()
    parent = None
    if span.parent:
        parent_id = spanwire.id_number(span.parent)
        parent = SpanContext(span.trace_number, parent_id, span.remote, flags, state)
    return sdk.ReadableSpan(
        name=span.name,
        context=SpanContext(span.trace_number, spanwire.id_number(span.id), False, flags, state),
        parent=parent,
        resource=made.resource,
        attributes={k: v for k, v in span.attributes.items() if v is not None},
        events=[sdk.Event(n, a, t) for n, t, a in span.events or ()],
        kind=spans.KINDS[span.kind],
        status=Status(StatusCode.ERROR) if span.error else Status(StatusCode.UNSET),
        start_time=span.start,
        end_time=span.end,
        instrumentation_scope=sdk.InstrumentationScope("naftiko", "1.2.3"),
    )


def finished(made: spans.Recorder) -> list[spans.Recorded]:
    kept: list[spans.Recorded] = []
    made.keep = kept.append
    carrier = {"traceparent": f"00-{REMOTE_TRACE:032x}-00f067aa0ba902b7-01", "tracestate": "a=1"}
    get = Shape("GET", SERVER, {"http.request.method": "GET", "gone": None})
    with made.server(get, carrier) as server:
        with made.client(
            Shape("GET /items/{id}", CLIENT, {"url.template": "/items/{id}"}), {}
        ) as client:
            client.event("retry", {"attempt": 2, "delay_s": 0.25, "http.response.status_code": 503})
            client.set("http.response.status_code", 200)
        server.reshape(
            Shape("GET /items", SERVER, {"http.request.method": "GET", "http.route": "/items"})
        )
        server.set("labels", ["a", "b"])
        server.status(1042)  # outside the table of codes
        server.set("ok", True)
        server.set("http.route", "/items/")  # a fixed one changed
        server.fail("503")
    tool = Shape("tools/call x", SERVER, {"gen_ai.tool.name": "x", "n": -3, "ratio": 1.5})
    with (
        made.server(tool, None) as call,
        made.client(Shape("POST /", CLIENT, {"a": "b"}), {}) as post,
    ):
        call.status(200)
        call.set("jsonrpc.request.id", "7")  # a value per span: encoded, not kept
        post.set("jsonrpc.request.id", "r" * 200)  # too long for one-byte lengths
        post.set("http.response.status_code", 200)
        post.set("error.type", None)
    with made.server(tool, None) as again, made.client(Shape("POST /", CLIENT, {}), {}):
        again.fail("tool_error")
    return kept


def test_the_bytes_are_the_sdk_encoders_for_the_same_spans() -> None:
    made = recorder()
    done = finished(made)
    assert list(made.outbox.queue) == [spanwire.span(s) for s in done]
    ours = made.batch(list(made.outbox.queue))
    theirs = encoder.encode_spans([as_sdk(s, made) for s in done]).SerializeToString()
    assert ours == theirs


def test_a_caller_trace_is_continued_and_its_state_passed_on() -> None:
    made = recorder()
    sent: dict[str, str] = {}
    carrier = {"traceparent": f"00-{REMOTE_TRACE:032x}-00f067aa0ba902b7-01", "tracestate": "a=1"}
    with made.server(GET, carrier) as server, made.client(ROOT, sent) as client:
        assert server.trace() == f"{REMOTE_TRACE:032x}" == made.trace_id()
    assert sent["traceparent"] == f"00-{REMOTE_TRACE:032x}-{spanwire.hex_id(client.id)}-01"
    assert sent["tracestate"] == "a=1"
    assert server.remote and spanwire.hex_id(server.parent) == "00f067aa0ba902b7"
    assert client.parent == server.id
    assert server.view()["parent"] == "00f067aa0ba902b7"


def test_an_exception_marks_the_span_with_its_type_only() -> None:
    made = recorder()
    kept: list[spans.Recorded] = []
    made.keep = kept.append
    with pytest.raises(ValueError), made.server(GET, None):
        raise ValueError("secret-input-value")
    (span,) = kept
    assert span.error and span.attributes["error.type"] == "ValueError"
    assert "secret-input-value" not in str(span.attributes)


def test_the_configured_sampler_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    made = recorder()
    sent: dict[str, str] = {}
    with made.server(GET, None), made.client(ROOT, sent):
        pass
    assert not made.outbox.queue and sent["traceparent"].endswith("-00")


def test_the_exporter_still_encodes_other_spans_itself() -> None:
    original = shipping.hook(trace_exporter)
    try:
        made = recorder()
        done = finished(made)
        readable = [as_sdk(s, made) for s in done]
        expected = original(readable).SerializeToString()
        assert trace_exporter.encode_spans(readable).SerializeToString() == expected
        batch = shipping.Batch(b"made", 1)
        assert trace_exporter.encode_spans(batch) is batch
    finally:
        trace_exporter.encode_spans = original


class Collecting(sdk.export.SpanExporter):  # type: ignore[misc,name-defined]
    """An exporter that keeps what it is given."""

    def __init__(self) -> None:
        self.batches: list[Any] = []
        self.arrived = threading.Event()

    def export(self, batch: Any) -> Any:
        self.batches.append(batch)
        self.arrived.set()
        return sdk.export.SpanExportResult.SUCCESS


def test_a_full_batch_is_sent_at_once_and_the_rest_at_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "3")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")
    exporter = Collecting()
    outbox = shipping.Outbox(shipping.setting("OTEL_BSP_MAX_QUEUE_SIZE"))
    shipper = shipping.Shipper(exporter, outbox, b"".join)
    outbox.queue.extend(bytes([n]) for n in range(4))
    assert exporter.arrived.wait(10)
    assert [len(b) for b in exporter.batches] == [3]
    shipper.shutdown(5.0)
    assert [b.SerializeToString() for b in exporter.batches] == [b"\x00\x01\x02", b"\x03"]


def test_a_full_outbox_drops_and_counts() -> None:
    made = spans.Recorder("svc", shipping.Outbox(2), lambda span: None)
    for _ in range(3):
        with made.server(GET, None):
            pass
    assert len(made.outbox.queue) == 2 and made.outbox.dropped == 1


def test_a_bad_setting_falls_back_to_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "soon")
    assert shipping.setting("OTEL_BSP_SCHEDULE_DELAY") == 5000


def test_a_part_batch_is_sent_on_the_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
    exporter = Collecting()
    outbox = shipping.Outbox(10)
    shipper = shipping.Shipper(exporter, outbox, b"".join)
    try:
        outbox.queue.append(b"one")
        assert exporter.arrived.wait(10)
        assert [b.SerializeToString() for b in exporter.batches] == [b"one"]
    finally:
        shipper.shutdown(5.0)
