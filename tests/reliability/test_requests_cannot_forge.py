"""A request cannot forge a log line, nor fan one batch out to unbounded upstream calls."""

from __future__ import annotations

import httpx

from conftest import FIXTURES, clean_env, raw_request
from upstreams import echo

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t"}},
}


def test_a_newline_in_a_path_is_escaped_in_the_log(serve, naftiko_run) -> None:
    upstream = serve(echo)  # answers 404 to a path ending in /missing: the REST adapter logs it
    running = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        f"--base-uri=echo={upstream.url}",
        env=clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
    )
    reply = raw_request(running.urls["shop"], "GET /items/x%0aERROR%20forged%2Fmissing HTTP/1.1")
    assert reply.startswith(b"HTTP/1.1 404")
    log = running.log()
    assert "x\\nERROR forged/missing" in log
    assert not [line for line in log.splitlines() if line.startswith("ERROR forged")]


def test_a_batch_over_the_bound_is_refused_before_any_call(serve, serve_capability) -> None:
    upstream = serve(echo)
    url = serve_capability(FIXTURES / "catalog.yaml", base_uris={"echo": upstream.url})
    endpoint = url["catalog"] + "/mcp"
    accept = {"Accept": "application/json, text/event-stream"}
    session = httpx.post(endpoint, json=INIT, headers=accept).headers["Mcp-Session-Id"]
    call = {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "get-item"}}
    batch = [
        {**call, "id": i, "params": {"name": "get-item", "arguments": {"id": str(i)}}}
        for i in range(33)
    ]
    headers = {**accept, "Mcp-Session-Id": session}
    answer = httpx.post(endpoint, json=batch, headers=headers)
    assert answer.status_code == 400
    assert "at most 32" in answer.json()["error"]["message"]
    assert upstream.requests == []
    assert len(httpx.post(endpoint, json=batch[:32], headers=headers).json()) == 32
