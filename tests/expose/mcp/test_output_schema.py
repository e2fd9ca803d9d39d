"""A tool that declares an outputSchema never sends structuredContent that breaks it."""

from __future__ import annotations

from conftest import FIXTURES
from mcp_client import wire, with_client
from upstreams import echo

LISTING = FIXTURES / "listing.yaml"


def call(serve, serve_capability, tool: str) -> tuple[dict, dict]:
    upstream = serve(echo)
    url = serve_capability(LISTING, base_uris={"echo": upstream.url})["listing"] + "/mcp"

    async def work(client):
        listed = {t.name: wire(t) for t in (await client.list_tools()).tools}
        return listed[tool], wire(await client.call_tool(tool, {}))

    return with_client(url, work)


def test_an_upstream_array_where_an_object_is_declared_is_a_tool_error(
    serve, serve_capability
) -> None:
    tool, result = call(serve, serve_capability, "get-list")
    assert tool["outputSchema"]["properties"]["result"]["type"] == ["object", "null"]
    assert result["isError"] is True
    text = result["content"][0]["text"]
    assert "$.result is an array, not object or null" in text
    assert '[{"id":1},{"id":2}]' in text.replace(" ", "")  # the upstream's body is kept
    assert "result" not in result.get("structuredContent", {})


def test_an_answer_that_fits_is_structured_content(serve, serve_capability) -> None:
    _, result = call(serve, serve_capability, "get-one")
    assert result["isError"] is False
    assert result["structuredContent"]["result"]["path"] == "/one"
