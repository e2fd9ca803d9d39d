"""A drain stops within the grace period and answers what is left with 503, never a dropped
connection."""

from __future__ import annotations

import asyncio
import signal
import threading
import time

import httpx
from aiohttp import web

from conftest import FIXTURES, clean_env


async def stuck(request: web.Request) -> web.Response:
    await asyncio.sleep(4)  # past every grace period here; short, so the test server stops soon
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


async def late(request: web.Request) -> web.Response:
    await asyncio.sleep(1.5)
    return web.json_response({"late": True})


def test_a_request_that_comes_after_sigterm_gets_503_with_retry_after(serve, naftiko_run) -> None:
    upstream = serve(late)
    running = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        "--grace-period=10",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
    )
    url = running.urls["shop"] + "/items/1"
    with httpx.Client(timeout=30) as kept, httpx.Client(timeout=30) as other:
        assert kept.get(url).status_code == 200  # its connection stays open
        answers: list[httpx.Response] = []
        caller = threading.Thread(target=lambda: answers.append(other.get(url)))
        caller.start()
        deadline = time.monotonic() + 10
        while len(upstream.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        running.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        after = kept.get(url)  # on the connection kept alive, during the drain
        caller.join(30)
    assert after.status_code == 503
    assert after.headers["Retry-After"] == "1"
    assert after.headers["Connection"] == "close"
    assert after.headers["Content-Type"].startswith("application/problem+json")
    assert answers[0].status_code == 200  # the one in flight finishes
    assert running.process.wait(30) == 0
    assert len(upstream.requests) == 2  # the late one never reached the upstream
    assert "1 request(s) that came while stopping were answered 503" in running.log()


def test_a_request_cut_at_the_grace_period_is_logged_as_the_503_it_gets(serve, naftiko_run) -> None:
    upstream = serve(stuck)
    running = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        "--grace-period=0.5",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
    )
    caller = threading.Thread(target=lambda: httpx.get(running.urls["shop"] + "/items/1"))
    caller.start()
    deadline = time.monotonic() + 10
    while not upstream.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    running.stop(timeout=30)
    caller.join(30)
    access = [line for line in running.log().splitlines() if "naftiko.access" in line]
    assert len(access) == 1 and " 503 " in access[0], access
