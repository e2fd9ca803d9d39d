"""What callers are never told: a credential an upstream echoes, our internals, our versions."""

from __future__ import annotations

import json

import httpx

from conftest import FIXTURES
from mcp_client import wire, with_client
from upstreams import echo

TOKEN = "echoing-token-9d2f7a"


def test_a_credential_the_upstream_echoes_is_scrubbed_in_text_and_structure(
    serve, serve_capability, monkeypatch
) -> None:
    monkeypatch.setenv("ECHOING_TOKEN", TOKEN)
    upstream = serve(echo)
    url = serve_capability(FIXTURES / "echoing.yaml", base_uris={"echo": upstream.url})

    async def work(client):
        return wire(await client.call_tool("get-item", {"id": "1"}))

    result = with_client(url["echoing"] + "/mcp", work)
    assert upstream.last.headers["Authorization"] == f"Bearer {TOKEN}"  # it was sent...
    assert TOKEN not in json.dumps(result)  # ...and never shown
    assert result["structuredContent"]["headers"]["Authorization"] == "Bearer ***"


def test_an_unreachable_upstream_is_told_without_its_address(serve_capability, monkeypatch):
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", "shop-token-1234")
    urls = serve_capability(FIXTURES / "shop.yaml", base_uris={"echo": "http://127.0.0.1:9"})
    answer = httpx.get(urls["shop"] + "/items/1")
    assert answer.status_code == 502
    detail = answer.json()["detail"]
    assert detail == "upstream 'echo' is unreachable: the connection failed"
    assert "Server" in answer.headers and answer.headers["Server"] == "naftiko"


def raw(url: str, data: bytes) -> bytes:
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(data)
        received = b""
        while chunk := conn.recv(4096):
            received += chunk
    return received


MALFORMED = [
    b"GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line<script>\r\n\r\n",
    b"G\x01T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
]


def test_requests_the_parser_refuses_get_our_problem_without_their_bytes(
    serve, serve_capability, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", "shop-token-1234")
    upstream = serve(echo)
    url = serve_capability(FIXTURES / "shop.yaml", base_uris={"echo": upstream.url})["shop"]
    for data in MALFORMED:
        head, _, body = raw(url, data).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.") and b" 400 " in head.split(b"\r\n")[0]
        assert b"application/problem+json" in head
        assert b"Server: naftiko" in head
        assert json.loads(body)["detail"] == "the request is not valid HTTP/1.1"
        assert b"<script>" not in body and b"abc" not in body
    assert "Traceback" not in caplog.text


def test_a_credential_the_upstream_echoes_is_scrubbed_from_rest_pass_through(
    serve, serve_capability, monkeypatch
) -> None:
    secret = "shop-upstream-secret-echoed-51c3"
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", secret)
    upstream = serve(echo)
    url = serve_capability(FIXTURES / "shop.yaml", base_uris={"echo": upstream.url})["shop"]
    answer = httpx.get(url + "/whole/7")  # the upstream body passes through as it came
    assert upstream.last.headers["Authorization"] == f"Bearer {secret}"
    assert answer.status_code == 200
    assert secret not in answer.text and "Bearer ***" in answer.text


def test_an_upstream_failure_is_told_to_agents_without_the_upstreams_address(
    serve, serve_capability, monkeypatch
) -> None:
    from aiohttp import web

    def broken(request: web.Request) -> web.Response:
        if request.path.endswith("/404"):
            return web.json_response({"error": "no such item"}, status=404)
        if request.path.endswith("/away"):
            raise web.HTTPFound("http://elsewhere.example/items/1")
        return web.Response(body=b"not json", content_type="application/json")

    monkeypatch.setenv("ECHOING_TOKEN", TOKEN)
    upstream = serve(broken)
    address = upstream.url.removeprefix("http://")
    url = serve_capability(FIXTURES / "echoing.yaml", base_uris={"echo": upstream.url})

    async def work(client):
        return [
            wire(await client.call_tool("get-item", {"id": item}))
            for item in ("404", "away", "bad")
        ]

    for result in with_client(url["echoing"] + "/mcp", work):
        assert result["isError"] is True, result
        text = json.dumps(result)
        assert address not in text and "127.0.0.1" not in text, text
        assert "upstream 'echo'" in text
