"""The response cache serves every caller, so an upstream answer marked `Cache-Control:
private` is never kept in it, in-process or in Redis; `s-maxage` speaks to it first."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES


def numbered(control: str):
    calls = {"n": 0}

    def answer(request: web.Request) -> web.Response:
        calls["n"] += 1
        return web.json_response({"n": calls["n"]}, headers={"Cache-Control": control})

    return answer, calls


@pytest.fixture
def cached(serve, serve_capability, monkeypatch):
    monkeypatch.setenv("INVENTORY_TOKEN", "inventory-token-1234")

    def start(control: str, **options):
        handler, calls = numbered(control)
        upstream = serve(handler)
        urls = serve_capability(
            FIXTURES / "cached.yaml", base_uris={"inventory": upstream.url}, **options
        )
        return f"{urls['inventory-rest']}/items/1", calls

    return start


@pytest.mark.parametrize("control", ["private", "private, max-age=60", "max-age=60, private"])
def test_a_private_answer_is_not_kept(cached, control: str) -> None:
    url, calls = cached(control)
    assert [httpx.get(url).json()["n"] for _ in range(3)] == [1, 2, 3]
    assert calls["n"] == 3


def test_a_private_answer_is_not_kept_in_redis(cached, redis_server) -> None:
    pytest.importorskip("redis", reason="needs the redis extra")
    url, _ = cached("private, max-age=60", state=redis_server.url)
    assert [httpx.get(url).json()["n"] for _ in range(3)] == [1, 2, 3]


def test_s_maxage_speaks_to_this_cache_before_max_age(cached) -> None:
    url, _ = cached("max-age=60, s-maxage=0")
    assert [httpx.get(url).json()["n"] for _ in range(2)] == [1, 2]


def test_a_public_answer_is_still_kept(cached) -> None:
    url, _ = cached("public, max-age=60")
    assert [httpx.get(url).json()["n"] for _ in range(3)] == [1, 1, 1]
