"""What an upstream answers that must never pass on: each is a 502 problem or a tool error."""

from __future__ import annotations

import gzip

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES
from mcp_client import wire, with_client

FAULTS = FIXTURES / "faults.yaml"
BOMB = gzip.compress(b"0" * (8 * 1024 * 1024))  # 8 MiB of zeros in a few KB


async def faulty(request: web.Request) -> web.Response:
    kind = request.match_info.get("tail", "")
    if kind == "big":
        return web.json_response({"data": "x" * 200_000})
    if kind == "bomb":
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return web.Response(body=BOMB, headers=headers)
    if kind == "broken":
        return web.Response(text='{"truncated": ', content_type="application/json")
    if kind == "broken-big":
        return web.Response(text='{"rows": [' + "1," * 10_000, content_type="application/json")
    if kind == "odd":
        return web.Response(status=999, text="{}", content_type="application/json")
    return web.json_response({"ok": True})


@pytest.fixture
def urls(serve, serve_capability) -> dict[str, str]:
    upstream = serve(faulty)
    return serve_capability(FAULTS, base_uris={"up": upstream.url})


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("big", "more than 65,536 bytes"),
        ("bomb", "more than 65,536 bytes"),
        ("broken", "not JSON"),
        ("odd", "invalid HTTP status 999"),
    ],
)
def test_an_answer_that_cannot_pass_is_a_502_problem(urls, kind: str, says: str) -> None:
    answer = httpx.get(f"{urls['faults']}/{kind}")
    assert answer.status_code == 502
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert says in answer.json()["detail"]


@pytest.mark.parametrize("kind", ["broken", "broken-big"])
def test_a_copied_body_that_is_not_json_is_a_502_too(urls, kind: str) -> None:
    answer = httpx.get(f"{urls['faults']}/copied/{kind}")
    assert answer.status_code == 502
    assert "not JSON, though its content type says so" in answer.json()["detail"]
    assert httpx.get(f"{urls['faults']}/copied/fine").json() == {"ok": True}


def test_a_good_answer_still_passes(urls) -> None:
    answer = httpx.get(f"{urls['faults']}/fine")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}


def test_an_answer_over_the_limit_is_a_tool_error(urls) -> None:
    async def work(client):
        return wire(await client.call_tool("fault", {"kind": "bomb"}))

    result = with_client(urls["faults-mcp"] + "/mcp", work)
    assert result["isError"] is True
    assert "more than 65,536 bytes" in result["content"][0]["text"]
