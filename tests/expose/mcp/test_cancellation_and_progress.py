"""A cancelled call stops its upstream request; a retried call reports progress, in order.

Both through the official MCP client, in both eras: on 2025-11-25 the client cancels with
`notifications/cancelled` on its session, on 2026-07-28 by closing the request's stream.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from conftest import FIXTURES
from mcp_client import wire, with_client

LONG = FIXTURES / "long-calls.yaml"
ERAS = ["legacy", "auto"]  # the SDK client's 2025-11-25 and 2026-07-28 sessions


class Slow:
    """`/hang` answers only after its client hung up (bounded); `/flaky` is busy twice."""

    def __init__(self) -> None:
        self.closed: list[float] = []
        self.flaky_calls = 0

    async def __call__(self, request: web.Request) -> web.Response:
        if request.path == "/flaky":
            self.flaky_calls += 1
            if self.flaky_calls % 3:
                return web.json_response({"busy": True}, status=503, headers={"Retry-After": "0"})
            return web.json_response({"done": True})
        for _ in range(200):  # at most 10 s
            await asyncio.sleep(0.05)
            transport = request.transport
            if transport is None or transport.is_closing():
                self.closed.append(time.monotonic())
                break
        return web.json_response({"late": True})


@pytest.fixture
def long_calls(serve, serve_capability):
    slow = Slow()
    upstream = serve(slow)
    url = serve_capability(LONG, base_uris={"slow": upstream.url})["long"] + "/mcp"
    return url, slow, upstream


@pytest.mark.parametrize("mode", ERAS)
def test_a_cancelled_call_closes_its_upstream_connection(long_calls, mode: str) -> None:
    url, slow, _ = long_calls

    async def work(client):
        with pytest.raises(Exception):  # noqa: B017  (the SDK's timeout error)
            await client.call_tool("hang", {}, read_timeout_seconds=0.5)
        cancelled = time.monotonic()
        for _ in range(100):  # the upstream notices within a few polls
            if slow.closed:
                break
            await asyncio.sleep(0.05)
        return cancelled

    cancelled = with_client(url, work, mode=mode)
    assert slow.closed, "the upstream never saw its connection close"
    assert slow.closed[0] - cancelled < 3


@pytest.mark.parametrize("mode", ERAS)
def test_progress_arrives_in_order_before_the_result(long_calls, mode: str) -> None:
    url, _, upstream = long_calls
    seen: list[tuple[float, str | None]] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, message))

    async def work(client):
        return await client.call_tool("flaky", {}, progress_callback=progress)

    result = with_client(url, work, mode=mode)
    assert wire(result)["isError"] is False
    assert [value for value, _ in seen] == [1, 2]
    assert all("answered 503; retrying" in (message or "") for _, message in seen)
    assert len(upstream.requests) == 3
