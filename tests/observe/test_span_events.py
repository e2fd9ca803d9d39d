"""What slows or stops an upstream call shows on a span: a wait under a limit the upstream
announced is an event on that call's span; a call an open circuit refuses is never made, so
the request's own span says so."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, KOMBO, clean_env
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
    assert tracing.configure("events-test", endpoint=serve(receiver).url)
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
