"""The response cache (x-naftiko-cache): GET answers kept and served again without a call,
keyed by all that changes them, bounded, honouring the upstream's Cache-Control and ETag."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES
from mcp_client import stateless_request
from naftiko.consume.cache import CachePolicy, ResponseCache
from naftiko.consume.client import DEFAULT_TIMEOUTS, UpstreamClient
from naftiko.consume.request import Outgoing


class Inventory:
    """Numbers its answers, so a test can tell a kept answer from a new one."""

    def __init__(self) -> None:
        self.calls = 0
        self.headers: dict[str, str] = {}
        self.status = 200

    def __call__(self, request: web.Request) -> web.Response:
        self.calls += 1
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers=self.headers)
        body = {
            "path": request.path,
            "tenant": request.headers.get("X-Tenant"),
            "n": self.calls,
        }
        return web.json_response(body, status=self.status, headers=self.headers)


@pytest.fixture
def inventory(serve, serve_capability, monkeypatch):
    monkeypatch.setenv("INVENTORY_TOKEN", "inventory-token-1234")
    upstream = Inventory()
    served = serve(upstream)
    urls = serve_capability(FIXTURES / "cached.yaml", base_uris={"inventory": served.url})
    return urls, upstream


def test_a_second_get_is_answered_from_the_cache(inventory) -> None:
    urls, upstream = inventory
    first = httpx.get(f"{urls['inventory-rest']}/items/1")
    second = httpx.get(f"{urls['inventory-rest']}/items/1")
    assert first.json() == second.json() == {"path": "/items/1", "tenant": None, "n": 1}
    assert upstream.calls == 1
    assert second.headers["Cache-Control"].startswith("private, max-age=")
    assert 0 < int(second.headers["Cache-Control"].rsplit("=", 1)[1]) <= 60


def test_answers_differ_by_header_value(inventory) -> None:
    urls, upstream = inventory
    url = f"{urls['inventory-rest']}/items/1"
    a = httpx.get(url, headers={"X-Tenant": "a"}).json()
    b = httpx.get(url, headers={"X-Tenant": "b"}).json()
    again = httpx.get(url, headers={"X-Tenant": "a"}).json()
    assert (a["tenant"], b["tenant"], again) == ("a", "b", a)
    assert upstream.calls == 2


def test_an_operation_with_ttl_0_is_never_cached(inventory) -> None:
    urls, upstream = inventory
    for _ in range(3):
        answer = httpx.get(f"{urls['inventory-rest']}/live")
        assert "Cache-Control" not in answer.headers
    assert upstream.calls == 3


def test_no_store_from_the_upstream_keeps_nothing(inventory) -> None:
    urls, upstream = inventory
    upstream.headers = {"Cache-Control": "no-store"}
    httpx.get(f"{urls['inventory-rest']}/items/1")
    httpx.get(f"{urls['inventory-rest']}/items/1")
    assert upstream.calls == 2


def test_a_shorter_max_age_from_the_upstream_wins(inventory) -> None:
    urls, upstream = inventory
    upstream.headers = {"Cache-Control": "max-age=1"}
    httpx.get(f"{urls['inventory-rest']}/items/1")
    assert httpx.get(f"{urls['inventory-rest']}/items/1").json()["n"] == 1
    time.sleep(1.1)
    assert httpx.get(f"{urls['inventory-rest']}/items/1").json()["n"] == 2


def test_a_stale_answer_with_an_etag_is_revalidated(inventory) -> None:
    urls, upstream = inventory
    upstream.headers = {"Cache-Control": "no-cache", "ETag": '"v1"'}
    first = httpx.get(f"{urls['inventory-rest']}/items/1").json()
    second = httpx.get(f"{urls['inventory-rest']}/items/1").json()
    assert upstream.calls == 2  # the second was a conditional request, answered 304
    assert second == first


def test_errors_are_never_kept(inventory) -> None:
    urls, upstream = inventory
    upstream.status = 500
    httpx.get(f"{urls['inventory-rest']}/items/1")
    upstream.status = 200
    assert httpx.get(f"{urls['inventory-rest']}/items/1").status_code == 200
    assert upstream.calls == 2


def test_the_least_recently_used_answer_is_forgotten_first(inventory) -> None:
    urls, upstream = inventory  # maxEntries: 2
    for item in ("1", "2", "1", "3", "1", "2"):
        httpx.get(f"{urls['inventory-rest']}/items/{item}")
    # 1, 2 fetched; 1 kept; 3 fetched (2 forgotten); 1 kept; 2 fetched again
    assert upstream.calls == 4


def test_a_cached_mcp_resource_says_how_long_it_holds(inventory) -> None:
    urls, upstream = inventory
    body, headers = stateless_request("resources/read", uri="items://7")
    url = f"{urls['inventory-mcp']}/mcp"
    first = httpx.post(url, json=body, headers=headers).json()["result"]
    second = httpx.post(url, json=body, headers=headers).json()["result"]
    assert first["contents"] == second["contents"]
    assert upstream.calls == 1
    assert 0 < second["ttlMs"] <= 60_000
    assert second["cacheScope"] == "public"


def test_the_credential_is_part_of_the_key(serve) -> None:
    upstream = Inventory()
    served = serve(upstream)
    cache = ResponseCache(CachePolicy(ttl=60))
    client = UpstreamClient("inventory", DEFAULT_TIMEOUTS)

    async def get(token: str) -> int:
        request = Outgoing("GET", f"{served.url}/items/1", headers={"Authorization": token})
        response = await cache.send(client, request)
        return int(response.body.decode().rsplit(":", 1)[1].rstrip("}"))

    async def run() -> list[int]:
        try:
            return [await get("Bearer a"), await get("Bearer b"), await get("Bearer a")]
        finally:
            await client.close()

    assert asyncio.run(run()) == [1, 2, 1]
