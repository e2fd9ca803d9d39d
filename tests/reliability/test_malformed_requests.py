"""Bodies that once reached our own 500: each is a 400 problem (REST) or a JSON-RPC error
(MCP), and the server answers the next request as before."""

from __future__ import annotations

import httpx
import pytest

from conftest import FIXTURES
from upstreams import echo

DEEP = b"[" * 5000 + b"]" * 5000
SURROGATE = b'{"name": "\\ud800", "count": 1}'
NOT_GZIP = b"\x1f\x8bnot gzip at all"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}},
}
CASES = [
    pytest.param(DEEP, {}, id="nested-past-1024"),
    pytest.param(SURROGATE, {}, id="lone-surrogate"),
    pytest.param(NOT_GZIP, {"Content-Encoding": "gzip"}, id="corrupt-gzip"),
]


@pytest.fixture
def urls(serve, serve_capability, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", "shop-token-1234")
    upstream = serve(echo)
    return serve_capability(
        FIXTURES / "shop.yaml", FIXTURES / "catalog.yaml", base_uris={"echo": upstream.url}
    )


@pytest.mark.parametrize(("body", "headers"), CASES)
def test_rest_answers_a_400_problem(urls, body: bytes, headers: dict[str, str]) -> None:
    answer = httpx.post(
        urls["shop"] + "/items",
        content=body,
        headers={"Content-Type": "application/json", **headers},
    )
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert httpx.get(urls["shop"] + "/items/1").status_code == 200


@pytest.mark.parametrize(("body", "headers"), CASES)
def test_mcp_answers_a_parse_error(urls, body: bytes, headers: dict[str, str]) -> None:
    endpoint = urls["catalog"] + "/mcp"
    accept = {"Accept": "application/json, text/event-stream"}
    session = httpx.post(endpoint, json=INIT, headers=accept).headers["Mcp-Session-Id"]
    sent = {**accept, "Mcp-Session-Id": session, "Content-Type": "application/json", **headers}
    answer = httpx.post(endpoint, content=body, headers=sent)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == -32700


def test_a_path_that_does_not_decode_to_utf8_is_refused(urls) -> None:
    answer = httpx.get(urls["shop"] + "/items/%ff")
    assert answer.status_code == 400
    assert "does not decode to UTF-8" in answer.json()["detail"]
