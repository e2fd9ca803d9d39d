"""The official MCP Python client (SDK 2.x) driven from synchronous tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

T = TypeVar("T")


def with_client(
    url: str,
    work: Callable[[Client], Awaitable[T]],
    *,
    mode: str = "legacy",
    token: str | None = None,
) -> T:
    """Connect to ``url`` (the /mcp endpoint), run ``work``, disconnect."""

    async def main() -> T:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        timeout = httpx2.Timeout(20, read=20)
        async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
            target = streamable_http_client(url, http_client=http)
            async with Client(target, mode=mode, read_timeout_seconds=20) as client:
                return await work(client)

    return asyncio.run(main())


def wire(value: Any) -> Any:
    """A result model as the JSON that crossed the wire."""
    return value.model_dump(by_alias=True, mode="json", exclude_none=True)


STATELESS_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def stateless_request(method: str, **params: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """A raw 2026-07-28 request and the headers that must repeat it (SEP-2243)."""
    body = {"jsonrpc": "2.0", "id": 5, "method": method, "params": {**params}}
    body["params"]["_meta"] = STATELESS_META
    headers = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    named = params.get("uri") if method == "resources/read" else params.get("name")
    if isinstance(named, str):
        headers["Mcp-Name"] = named
    return body, headers


# A 2025-11-25 handshake and the Accept header its requests send, for raw HTTP tests.
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}
