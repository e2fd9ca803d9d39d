"""A cancelled call stops its upstream request; a retried call reports progress, in order.

Both through the official MCP client, in both eras: on 2025-11-25 the client cancels with
`notifications/cancelled` on its session, on 2026-07-28 by closing the request's stream.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
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


def test_a_cancel_notification_stops_the_named_call_which_answers_nothing(long_calls) -> None:
    """On a 2025-11-25 session, over plain HTTP: the call's request gets 202 and no body, the
    upstream request is dropped, and the session serves the next call."""
    url, slow, upstream = long_calls
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    }
    initialize = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }

    def call(id_: int, tool: str) -> dict[str, object]:
        params = {"name": tool, "arguments": {}}
        return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": params}

    async def run() -> tuple[int, bytes, int]:
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=initialize, headers=headers) as answer:
                await answer.read()
                headers["Mcp-Session-Id"] = answer.headers["Mcp-Session-Id"]
            hanging = asyncio.ensure_future(http.post(url, json=call(7, "hang"), headers=headers))
            for _ in range(100):  # until the call reached its upstream
                if upstream.requests:
                    break
                await asyncio.sleep(0.02)
            cancel = {"jsonrpc": "2.0", "method": "notifications/cancelled"}
            cancel["params"] = {"requestId": 7}
            async with http.post(url, json=cancel, headers=headers) as answer:
                assert answer.status == 202
            stopped = await asyncio.wait_for(hanging, 5)
            body = await stopped.read()
            async with http.post(url, json=call(8, "flaky"), headers=headers) as answer:
                next_status = answer.status
            return stopped.status, body, next_status

    status, body, next_status = asyncio.run(run())
    assert (status, body) == (202, b"")
    assert next_status == 200
    for _ in range(60):
        if slow.closed:
            break
        time.sleep(0.05)
    assert slow.closed, "the upstream request of the cancelled call was not dropped"
