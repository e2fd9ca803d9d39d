"""A stop ends within the grace period and a second, whatever the trace collector does:
down, or taking connections and never answering."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, clean_env
from upstreams import echo

pytest.importorskip("opentelemetry.exporter.otlp.proto.http", reason="needs the otel extra")


async def hanging(request: web.Request) -> web.Response:
    await asyncio.sleep(6)  # past any stop budget; bounded, so that the test server stops
    return web.Response()


def stopped_in(serve, naftiko_run, endpoint: str, grace: float) -> tuple[float, str]:
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "workers.yaml"),
        "--mcp-stateless",
        f"--base-uri=echo={upstream.url}",
        f"--grace-period={grace:g}",
        env=clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_BSP_SCHEDULE_DELAY="200"),
    )
    rest = running.urls["workers-rest"]
    with httpx.Client() as client:
        for n in range(50):
            assert client.get(f"{rest}/items/{n}").status_code == 200
    time.sleep(0.5)  # a batch is on its way, into the collector's failure
    for n in range(50):  # and more wait in the queue
        httpx.get(f"{rest}/items/{n}")
    started = time.monotonic()
    assert running.stop(timeout=60) == 0
    return time.monotonic() - started, running.log()


def test_a_stop_with_the_collector_down_ends_within_the_grace_period(serve, naftiko_run) -> None:
    took, log = stopped_in(serve, naftiko_run, "http://127.0.0.1:9", grace=2)
    assert took < 3.0, f"took {took:.2f}s with a 2s grace period\n{log[-2000:]}"
    assert "Traceback" not in log


def test_a_stop_with_a_hanging_collector_ends_within_the_grace_period(serve, naftiko_run) -> None:
    collector = serve(hanging)
    took, log = stopped_in(serve, naftiko_run, collector.url, grace=1)
    assert took < 2.0, f"took {took:.2f}s with a 1s grace period\n{log[-2000:]}"
    assert "span(s) not exported at stop" in log
