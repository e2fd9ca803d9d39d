"""What a request does shows on its spans: each step of an orchestrated tool is a span of
its own, with its upstream call below it; a wait under a limit the upstream announced is an
event on that call's span; a call an open circuit refuses is never made, so the request's own
span says so."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, KOMBO, clean_env
from mcp_client import ACCEPT, stateless_request
from naftiko.engine import Engine
from naftiko.observe import tracing
from naftiko.spec import load
from upstreams import KOMBO_KEY, CountingKombo

pytest.importorskip("opentelemetry.sdk.trace", reason="tracing needs the otel extra")

CIRCUIT = """      x-naftiko-resilience:
        retries: 0
        circuit:
          failures: 2
          openSeconds: 30
"""


def receiver(request: web.Request) -> web.Response:
    return web.Response(body=b"", content_type="application/x-protobuf")


@pytest.fixture
def traced(serve) -> Iterator[None]:
    """Tracing on in this process, exporting to a receiver of ours; off again after."""
    assert tracing.configure("events-test", tracing.Settings(endpoint=serve(receiver).url))
    yield
    tracing.shutdown()


def test_waits_under_an_announced_limit_are_events_on_the_call_spans(serve, traced) -> None:
    upstream = serve(CountingKombo(limit=2))
    engine = Engine(
        load(KOMBO / "kombo-general.yaml"),
        base_uris={"kombo-general": f"{upstream.url}/v1"},
        environ={"KOMBO_API_KEY": KOMBO_KEY},
    )

    async def one() -> Any:
        sync = "kombo-general.postforcesync"
        return await engine.invoke(sync, {"X-Integration-Id": "int-1", "body": {}})

    async def run() -> None:
        try:
            await one()  # the answer announces the limit: 2 at a time
            await asyncio.gather(*(one() for _ in range(6)))
        finally:
            await engine.close()

    asyncio.run(run())
    spans = tracing.recent() or []
    assert len(spans) == 7
    waited = [s for s in spans if "limit-wait" in s["events"]]
    assert waited and all(s["kind"] == "client" for s in waited)
    assert KOMBO_KEY not in str(spans)


def test_a_call_refused_by_an_open_circuit_is_an_event_on_the_request_span(
    tmp_path, serve, naftiko_run
) -> None:
    otlp = serve(receiver)
    upstream = serve(lambda request: web.json_response({"id": "1"}, status=500))
    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    head, marker, tail = text.partition("      baseUri:")
    path = tmp_path / "shop.yaml"
    path.write_text(head + CIRCUIT + marker + tail, encoding="utf-8")
    running = naftiko_run(
        str(path),
        f"--base-uri=echo={upstream.url}",
        "--control-port=0",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234", OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url),
    )
    statuses = [httpx.get(running.urls["shop"] + "/whole/7").status_code for _ in range(3)]
    assert statuses == [500, 500, 503]
    assert len(upstream.requests) == 2
    newest = httpx.get(running.urls["control"] + "/traces").json()["spans"][0]
    assert newest["kind"] == "server" and newest["events"] == ["circuit-open"]
    assert newest["attributes"]["http.response.status_code"] == 503
    assert newest["status"] == "error"


def fleet(request: web.Request) -> web.Response:
    if request.path == "/crew":
        return web.json_response(
            [{"crewId": "c1", "name": "Erik"}, {"crewId": "c2", "name": "Aiko"}]
        )
    return web.json_response({"name": "Northern Star", "crew": ["c2"]})


def test_each_step_of_an_orchestrated_tool_is_a_span_with_its_call_below(
    serve, naftiko_run
) -> None:
    otlp, upstream = serve(receiver), serve(fleet)
    running = naftiko_run(
        str(FIXTURES / "orchestrated.yaml"),
        f"--base-uri=fleet={upstream.url}",
        "--control-port=0",
        env=clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url),
    )
    body, headers = stateless_request(
        "tools/call", name="get-ship-with-crew", arguments={"imo": "IMO-1"}
    )
    answer = httpx.post(
        running.urls["fleet-tools"] + "/mcp", json=body, headers={**ACCEPT, **headers}
    )
    assert answer.json()["result"]["structuredContent"]["crew"] == [{"name": "Aiko"}]
    spans = httpx.get(running.urls["control"] + "/traces").json()["spans"]
    by_name = {s["name"]: s for s in spans}
    tool = by_name["tools/call get-ship-with-crew"]
    steps = [by_name[f"step {n}"] for n in ("get-ship", "list-crew", "resolve-crew")]
    assert all(s["kind"] == "internal" and s["parent"] == tool["span"] for s in steps)
    assert by_name["GET /ships/{imo}"]["parent"] == steps[0]["span"]
    assert by_name["GET /crew"]["parent"] == steps[1]["span"]
    assert steps[2]["attributes"]["naftiko.step.type"] == "lookup"
    assert len(spans) == 6
