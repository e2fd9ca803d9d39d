"""The MCP protocol, transport-free: revisions, methods, errors, lists and the catalog."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from conftest import FIXTURES, Upstream
from naftiko.engine import Engine
from naftiko.expose.mcp.jsonrpc import Peer
from naftiko.expose.mcp.protocol import McpServer
from naftiko.spec import load
from upstreams import echo

CATALOG = FIXTURES / "catalog.yaml"


@pytest.fixture
def server(serve) -> tuple[McpServer, Upstream]:
    upstream = serve(echo)
    capability = load(CATALOG)
    engine = Engine(capability, base_uris={"echo": upstream.url})
    return McpServer(capability, capability.exposes[0], engine, page_size=1), upstream


def ask(server: McpServer, method: str, params: Any = None, peer: Peer | None = None) -> Any:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": 7, "method": method}
    if params is not None:
        message["params"] = params

    async def run() -> Any:
        try:
            return await server.handle(message, peer or Peer(version="2025-11-25"))
        finally:
            for client in server.tools["get-item"].plan.runtime.clients.values():
                await client.close()

    return asyncio.run(run())


@pytest.mark.parametrize("requested", ["2025-03-26", "2025-06-18", "2025-11-25"])
def test_initialize_echoes_supported_revisions(server, requested: str) -> None:
    mcp, _ = server
    peer = Peer()
    answer = ask(mcp, "initialize", {"protocolVersion": requested, "capabilities": {}}, peer)
    assert answer["result"]["protocolVersion"] == requested
    assert peer.version == requested
    assert answer["result"]["instructions"].startswith("Tools, resources")


def test_initialize_answers_latest_to_anything_else(server) -> None:
    mcp, _ = server
    answer = ask(mcp, "initialize", {"protocolVersion": "1999-01-01"})
    assert answer["result"]["protocolVersion"] == "2025-11-25"


def test_capabilities_follow_what_the_file_declares(server) -> None:
    mcp, _ = server
    capabilities = ask(mcp, "initialize", {"protocolVersion": "2025-11-25"})["result"][
        "capabilities"
    ]
    assert set(capabilities) == {"tools", "logging", "resources", "prompts"}


def test_structured_content_only_from_2025_06_18(server) -> None:
    mcp, _ = server
    params = {"name": "hello", "arguments": {"who": "Ada"}}
    old = ask(mcp, "tools/call", params, Peer(version="2025-03-26"))["result"]
    new = ask(mcp, "tools/call", params, Peer(version="2025-06-18"))["result"]
    assert "structuredContent" not in old
    assert new["structuredContent"] == {"greeting": "Hello, Ada!"}
    assert new["content"][0]["text"] == '{"greeting":"Hello, Ada!"}'


def test_output_schema_is_listed_from_2025_06_18(server) -> None:
    mcp, _ = server
    old = ask(mcp, "tools/list", {"cursor": None}, Peer(version="2025-03-26"))
    new = ask(mcp, "tools/list", None, Peer(version="2025-06-18"))
    assert "outputSchema" not in old["result"]["tools"][0]
    assert new["result"]["tools"][0]["outputSchema"]["properties"]["greeting"]


STATELESS_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def test_stateless_revision_from_request_meta(server) -> None:
    mcp, _ = server
    meta = {"_meta": STATELESS_META}
    discovered = ask(mcp, "server/discover", meta, Peer())["result"]
    assert "2026-07-28" in discovered["supportedVersions"]
    assert discovered["resultType"] == "complete"
    listed = ask(mcp, "tools/list", meta, Peer())["result"]
    assert listed["resultType"] == "complete"
    assert listed["cacheScope"] == "public"


def test_unknown_revision_in_meta_is_refused(server) -> None:
    mcp, _ = server
    meta = {"_meta": {**STATELESS_META, "io.modelcontextprotocol/protocolVersion": "2030-01-01"}}
    answer = ask(mcp, "tools/list", meta, Peer())
    assert answer["id"] == 7
    assert answer["error"]["code"] == -32022
    assert answer["error"]["data"] == {"supported": ["2026-07-28"], "requested": "2030-01-01"}


@pytest.mark.parametrize(
    "meta",
    [
        {"io.modelcontextprotocol/clientCapabilities": {}},
        {"io.modelcontextprotocol/protocolVersion": "2026-07-28"},
    ],
    ids=["without-version", "without-client-capabilities"],
)
def test_stateless_request_with_incomplete_meta_is_invalid(server, meta) -> None:
    mcp, _ = server
    answer = ask(mcp, "tools/list", {"_meta": meta}, Peer())
    assert answer["id"] == 7
    assert answer["error"]["code"] == -32602


@pytest.mark.parametrize("method", ["initialize", "ping", "logging/setLevel", "no/such"])
def test_stateless_revision_has_no_handshake_methods(server, method: str) -> None:
    mcp, _ = server
    answer = ask(mcp, method, {"_meta": STATELESS_META, "level": "info"}, Peer())
    assert answer["error"]["code"] == -32601


def test_stateless_revision_lists_empty_prompts_and_resources_with_hints(server) -> None:
    mcp, _ = server
    discovered = ask(mcp, "server/discover", {"_meta": STATELESS_META}, Peer())["result"]
    assert {"tools", "prompts", "resources"} <= set(discovered["capabilities"])
    for method in ("prompts/list", "resources/list", "resources/templates/list"):
        listed = ask(mcp, method, {"_meta": STATELESS_META}, Peer())["result"]
        assert (listed["cacheScope"], listed["ttlMs"]) == ("public", 0), method


def test_stateless_unknown_resource_is_invalid_params_with_its_uri(server) -> None:
    mcp, _ = server
    params = {"_meta": STATELESS_META, "uri": "test://nowhere"}
    answer = ask(mcp, "resources/read", params, Peer())
    assert answer["error"]["code"] == -32602
    assert answer["error"]["data"] == {"uri": "test://nowhere"}


def test_lists_are_paginated_with_cursors(server) -> None:
    mcp, _ = server
    first = ask(mcp, "tools/list")["result"]
    assert [t["name"] for t in first["tools"]] == ["hello"]
    second = ask(mcp, "tools/list", {"cursor": first["nextCursor"]})["result"]
    assert [t["name"] for t in second["tools"]] == ["get-item"]
    assert "nextCursor" not in second
    assert ask(mcp, "tools/list", {"cursor": "garbage"})["error"]["code"] == -32602


def test_tool_definition_carries_title_annotations_and_schema(server) -> None:
    mcp, _ = server
    second = ask(mcp, "tools/list", {"cursor": ask(mcp, "tools/list")["result"]["nextCursor"]})
    tool = second["result"]["tools"][0]
    assert tool["annotations"] == {"readOnlyHint": True}
    assert tool["inputSchema"] == {
        "type": "object",
        "properties": {"id": {"type": "string", "description": "Item id."}},
        "required": ["id"],
    }


def test_call_goes_through_the_engine_to_the_upstream(server) -> None:
    mcp, upstream = server
    result = ask(mcp, "tools/call", {"name": "get-item", "arguments": {"id": "a/b"}})["result"]
    assert result["structuredContent"] == {"path": "/items/a%2Fb", "method": "GET"}
    assert upstream.last.path == "/items/a%2Fb"


def test_wrong_argument_type_is_a_tool_error_naming_the_field(server) -> None:
    mcp, upstream = server
    assert upstream.requests == []
    params = {"name": "hello", "arguments": {"who": "Ada", "times": "often"}}
    result = ask(mcp, "tools/call", params)["result"]
    assert result["isError"] is True
    assert "times" in result["content"][0]["text"]
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"jsonrpc": "1.0", "id": 1, "method": "ping"}, -32600),
        ({"jsonrpc": "2.0", "id": 1}, -32600),
        ({"jsonrpc": "2.0", "id": 1, "method": 5}, -32600),
        ({"jsonrpc": "2.0", "id": [1], "method": "ping"}, -32600),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}, -32602),
        ({"jsonrpc": "2.0", "id": 1, "method": "nope"}, -32601),
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x"}}, -32602),
        ({"jsonrpc": "2.0", "id": 1, "method": "logging/setLevel", "params": {}}, -32602),
    ],
)
def test_protocol_errors(server, message: dict, code: int) -> None:
    mcp, _ = server
    answer = asyncio.run(mcp.handle(message, Peer()))
    assert answer["error"]["code"] == code


def test_notifications_and_client_responses_get_no_answer(server) -> None:
    mcp, _ = server
    peer = Peer()
    notification = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert asyncio.run(mcp.handle(notification, peer)) is None
    assert asyncio.run(mcp.handle({"jsonrpc": "2.0", "id": 3, "result": {}}, peer)) is None


def test_a_session_keeps_nothing_of_the_client_info(server) -> None:
    mcp, _ = server
    peer = Peer()
    info = {"name": "agent", "version": "1", "padding": "x" * 100_000}
    params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": info}
    asyncio.run(
        mcp.handle({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}, peer)
    )
    assert vars(peer) == {"version": "2025-11-25", "log_level": "info", "calls": None}


def test_static_resources_list_every_file(server) -> None:
    mcp, _ = server
    uris, cursor = [], None
    for _ in range(10):
        page = ask(mcp, "resources/list", {"cursor": cursor} if cursor else None)["result"]
        uris += [r["uri"] for r in page["resources"]]
        cursor = page.get("nextCursor")
        if not cursor:
            break
    assert uris == ["docs://shop/guide/start.txt", "docs://shop/readme.md"]


def test_static_resource_reads_text_with_its_type(server) -> None:
    mcp, _ = server
    contents = ask(mcp, "resources/read", {"uri": "docs://shop/readme.md"})["result"]["contents"]
    assert contents[0]["mimeType"] == "text/markdown"
    assert contents[0]["text"].startswith("# Shop docs")


@pytest.mark.parametrize("uri", ["docs://shop/../catalog.yaml", "docs://shop/%2e%2e/x"])
def test_static_resource_refuses_escaping_paths(server, uri: str) -> None:
    mcp, _ = server
    assert ask(mcp, "resources/read", {"uri": uri})["error"]["code"] in (-32602, -32002)


def test_unknown_resource_is_not_found(server) -> None:
    mcp, _ = server
    answer = ask(mcp, "resources/read", {"uri": "docs://shop/missing.md"})
    assert answer["error"]["code"] == -32002


def test_resource_template_calls_the_upstream(server) -> None:
    mcp, upstream = server
    templates = ask(mcp, "resources/templates/list")["result"]["resourceTemplates"]
    assert templates == [
        {
            "uriTemplate": "items://{id}",
            "name": "item",
            "title": "Item",
            "description": "One item, read from the upstream.",
        }
    ]
    contents = ask(mcp, "resources/read", {"uri": "items://42"})["result"]["contents"]
    assert contents[0]["mimeType"] == "application/json"
    assert json.loads(contents[0]["text"])["path"] == "/items/42"
    assert upstream.last.path == "/items/42"


def test_prompt_template_fills_arguments(server) -> None:
    mcp, _ = server
    params = {"name": "summarize", "arguments": {"topic": "returns", "tone": "friendly"}}
    messages = ask(mcp, "prompts/get", params)["result"]["messages"]
    text = "Summarize returns in a friendly tone."
    assert messages == [{"role": "user", "content": {"type": "text", "text": text}}]


def test_prompt_missing_required_argument_is_invalid_params(server) -> None:
    mcp, _ = server
    answer = ask(mcp, "prompts/get", {"name": "summarize", "arguments": {}})
    assert answer["error"]["code"] == -32602
    assert "topic" in answer["error"]["message"]


def test_prompt_from_a_file(server) -> None:
    mcp, _ = server
    params = {"name": "review", "arguments": {"customer": "ACME"}}
    text = ask(mcp, "prompts/get", params)["result"]["messages"][0]["content"]["text"]
    assert text == "You review orders for ACME. Be brief.\n"


def test_prompt_list_shows_arguments(server) -> None:
    mcp, _ = server
    first = ask(mcp, "prompts/list")["result"]["prompts"][0]
    assert first["name"] == "summarize"
    tone = {"name": "tone", "description": "How to sound.", "required": False}
    assert first["arguments"][1] == tone
