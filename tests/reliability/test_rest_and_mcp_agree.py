"""REST and MCP hold a call to the same rules: a body the generated signature types as an
object is refused the same way by both (before the upstream), whatever JSON comes instead."""

from __future__ import annotations

import httpx
import pytest

from conftest import KOMBO
from mcp_client import wire, with_client
from upstreams import KOMBO_KEY, kombo


@pytest.fixture
def kombo_urls(serve, serve_capability, monkeypatch):
    monkeypatch.setenv("KOMBO_API_KEY", KOMBO_KEY)
    upstream = serve(kombo)
    urls = serve_capability(
        KOMBO / "kombo-general.yaml", base_uris={"kombo-general": f"{upstream.url}/v1"}
    )
    return urls, upstream


@pytest.mark.parametrize("body", [[1, 2], 5, "text"], ids=["array", "number", "string"])
def test_a_body_that_is_not_an_object_is_refused_by_both(kombo_urls, body) -> None:
    urls, upstream = kombo_urls
    rest = httpx.post(
        urls["kombo-general-rest"] + "/v1/force-sync",
        json=body,
        headers={"X-Integration-Id": "i-1"},
    )
    assert rest.status_code == 400
    assert rest.json()["errors"][0]["name"] == "body"

    async def work(client):
        arguments = {"X-Integration-Id": "i-1", "body": body}
        return wire(await client.call_tool("trigger-sync", arguments))

    result = with_client(urls["kombo-general-mcp"] + "/mcp", work)
    assert result["isError"] is True
    assert "body" in result["content"][0]["text"]
    assert upstream.requests == []
