"""An attempt on an upstream has `--timeout` seconds in all, headers and body, kept by one
sweep per namespace rather than a timer per call: late, it is a timeout (504) that names
the limit; the task that made it goes on as if never cancelled; any other cancellation
still cancels; a token request has its own limit."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from naftiko.consume.client import Timeouts, UpstreamClient
from naftiko.consume.request import Outgoing
from naftiko.errors import UpstreamUnavailable

TOTAL = 0.3


async def _answer(request: web.Request) -> web.StreamResponse:
    if request.path == "/silent":
        await asyncio.sleep(3)
    if request.path == "/trickle":
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for _ in range(50):
            await response.write(b" ")
            await asyncio.sleep(0.1)
        await response.write(b"{}")
        return response
    return web.json_response({"ok": True})


def _send(url: str, *paths: str) -> list[object]:
    """Each path fetched in turn by one task: the answer's status, or the error raised."""

    async def run() -> list[object]:
        client = UpstreamClient("slow", Timeouts(total=TOTAL, connect=TOTAL))
        found: list[object] = []
        try:
            for path in paths:
                try:
                    found.append((await client.send(Outgoing("GET", url + path))).status)
                except UpstreamUnavailable as exc:
                    found.append(exc)
            task = asyncio.current_task()
            assert task is not None
            found.append(task.cancelling())
        finally:
            await client.close()
        return found

    return asyncio.run(run())


def test_an_upstream_that_never_answers_is_a_timeout_at_the_limit(serve) -> None:
    upstream = serve(_answer)
    began = time.monotonic()
    (failed, _) = _send(upstream.url, "/silent")
    took = time.monotonic() - began
    assert isinstance(failed, UpstreamUnavailable)
    assert failed.timeout and failed.http_status == 504
    assert f"did not answer within {TOTAL:g}s" in str(failed)
    assert TOTAL <= took < TOTAL + 1.5


def test_a_body_that_trickles_past_the_limit_is_a_timeout(serve) -> None:
    upstream = serve(_answer)
    (failed, _) = _send(upstream.url, "/trickle")
    assert isinstance(failed, UpstreamUnavailable) and failed.timeout


def test_the_task_goes_on_uncancelled_after_a_timeout(serve) -> None:
    upstream = serve(_answer)
    failed, answered, cancelling = _send(upstream.url, "/silent", "/fast")
    assert isinstance(failed, UpstreamUnavailable)
    assert answered == 200
    assert cancelling == 0


def test_a_cancellation_from_elsewhere_still_cancels(serve) -> None:
    upstream = serve(_answer)

    async def run() -> None:
        client = UpstreamClient("slow", Timeouts(total=30.0, connect=30.0))
        try:
            call = asyncio.ensure_future(client.send(Outgoing("GET", upstream.url + "/silent")))
            await asyncio.sleep(0.2)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
        finally:
            await client.close()

    asyncio.run(run())


def test_a_token_request_has_its_own_limit(serve) -> None:
    from naftiko.consume.oauth2 import ClientCredentials, TokenError
    from naftiko.engine.scope import CallScope
    from naftiko.spec.model import Auth

    upstream = serve(_answer)
    auth = Auth(
        "oauth2", {"tokenUrl": upstream.url + "/silent", "clientId": "c", "clientSecret": "s"}
    )
    credentials = ClientCredentials("slow", auth, CallScope({}, {}), timeout=TOTAL)

    async def run() -> None:
        client = UpstreamClient("slow", Timeouts(total=TOTAL, connect=TOTAL))
        try:
            with pytest.raises(TokenError, match="unreachable"):
                await credentials.authorize(client.session(), {})
        finally:
            await client.close()

    began = time.monotonic()
    asyncio.run(run())
    assert time.monotonic() - began < TOTAL + 1.5
