"""A followed list ends within the operator's ceilings (pages, items, bytes, time) whatever
its file asks, and at the first cursor or page that repeats: no upstream holds a request or
its memory by paging forever."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES
from naftiko.engine import Engine
from naftiko.spec import load

ENDLESS = FIXTURES / "endless.yaml"


def endless(size: int = 10, pad: int = 0, delay: float = 0.0) -> Any:
    """A feed whose cursor never ends: each page holds ``size`` items of ``pad`` bytes."""

    async def answer(request: web.Request) -> web.Response:
        if delay:
            await asyncio.sleep(delay)
        at = int(request.query.get("cursor") or request.query.get("offset") or 0)
        items = [{"n": at + k, "pad": "x" * pad} for k in range(size)]
        return web.json_response({"items": items, "next": str(at + size)})

    return answer


def listed(upstream, target: str, **ceilings: Any) -> dict[str, Any]:
    engine = Engine(load(ENDLESS), base_uris={"feed": upstream.url}, resilience=ceilings)

    async def run() -> dict[str, Any]:
        try:
            return (await engine.invoke(target, {})).data  # type: ignore[no-any-return]
        finally:
            await engine.close()

    return asyncio.run(run())


def test_an_endless_cursor_stops_at_the_default_page_ceiling(serve, caplog) -> None:
    upstream = serve(endless())
    with caplog.at_level(logging.WARNING, "naftiko.pages"):
        answer = listed(upstream, "feed.list-cursor")
    assert len(upstream.requests) == 100
    assert len(answer["items"]) == 1000
    assert answer["next"] == "1000"  # where a caller goes on
    assert "ceiling is 100 pages (--max-pages)" in caplog.text


def test_the_page_ceiling_is_the_operators(serve) -> None:
    upstream = serve(endless())
    answer = listed(upstream, "feed.list-cursor", max_pages=7)
    assert len(upstream.requests) == 7
    assert answer["next"] == "70"


def test_the_item_ceiling_holds(serve) -> None:
    upstream = serve(endless(size=50))
    answer = listed(upstream, "feed.list-cursor", max_paged_items=120)
    assert len(answer["items"]) == 150  # pages are kept whole
    assert len(upstream.requests) == 3


def test_the_byte_ceiling_holds(serve, caplog) -> None:
    upstream = serve(endless(size=10, pad=10_000))  # about 100 kB a page
    with caplog.at_level(logging.WARNING, "naftiko.pages"):
        answer = listed(upstream, "feed.list-cursor", max_paged_bytes=350_000)
    assert len(upstream.requests) == 4
    assert len(answer["items"]) == 40
    assert "(--max-paged-bytes)" in caplog.text


def test_the_time_ceiling_answers_the_pages_in(serve, caplog) -> None:
    upstream = serve(endless(delay=0.1))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, "naftiko.pages"):
        answer = listed(upstream, "feed.list-cursor", max_paging_seconds=0.5)
    assert time.monotonic() - started < 2.0
    assert 3 <= len(upstream.requests) <= 7
    assert len(answer["items"]) == 10 * len(upstream.requests)
    assert "(--max-paging-seconds)" in caplog.text


def test_a_repeated_cursor_ends_the_list_without_duplicates(serve, caplog) -> None:
    def stuck(request: web.Request) -> web.Response:
        at = request.query.get("cursor") or "start"
        return web.json_response({"items": [{"from": at}], "next": "same"})

    upstream = serve(stuck)
    with caplog.at_level(logging.WARNING, "naftiko.pages"):
        answer = listed(upstream, "feed.list-cursor")
    assert answer["items"] == [{"from": "start"}, {"from": "same"}]
    assert answer["next"] is None
    assert len(upstream.requests) == 2
    assert "repeats an earlier request" in caplog.text


def test_an_upstream_ignoring_its_offset_ends_the_list(serve, caplog) -> None:
    def same(request: web.Request) -> web.Response:
        return web.json_response({"items": [{"n": 1}, {"n": 2}]})

    upstream = serve(same)
    with caplog.at_level(logging.WARNING, "naftiko.pages"):
        answer = listed(upstream, "feed.list-offset")
    assert answer["items"] == [{"n": 1}, {"n": 2}]
    assert len(upstream.requests) == 2
    assert "repeats an earlier page" in caplog.text


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read RSS")
def test_memory_returns_after_lists_at_the_ceiling(serve, naftiko_run) -> None:
    upstream = serve(endless(size=100, pad=2000))  # about 200 kB a page, without end
    running = naftiko_run(
        str(ENDLESS), f"--base-uri=feed={upstream.url}", "--max-paged-bytes=16000000"
    )
    url = running.urls["feed-rest"] + "/cursor"
    with httpx.Client(timeout=60) as client:
        assert client.get(url).status_code == 200  # warm: pools, buffers, caches
        time.sleep(1.5)  # freed memory goes back shortly after a big answer
        before = rss(running.process.pid)
        for _ in range(5):
            answer = client.get(url)
            assert answer.status_code == 200
            assert 16_000_000 <= len(answer.content) < 20_000_000
        time.sleep(1.5)
    grown = rss(running.process.pid) - before
    assert grown < 8 * 1024 * 1024, f"RSS grew {grown / 2**20:.1f} MiB over 5 lists"
