"""Retries and limits on requests in flight, against Kombo-like servers that push back."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from conftest import KOMBO
from naftiko.consume.resilience import PerHeader, Resilience, from_block
from naftiko.engine import Engine
from naftiko.errors import UpstreamError
from naftiko.spec import load
from upstreams import KOMBO_KEY, kombo_error

KOMBO_GENERAL = KOMBO / "kombo-general.yaml"
BLOCK = """    x-naftiko-resilience:
      backoff: 0.05
      perHeader:
        header: X-Integration-Id
        limit: 30
"""


def kombo_copy(tmp_path: Path, block: str = "") -> Path:
    text = (KOMBO_GENERAL).read_text(encoding="utf-8")
    path = tmp_path / "kombo-general.yaml"
    path.write_text(
        text.replace(
            "    baseUri: https://api.kombo.dev/v1\n",
            "    baseUri: https://api.kombo.dev/v1\n" + block,
        ),
        "utf-8",
    )
    return path


def call(path: Path, base: str, target: str, inputs: dict[str, Any], times: int = 1) -> list[Any]:
    environ = {"KOMBO_API_KEY": KOMBO_KEY}
    engine = Engine(load(path), base_uris={"kombo-general": base}, environ=environ)

    async def one() -> Any:
        try:
            return await engine.invoke(target, inputs)
        except UpstreamError as exc:
            return exc

    async def run() -> list[Any]:
        try:
            return list(await asyncio.gather(*(one() for _ in range(times))))
        finally:
            await engine.close()

    return asyncio.run(run())


def test_429_with_retry_after_is_retried_until_it_succeeds(serve, tmp_path) -> None:
    answers = iter([429, 429, 200])

    def pushback(request: web.Request) -> web.Response:
        if next(answers) == 429:
            response = kombo_error(429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED", "slow down")
            response.headers["Retry-After"] = "1"
            return response
        return web.json_response({"status": "success", "data": {}})

    upstream = serve(pushback)
    started = time.monotonic()
    [result] = call(kombo_copy(tmp_path), f"{upstream.url}/v1", "kombo-general.getcheckapikey", {})
    elapsed = time.monotonic() - started
    assert not isinstance(result, UpstreamError), result
    assert result.data["status"] == "success"
    assert len(upstream.requests) == 3
    assert 1.8 < elapsed < 5


def test_retries_end_with_kombos_error_unchanged(serve, tmp_path) -> None:
    upstream = serve(lambda r: kombo_error(429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED", "no"))
    block = "    x-naftiko-resilience:\n      retries: 2\n      backoff: 0.01\n"
    [result] = call(
        kombo_copy(tmp_path, block),
        f"{upstream.url}/v1",
        "kombo-general.getcheckapikey",
        {},
    )
    assert isinstance(result, UpstreamError)
    assert result.response.status == 429
    assert result.response.data["error"]["code"] == "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"
    assert len(upstream.requests) == 3


@pytest.mark.parametrize(
    ("method_target", "expected"),
    [
        ("kombo-general.getcheckapikey", 3),
        ("kombo-general.postforcesync", 1),
    ],
)
def test_502_is_retried_only_for_idempotent_methods(
    serve, tmp_path, method_target, expected
) -> None:
    upstream = serve(lambda r: web.json_response({"status": "error"}, status=502))
    block = "    x-naftiko-resilience:\n      retries: 2\n      backoff: 0.01\n"
    inputs = {"X-Integration-Id": "int-1"} if "post" in method_target else {}
    path = kombo_copy(tmp_path, block)
    [result] = call(path, f"{upstream.url}/v1", method_target, inputs)
    assert isinstance(result, UpstreamError)
    assert len(upstream.requests) == expected


def test_no_more_than_30_actions_in_flight_per_integration(serve, tmp_path) -> None:
    state = {"now": 0, "most": 0}

    async def busy(request: web.Request) -> web.Response:
        state["now"] += 1
        state["most"] = max(state["most"], state["now"])
        try:
            if state["now"] > 30:
                return kombo_error(429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED", "over 30")
            await asyncio.sleep(0.05)
            return web.json_response({"status": "success", "data": {}})
        finally:
            state["now"] -= 1

    upstream = serve(busy)
    results = call(
        kombo_copy(tmp_path, BLOCK),
        f"{upstream.url}/v1",
        "kombo-general.postforcesync",
        {"X-Integration-Id": "int-1", "body": {}},
        100,
    )
    assert all(not isinstance(r, UpstreamError) for r in results)
    assert state["most"] == 30
    assert len(upstream.requests) == 100


def test_block_and_overrides() -> None:
    policy = from_block({"retries": 5, "perHeader": {"header": "X-Id", "limit": 2}})
    assert policy.retries == 5
    assert policy.per_header == PerHeader("X-Id", 2)
    assert Resilience().delay(1, "2", time.monotonic()) == 2.0
    assert Resilience().delay(3, None, time.monotonic()) == 4.0
    assert Resilience(retries=1).delay(2, None, time.monotonic()) is None
    assert Resilience(max_elapsed=1).delay(1, "5", time.monotonic()) is None
