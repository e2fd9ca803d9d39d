"""Limits an upstream announces are learned and kept, against a Kombo-like server that allows
30 actions in flight per integration and says so in its headers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from conftest import KOMBO
from naftiko.consume.limits import Gate
from naftiko.engine import Engine
from naftiko.errors import UpstreamError
from naftiko.spec import load
from upstreams import KOMBO_KEY, CountingKombo

PUBLISHED = KOMBO / "kombo-general.yaml"
SYNC = "kombo-general.postforcesync"


def burst(base: str, batches: list[list[str]]) -> list[list[Any]]:
    """Each batch is a list of integration ids sent at once; batches run one after another,
    on one engine (so what one batch taught, the next knows)."""
    engine = Engine(
        load(PUBLISHED), base_uris={"kombo-general": base}, environ={"KOMBO_API_KEY": KOMBO_KEY}
    )

    async def one(integration: str) -> Any:
        try:
            return await engine.invoke(SYNC, {"X-Integration-Id": integration, "body": {}})
        except UpstreamError as exc:
            return exc

    async def run() -> list[list[Any]]:
        try:
            return [list(await asyncio.gather(*(one(i) for i in batch))) for batch in batches]
        finally:
            await engine.close()

    return asyncio.run(run())


def test_a_burst_of_100_after_an_announced_limit_never_exceeds_it(serve) -> None:
    kombo = CountingKombo()
    upstream = serve(kombo)
    _, results = burst(f"{upstream.url}/v1", [["int-1"], ["int-1"] * 100])
    assert all(not isinstance(r, UpstreamError) for r in results)
    assert kombo.most["int-1"] == 30
    assert kombo.refused == 0
    assert kombo.served == 101


def test_a_cold_burst_of_100_succeeds_through_retries(serve) -> None:
    kombo = CountingKombo()
    upstream = serve(kombo)
    [results] = burst(f"{upstream.url}/v1", [["int-1"] * 100])
    assert all(not isinstance(r, UpstreamError) for r in results), [
        r for r in results if isinstance(r, UpstreamError)
    ][:1]
    assert kombo.served == 100
    # the first answers taught the limit: the retries came at most 30 at a time
    assert kombo.refused <= 70


def test_one_integrations_limit_does_not_slow_another(serve) -> None:
    kombo = CountingKombo(limit=2)
    upstream = serve(kombo)
    burst(f"{upstream.url}/v1", [["int-1"], ["int-1"] * 6 + ["int-2"] * 6])
    assert kombo.most["int-1"] == 2
    assert kombo.most["int-2"] > 2 or kombo.refused > 0


def test_a_declared_per_header_limit_wins_over_the_announced_one(serve, tmp_path) -> None:
    kombo = CountingKombo(limit=30)
    upstream = serve(kombo)
    text = PUBLISHED.read_text(encoding="utf-8").replace(
        "    baseUri: https://api.kombo.dev/v1\n",
        "    baseUri: https://api.kombo.dev/v1\n"
        "    x-naftiko-resilience:\n      perHeader:\n        header: X-Integration-Id\n"
        "        limit: 5\n",
    )
    path = tmp_path / "kombo-general.yaml"
    path.write_text(text, encoding="utf-8")
    engine = Engine(
        load(path),
        base_uris={"kombo-general": f"{upstream.url}/v1"},
        environ={"KOMBO_API_KEY": KOMBO_KEY},
    )

    async def run() -> None:
        try:
            await engine.invoke(SYNC, {"X-Integration-Id": "int-1", "body": {}})
            calls = [
                engine.invoke(SYNC, {"X-Integration-Id": "int-1", "body": {}}) for _ in range(20)
            ]
            await asyncio.gather(*calls)
        finally:
            await engine.close()

    asyncio.run(run())
    assert kombo.most["int-1"] == 5


def test_a_spent_rate_limit_holds_the_next_request_until_its_reset(serve) -> None:
    arrivals: list[float] = []

    def limited(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        response = web.json_response({"status": "success", "data": {}})
        response.headers["RateLimit-Limit"] = "1"
        response.headers["RateLimit-Remaining"] = "0" if len(arrivals) == 1 else "5"
        response.headers["RateLimit-Reset"] = "1"
        return response

    upstream = serve(limited)
    burst(f"{upstream.url}/v1", [["int-1"], ["int-1"]])
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.9


def test_a_rate_limit_resetting_later_than_the_retry_budget_is_not_waited_for(serve) -> None:
    arrivals: list[float] = []

    def limited(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        response = web.json_response({"status": "success", "data": {}})
        response.headers["RateLimit-Remaining"] = "0"
        response.headers["RateLimit-Reset"] = "3600"
        return response

    upstream = serve(limited)
    burst(f"{upstream.url}/v1", [["int-1"], ["int-1"]])
    assert arrivals[1] - arrivals[0] < 0.5


def test_a_place_handed_to_a_cancelled_waiter_passes_to_the_next() -> None:
    async def run() -> list[str]:
        gate = Gate(1)
        order: list[str] = []
        await gate.enter()

        async def wait(name: str) -> None:
            await gate.enter()
            order.append(name)
            gate.leave()

        first = asyncio.create_task(wait("first"))
        second = asyncio.create_task(wait("second"))
        await asyncio.sleep(0)
        gate.leave()  # hands the place to `first` ...
        first.cancel()  # ... which goes away before it runs
        await asyncio.gather(first, second, return_exceptions=True)
        assert gate.busy == 0
        return order

    assert asyncio.run(run()) == ["second"]


def test_status_names_the_limits_learned(serve) -> None:
    upstream = serve(CountingKombo())
    engine = Engine(
        load(PUBLISHED),
        base_uris={"kombo-general": f"{upstream.url}/v1"},
        environ={"KOMBO_API_KEY": KOMBO_KEY},
    )

    async def run() -> list[dict[str, Any]]:
        try:
            await engine.invoke(SYNC, {"X-Integration-Id": "int-1", "body": {}})
            return engine.upstreams()
        finally:
            await engine.close()

    status = asyncio.run(run())
    assert status == [{"namespace": "kombo-general", "announcedLimits": {"action int-1": 30}}]
