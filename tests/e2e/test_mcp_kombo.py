"""Kombo's general capability over MCP, through the official MCP client against `naftiko run`."""

from __future__ import annotations

import pytest
from mcp.shared.exceptions import MCPError

from conftest import KOMBO, clean_env
from mcp_client import wire, with_client
from upstreams import KOMBO_KEY, kombo

KOMBO_GENERAL = KOMBO / "kombo-general.yaml"
MCP = "kombo-general-mcp"


@pytest.fixture
def kombo_mcp(serve, naftiko_run):
    upstream = serve(kombo)
    running = naftiko_run(
        str(KOMBO_GENERAL),
        "--port",
        "kombo-general-rest=0",
        "--port",
        f"{MCP}=0",
        "--base-uri",
        f"kombo-general={upstream.url}/v1",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )
    return running.urls[MCP] + "/mcp", upstream


def test_lists_thirteen_tools_with_derived_input_schemas(kombo_mcp) -> None:
    url, _ = kombo_mcp

    async def work(client):
        return [wire(t) for t in (await client.list_tools()).tools]

    tools = {t["name"]: t for t in with_client(url, work)}
    assert len(tools) == 13
    details = tools["get-integration-details"]["inputSchema"]
    assert details["required"] == ["integration_id"]
    assert details["properties"]["integration_id"]["type"] == "string"
    sync = tools["trigger-sync"]["inputSchema"]
    assert "X-Integration-Id" in sync["required"]
    assert sync["properties"]["body"]["type"] == "object"
    assert tools["check-api-key"]["inputSchema"] == {"type": "object"}


def test_annotations_are_the_hints_the_file_sets(kombo_mcp) -> None:
    url, _ = kombo_mcp

    async def work(client):
        return [wire(t) for t in (await client.list_tools()).tools]

    tools = {t["name"]: t for t in with_client(url, work)}
    assert tools["check-api-key"]["annotations"] == {
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
    }
    assert tools["delete-integration"]["annotations"]["destructiveHint"] is True


def test_details_come_back_as_structured_content(kombo_mcp) -> None:
    url, upstream = kombo_mcp

    async def work(client):
        return wire(await client.call_tool("get-integration-details", {"integration_id": "abc"}))

    result = with_client(url, work)
    assert result["isError"] is False
    assert result["structuredContent"]["data"]["id"] == "abc"
    assert upstream.last.path == "/v1/integrations/abc"
    assert upstream.last.headers["Authorization"] == f"Bearer {KOMBO_KEY}"


def test_upstream_conflict_is_a_tool_error_with_the_kombo_code(kombo_mcp) -> None:
    url, _ = kombo_mcp

    async def work(client):
        arguments = {"X-Integration-Id": "setup-incomplete", "body": {}}
        return wire(await client.call_tool("trigger-sync", arguments))

    result = with_client(url, work)
    assert result["isError"] is True
    assert result["structuredContent"]["status"] == 409
    assert result["structuredContent"]["body"]["error"]["code"] == "INTEGRATION.SETUP_INCOMPLETE"
    assert "INTEGRATION.SETUP_INCOMPLETE" in result["content"][0]["text"]


def test_unknown_tool_is_a_protocol_error(kombo_mcp) -> None:
    url, _ = kombo_mcp

    async def work(client):
        with pytest.raises(MCPError) as raised:
            await client.call_tool("no-such-tool", {})
        return raised.value.error.code

    assert with_client(url, work) == -32602


def test_missing_required_argument_is_a_tool_error_naming_it(kombo_mcp) -> None:
    url, upstream = kombo_mcp

    async def work(client):
        return wire(await client.call_tool("get-integration-details", {}))

    result = with_client(url, work)
    assert result["isError"] is True
    assert "integration_id" in result["content"][0]["text"]
    assert upstream.requests == []


def test_auto_mode_negotiates_the_stateless_revision(kombo_mcp) -> None:
    url, _ = kombo_mcp

    async def work(client):
        result = wire(await client.call_tool("check-api-key", {}))
        return client.protocol_version, result

    version, result = with_client(url, work, mode="auto")
    assert version == "2026-07-28"
    assert result["structuredContent"]["data"]["customer_id"] == "cust-1"
