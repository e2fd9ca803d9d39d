"""Traces end to end: `naftiko run` exports spans over OTLP/HTTP to a receiver of ours
(decoded with the official `opentelemetry-proto` messages); a REST call and a Kombo tool call
each give an inbound span with the upstream call below it, the caller's trace continues into
the upstream through `traceparent`, retries are events, and no attribute holds the API key."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, KOMBO, clean_env
from mcp_client import ACCEPT, INITIALIZE, stateless_request, with_client
from upstreams import KOMBO_KEY, kombo

trace_service = pytest.importorskip(
    "opentelemetry.proto.collector.trace.v1.trace_service_pb2",
    reason="the tracing test needs opentelemetry-proto (in the test extra)",
)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


def receiver(request: web.Request) -> web.Response:
    return web.Response(body=b"", content_type="application/x-protobuf")


def spans_of(otlp: Any) -> list[dict[str, Any]]:
    found = []
    for seen in otlp.requests:
        message = trace_service.ExportTraceServiceRequest()
        message.ParseFromString(seen.body)
        for resource in message.resource_spans:
            service = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                for span in scope.spans:
                    found.append(
                        {
                            "name": span.name,
                            "trace": span.trace_id.hex(),
                            "id": span.span_id.hex(),
                            "parent": span.parent_span_id.hex(),
                            "kind": span.kind,
                            "attributes": {a.key: _value(a.value) for a in span.attributes},
                            "events": [e.name for e in span.events],
                            "service": service.get("service.name"),
                        }
                    )
    return found


def _value(value: Any) -> Any:
    return getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None


def kombo_run(naftiko_run, upstream, *extra: str, **env: str) -> Any:
    """`naftiko run` of Kombo general against ``upstream``, its adapters on free ports."""
    return naftiko_run(
        str(KOMBO / "kombo-general.yaml"),
        f"--base-uri=kombo-general={upstream.url}/v1",
        "--port=kombo-general-rest=0",
        "--port=kombo-general-mcp=0",
        *extra,
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY, **env),
    )


def collected(otlp: Any, running: Any, count: int) -> list[dict[str, Any]]:
    running.stop()  # a stop flushes what is buffered
    deadline = time.monotonic() + 10
    while len(spans_of(otlp)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return spans_of(otlp)


def test_a_rest_call_continues_the_callers_trace_into_the_upstream(serve, naftiko_run) -> None:
    otlp, upstream = serve(receiver), serve(kombo)
    running = kombo_run(
        naftiko_run, upstream, OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url, OTEL_BSP_SCHEDULE_DELAY="50"
    )
    traceparent = f"00-{TRACE_ID}-{PARENT}-01"
    answer = httpx.get(
        running.urls["kombo-general-rest"] + "/v1/integrations/abc",
        headers={"traceparent": traceparent},
    )
    assert answer.status_code == 200, answer.text
    sent = upstream.last.headers["traceparent"]
    assert sent.startswith(f"00-{TRACE_ID}-") and PARENT not in sent

    async def work(client):
        return await client.call_tool("get-integration-details", {"integration_id": "abc"})

    with_client(running.urls["kombo-general-mcp"] + "/mcp", work)
    spans = collected(otlp, running, 4)
    by_name = {s["name"]: s for s in spans}
    rest = by_name["GET /v1/integrations/{integration-id}"]
    assert (rest["trace"], rest["parent"]) == (TRACE_ID, PARENT)
    assert rest["attributes"]["http.route"] == "/v1/integrations/{integration-id}"
    assert rest["attributes"]["http.response.status_code"] == 200
    calls = [s for s in spans if s["name"] == "GET /integrations/{integration_id}"]
    assert {c["parent"] for c in calls} >= {rest["id"]}
    assert rest["attributes"]["url.scheme"] == "http"
    tool = by_name["tools/call get-integration-details"]
    assert tool["attributes"]["gen_ai.tool.name"] == "get-integration-details"
    assert tool["attributes"]["gen_ai.operation.name"] == "execute_tool"
    assert tool["attributes"]["mcp.method.name"] == "tools/call"
    assert tool["attributes"]["network.transport"] == "tcp"
    assert tool["attributes"]["mcp.protocol.version"]
    assert tool["attributes"]["jsonrpc.request.id"]
    host, port = upstream.url.removeprefix("http://").split(":")
    assert {(c["attributes"]["server.address"], c["attributes"]["server.port"]) for c in calls} == {
        (host, int(port))
    }
    assert any(c["parent"] == tool["id"] and c["trace"] == tool["trace"] for c in calls)
    assert sent.split("-")[2] in {c["id"] for c in calls}  # the upstream saw the client span
    assert rest["service"] == "kombo-api"
    for span in spans:
        assert KOMBO_KEY not in str(span["attributes"])


def test_retries_are_events_on_the_upstream_span(serve, naftiko_run) -> None:
    otlp = serve(receiver)
    answers = iter([503, 200])

    def flaky(request: web.Request) -> web.Response:
        status = next(answers, 200)
        return web.json_response({"id": "1"}, status=status, headers={"Retry-After": "0"})

    upstream = serve(flaky)
    running = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        env=clean_env(
            SHOP_UPSTREAM_TOKEN="shop-token-1234",
            OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url,
            OTEL_BSP_SCHEDULE_DELAY="50",
        ),
    )
    assert httpx.get(running.urls["shop"] + "/whole/7").status_code == 200
    spans = collected(otlp, running, 2)
    (call,) = [s for s in spans if s["kind"] == 3]  # CLIENT
    assert call["events"] == ["retry"]
    assert call["attributes"]["http.response.status_code"] == 200
    assert "shop-token-1234" not in str(spans)


def test_without_an_endpoint_nothing_is_exported_and_nothing_is_sent(serve, naftiko_run) -> None:
    upstream = serve(kombo)
    running = kombo_run(naftiko_run, upstream)
    httpx.get(running.urls["kombo-general-rest"] + "/v1/integrations/abc")
    assert "traceparent" not in upstream.last.headers
    assert "tracing" not in running.log()


def test_the_control_port_shows_the_last_spans_of_a_trace(serve, naftiko_run) -> None:
    otlp, upstream = serve(receiver), serve(kombo)
    running = kombo_run(
        naftiko_run, upstream, "--control-port=0", OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url
    )
    traceparent = f"00-{TRACE_ID}-{PARENT}-01"
    rest = running.urls["kombo-general-rest"]
    httpx.get(f"{rest}/v1/integrations/abc", headers={"traceparent": traceparent})
    httpx.get(f"{rest}/v1/check-api-key")  # another trace
    control = running.urls["control"]
    spans = httpx.get(f"{control}/traces", params={"trace": TRACE_ID}).json()["spans"]
    assert [s["kind"] for s in spans] == ["server", "client"]  # newest first: the server ends last
    server, client = spans
    assert client["parent"] == server["span"] and server["parent"] == PARENT
    assert server["name"] == "GET /v1/integrations/{integration-id}"
    assert KOMBO_KEY not in str(spans)
    assert len(httpx.get(f"{control}/traces").json()["spans"]) == 4
    assert httpx.get(f"{control}/traces/{TRACE_ID}").json()["spans"] == spans


def test_traces_say_when_tracing_is_off(serve, naftiko_run) -> None:
    upstream = serve(kombo)
    running = kombo_run(naftiko_run, upstream, "--control-port=0")
    answer = httpx.get(f"{running.urls['control']}/traces")
    assert answer.status_code == 404
    assert "tracing is off" in answer.json()["detail"]


def _session_call(mcp: str, tool: dict[str, Any], meta: dict[str, str]) -> httpx.Response:
    """A 2025-11-25 `tools/call` in a session, ``meta`` in its `_meta`."""
    opened = httpx.post(mcp, json=INITIALIZE, headers=ACCEPT)
    session = {**ACCEPT, "Mcp-Session-Id": opened.headers["Mcp-Session-Id"]}
    session["MCP-Protocol-Version"] = "2025-11-25"
    httpx.post(mcp, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session)
    body = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {**tool, "_meta": meta}}
    return httpx.post(mcp, json=body, headers=session)


def _stateless_call(mcp: str, tool: dict[str, Any], meta: dict[str, str]) -> httpx.Response:
    """A 2026-07-28 `tools/call`, ``meta`` beside the era's own `_meta` fields."""
    body, headers = stateless_request("tools/call", **tool)
    body["params"]["_meta"].update(meta)
    return httpx.post(mcp, json=body, headers={**ACCEPT, **headers})


@pytest.mark.parametrize("call", [_session_call, _stateless_call], ids=["2025-11-25", "2026-07-28"])
def test_an_mcp_call_continues_the_trace_its_meta_carries(serve, naftiko_run, call) -> None:
    otlp, upstream = serve(receiver), serve(kombo)
    running = kombo_run(
        naftiko_run, upstream, "--control-port=0", OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url
    )
    tool = {"name": "get-integration-details", "arguments": {"integration_id": "abc"}}
    meta = {"traceparent": f"00-{TRACE_ID}-{PARENT}-01", "tracestate": "vendor=1"}
    answer = call(running.urls["kombo-general-mcp"] + "/mcp", tool, meta)
    assert answer.status_code == 200, answer.text
    assert upstream.last.headers["traceparent"].startswith(f"00-{TRACE_ID}-")
    assert upstream.last.headers["tracestate"] == "vendor=1"
    control = running.urls["control"]
    spans = httpx.get(f"{control}/traces", params={"trace": TRACE_ID}).json()["spans"]
    server, client = spans
    assert server["name"] == "tools/call get-integration-details"
    assert server["parent"] == PARENT and client["parent"] == server["span"]
