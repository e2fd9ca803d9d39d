"""A drain stops within the grace period and answers what is left with 503, never a dropped
connection."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
from aiohttp import web

from conftest import FIXTURES, clean_env


async def stuck(request: web.Request) -> web.Response:
    await asyncio.sleep(10)
    return web.json_response({"late": True})


def test_a_request_past_the_grace_period_gets_503_and_the_process_stops_in_time(
    serve, naftiko_run
) -> None:
    upstream = serve(stuck)
    running = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        "--grace-period=1",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
    )
    answers: list[httpx.Response] = []
    caller = threading.Thread(
        target=lambda: answers.append(httpx.get(running.urls["shop"] + "/items/1", timeout=30))
    )
    caller.start()
    deadline = time.monotonic() + 10
    while not upstream.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    assert running.stop(timeout=30) == 0
    stopped = time.monotonic() - started
    caller.join(30)
    assert stopped < 2.5, f"took {stopped:.2f}s for a 1s grace period"
    assert answers[0].status_code == 503
    assert answers[0].headers["Content-Type"].startswith("application/problem+json")
    assert "answering 503" in running.log()
