"""JSON-RPC 2.0 and MCP, free of any transport: one message in, one answer (or none) out.

Revisions: `initialize` echoes 2025-03-26, 2025-06-18 and 2025-11-25 and answers 2025-11-25
to anything else; 2026-07-28 is stateless (`server/discover`, the version and client info in
each request's `_meta`). What a result carries follows the revision in force for the request.
Transports own sessions and headers; they pass the revision they know in a ``Peer``.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from naftiko import __version__
from naftiko.engine import Engine
from naftiko.expose.mcp.catalog import Catalog, CatalogError, ResourceNotFound
from naftiko.expose.mcp.tools import Tool, compile_tools
from naftiko.observe.metrics import METRICS
from naftiko.spec.model import Adapter, Capability

log = logging.getLogger("naftiko.mcp")

HANDSHAKE_VERSIONS = ("2025-03-26", "2025-06-18", "2025-11-25")
STATELESS_VERSION = "2026-07-28"
VERSIONS = (*HANDSHAKE_VERSIONS, STATELESS_VERSION)
LATEST = "2025-11-25"
DEFAULT_VERSION = "2025-03-26"
VERSION_META = "io.modelcontextprotocol/protocolVersion"
CLIENT_INFO_META = "io.modelcontextprotocol/clientInfo"
SERVER_INFO_META = "io.modelcontextprotocol/serverInfo"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002
UNSUPPORTED_VERSION = -32022
LOG_LEVELS = (
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
)


@dataclass
class Peer:
    """What is known of the client on this session or connection."""

    version: str = DEFAULT_VERSION
    initialized: bool = False
    client_info: Mapping[str, Any] = field(default_factory=dict)
    log_level: str = "info"


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def error(id_: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    return {"jsonrpc": "2.0", "id": id_, "error": body}


class McpServer:
    """One MCP adapter's protocol: tools, resources, prompts, compiled once."""

    def __init__(
        self,
        capability: Capability,
        adapter: Adapter,
        engine: Engine,
        page_size: int = 100,
    ) -> None:
        self.adapter = adapter
        self.name = adapter.namespace
        self.page_size = page_size
        self.tools: dict[str, Tool] = {
            t.name: t for t in compile_tools(capability, adapter.units, engine.plans)
        }
        self._tool_list = list(self.tools.values())
        self.catalog = Catalog(capability, adapter.mcp_resources, adapter.prompts, engine.plans)
        self.capabilities: dict[str, Any] = {"tools": {"listChanged": False}, "logging": {}}
        if adapter.mcp_resources:
            self.capabilities["resources"] = {"listChanged": False}
        if adapter.prompts:
            self.capabilities["prompts"] = {"listChanged": False}
        self.server_info: dict[str, Any] = {"name": adapter.namespace, "version": __version__}
        if capability.label:
            self.server_info["title"] = capability.label
        self._methods = {
            "ping": self._ping,
            "tools/list": self._tools_list,
            "tools/call": self._tools_call,
            "logging/setLevel": self._set_level,
            "server/discover": self._discover,
        }
        if adapter.mcp_resources:
            self._methods["resources/list"] = self._resources_list
            self._methods["resources/templates/list"] = self._templates_list
            self._methods["resources/read"] = self._resources_read
        if adapter.prompts:
            self._methods["prompts/list"] = self._prompts_list
            self._methods["prompts/get"] = self._prompts_get

    async def handle(self, message: Any, peer: Peer) -> dict[str, Any] | None:
        """The answer to one JSON-RPC message; None for notifications and responses."""
        if not isinstance(message, dict):
            return error(None, INVALID_REQUEST, "Invalid Request: expected a JSON-RPC object")
        id_ = message.get("id")
        if message.get("jsonrpc") != "2.0":
            return error(_safe_id(id_), INVALID_REQUEST, "Invalid Request: jsonrpc must be '2.0'")
        method = message.get("method")
        if method is None:
            if "result" in message or "error" in message:
                return None  # a response from the client: nothing to answer
            return error(_safe_id(id_), INVALID_REQUEST, "Invalid Request: no method")
        if not isinstance(method, str):
            return error(_safe_id(id_), INVALID_REQUEST, "Invalid Request: method must be a string")
        if "id" not in message:
            self._notification(method, peer)
            return None
        if not _valid_id(id_):
            return error(None, INVALID_REQUEST, "Invalid Request: id must be a string or number")
        params = message.get("params")
        if params is not None and not isinstance(params, dict):
            return error(id_, INVALID_PARAMS, "Invalid params: params must be an object")
        params = params or {}
        try:
            version = self._version(params, peer)
            if method == "initialize":
                result = self._initialize(params, peer)
            else:
                handler = self._methods.get(method)
                if handler is None:
                    raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")
                result = await handler(params, version, peer)
        except RpcError as exc:
            return error(id_, exc.code, exc.message, exc.data)
        except Exception:
            log.exception("%s: %s failed", self.name, method)
            return error(id_, INTERNAL_ERROR, "Internal error")
        if version == STATELESS_VERSION:
            result.setdefault("resultType", "complete")
        return {"jsonrpc": "2.0", "id": id_, "result": result}

    # --- version and lifecycle -------------------------------------------------------------

    def _version(self, params: Mapping[str, Any], peer: Peer) -> str:
        meta = params.get("_meta")
        if isinstance(meta, dict) and VERSION_META in meta:
            requested = meta[VERSION_META]
            if requested not in VERSIONS:
                raise RpcError(
                    UNSUPPORTED_VERSION,
                    "Unsupported protocol version",
                    {"supported": [STATELESS_VERSION], "requested": requested},
                )
            return str(requested)
        return peer.version

    def _initialize(self, params: Mapping[str, Any], peer: Peer) -> dict[str, Any]:
        requested = params.get("protocolVersion")
        version = requested if requested in HANDSHAKE_VERSIONS else LATEST
        peer.version = str(version)
        info = params.get("clientInfo")
        peer.client_info = info if isinstance(info, dict) else {}
        result: dict[str, Any] = {
            "protocolVersion": version,
            "capabilities": self.capabilities,
            "serverInfo": self.server_info,
        }
        if self.adapter.description:
            result["instructions"] = self.adapter.description
        return result

    def _notification(self, method: str, peer: Peer) -> None:
        if method == "notifications/initialized":
            peer.initialized = True

    async def _ping(self, params: Mapping[str, Any], version: str, peer: Peer) -> dict[str, Any]:
        return {}

    async def _discover(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "supportedVersions": list(VERSIONS),
            "capabilities": self.capabilities,
            "cacheScope": "public",
            "ttlMs": 0,
            "_meta": {SERVER_INFO_META: self.server_info},
        }
        if self.adapter.description:
            result["instructions"] = self.adapter.description
        return result

    async def _set_level(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        level = params.get("level")
        if level not in LOG_LEVELS:
            raise RpcError(INVALID_PARAMS, f"Invalid params: level must be one of {LOG_LEVELS}")
        peer.log_level = str(level)
        return {}

    # --- tools -----------------------------------------------------------------------------

    async def _tools_list(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        page, cursor = self._page(self._tool_list, params)
        return self._listed("tools", [t.describe(version) for t in page], cursor, version)

    async def _tools_call(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        name = params.get("name")
        if not isinstance(name, str):
            raise RpcError(INVALID_PARAMS, "Invalid params: tools/call needs a tool name")
        tool = self.tools.get(name)
        if tool is None:
            raise RpcError(INVALID_PARAMS, f"Invalid params: unknown tool '{name}'")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise RpcError(INVALID_PARAMS, "Invalid params: arguments must be an object")
        started = time.perf_counter()
        METRICS.in_flight[self.name] += 1
        try:
            result = await tool.call(arguments, version)
        finally:
            METRICS.in_flight[self.name] -= 1
        status = "error" if result.get("isError") else "ok"
        METRICS.request(self.name, name, status, time.perf_counter() - started)
        return result

    # --- resources and prompts -------------------------------------------------------------

    async def _resources_list(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        page, cursor = self._page(self.catalog.listed, params)
        return self._listed("resources", page, cursor, version)

    async def _templates_list(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        page, cursor = self._page(self.catalog.templates, params)
        return self._listed("resourceTemplates", page, cursor, version)

    async def _resources_read(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RpcError(INVALID_PARAMS, "Invalid params: resources/read needs a uri")
        try:
            return await self.catalog.read(uri)
        except ResourceNotFound:
            raise RpcError(RESOURCE_NOT_FOUND, "Resource not found", {"uri": uri}) from None
        except CatalogError as exc:
            raise RpcError(INVALID_PARAMS, f"Invalid params: {exc}") from None

    async def _prompts_list(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        page, cursor = self._page(self.catalog.prompt_list, params)
        return self._listed("prompts", page, cursor, version)

    async def _prompts_get(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        name = params.get("name")
        arguments = params.get("arguments") or {}
        if not isinstance(name, str) or not isinstance(arguments, dict):
            raise RpcError(INVALID_PARAMS, "Invalid params: prompts/get needs a name")
        try:
            return await self.catalog.prompt(name, arguments)
        except CatalogError as exc:
            raise RpcError(INVALID_PARAMS, f"Invalid params: {exc}") from None

    # --- lists -----------------------------------------------------------------------------

    def _page(self, items: list[Any], params: Mapping[str, Any]) -> tuple[list[Any], str | None]:
        cursor = params.get("cursor")
        start = 0
        if cursor is not None:
            try:
                start = int(base64.urlsafe_b64decode(str(cursor).encode()).decode())
            except (ValueError, UnicodeDecodeError):
                raise RpcError(INVALID_PARAMS, "Invalid params: unknown cursor") from None
            if not 0 <= start <= len(items):
                raise RpcError(INVALID_PARAMS, "Invalid params: unknown cursor")
        end = start + self.page_size
        following = base64.urlsafe_b64encode(str(end).encode()).decode()
        return items[start:end], (following if end < len(items) else None)

    def _listed(
        self, key: str, items: list[Any], cursor: str | None, version: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = {key: items}
        if cursor is not None:
            result["nextCursor"] = cursor
        if version == STATELESS_VERSION:
            result["cacheScope"] = "public"
            result["ttlMs"] = 0
        return result


def _valid_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _safe_id(value: Any) -> Any:
    return value if _valid_id(value) else None
