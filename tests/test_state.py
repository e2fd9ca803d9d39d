"""State shared through a real Redis (`--state`): two `naftiko run` processes serve each
other's MCP sessions, keep one upstream limit together, share the response cache, and refuse
to call past a limit while Redis is away, resuming when it returns."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, KOMBO, clean_env
from mcp_client import ACCEPT, INITIALIZE
from upstreams import KOMBO_KEY, CountingKombo

KOMBO_GENERAL = KOMBO / "kombo-general.yaml"


@pytest.fixture
def two_kombos(serve, naftiko_run, redis_server):
    """Two replicas of the published Kombo file sharing one Redis, before one Kombo."""
    kombo = CountingKombo()
    upstream = serve(kombo)
    replicas = [
        naftiko_run(
            str(KOMBO_GENERAL),
            "--port=kombo-general-rest=0",
            "--port=kombo-general-mcp=0",
            f"--base-uri=kombo-general={upstream.url}/v1",
            f"--state={redis_server.url}",
            env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
        )
        for _ in range(2)
    ]
    return replicas, kombo, redis_server


def sync(url: str, integration: str = "int-1") -> httpx.Response:
    return httpx.post(
        f"{url}/v1/force-sync", json={}, headers={"X-Integration-Id": integration}, timeout=60
    )


def burst(urls: list[str], count: int) -> list[int]:
    async def main() -> list[int]:
        async with httpx.AsyncClient(timeout=60) as client:

            async def one(n: int) -> int:
                answer = await client.post(
                    f"{urls[n % len(urls)]}/v1/force-sync",
                    json={},
                    headers={"X-Integration-Id": "int-1"},
                )
                return answer.status_code

            return list(await asyncio.gather(*(one(n) for n in range(count))))

    return asyncio.run(main())


def test_a_session_opened_on_one_replica_is_served_by_the_other(two_kombos) -> None:
    (first, second), _, _ = two_kombos
    a, b = first.urls["kombo-general-mcp"] + "/mcp", second.urls["kombo-general-mcp"] + "/mcp"
    opened = httpx.post(a, json=INITIALIZE, headers=ACCEPT)
    session = {**ACCEPT, "Mcp-Session-Id": opened.headers["Mcp-Session-Id"]}
    listed = httpx.post(
        b, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=session
    )
    assert listed.status_code == 200
    assert "tools" in listed.text
    assert httpx.delete(b, headers=session).status_code == 200
    gone = httpx.post(a, json={"jsonrpc": "2.0", "id": 3, "method": "ping"}, headers=session)
    assert gone.status_code == 404


def test_two_replicas_keep_kombos_30_together_once_it_was_announced(two_kombos) -> None:
    replicas, kombo, _ = two_kombos
    urls = [r.urls["kombo-general-rest"] for r in replicas]
    assert sync(urls[0]).status_code == 200  # Kombo announces its limit; Redis keeps it
    statuses = burst(urls, 100)
    assert statuses == [200] * 100
    assert kombo.most["int-1"] <= 30
    assert kombo.refused == 0


def test_a_cold_burst_across_replicas_succeeds_through_retries(two_kombos) -> None:
    replicas, kombo, _ = two_kombos
    statuses = burst([r.urls["kombo-general-rest"] for r in replicas], 100)
    assert statuses == [200] * 100
    assert kombo.served == 100


def test_without_redis_a_limited_call_is_refused_and_resumes_after(two_kombos) -> None:
    replicas, kombo, redis = two_kombos
    url = replicas[0].urls["kombo-general-rest"]
    assert sync(url).status_code == 200
    served = kombo.served
    redis.stop()
    refused = sync(url)
    assert refused.status_code == 503
    problem: dict[str, Any] = refused.json()
    assert "shared state (Redis) is unreachable" in problem["detail"]
    assert kombo.served == served  # nothing was sent unlimited
    assert "shared state" in replicas[0].log()
    redis.start()
    assert sync(url).status_code == 200


def test_the_response_cache_is_shared(serve, naftiko_run, redis_server, monkeypatch) -> None:
    calls = {"n": 0}

    def inventory(request: web.Request) -> web.Response:
        calls["n"] += 1
        return web.json_response({"n": calls["n"]})

    upstream = serve(inventory)
    env = clean_env(INVENTORY_TOKEN="inventory-token-1234")
    replicas = [
        naftiko_run(
            str(FIXTURES / "cached.yaml"),
            "--port=inventory-rest=0",
            "--port=inventory-mcp=0",
            f"--base-uri=inventory={upstream.url}",
            f"--state={redis_server.url}",
            env=env,
        )
        for _ in range(2)
    ]
    answers = [httpx.get(f"{r.urls['inventory-rest']}/items/1").json() for r in replicas]
    assert answers == [{"n": 1}, {"n": 1}]
    assert calls["n"] == 1
