"""JSON-RPC 2.0 and MCP, free of any transport: one message in, one answer (or none) out.

Revisions: `initialize` echoes 2025-03-26, 2025-06-18 and 2025-11-25 and answers 2025-11-25
to anything else; 2026-07-28 is stateless (`server/discover`, the version and client
capabilities in each request's `_meta`). A request is a 2026-07-28 one when its transport says
so or its `_meta` carries `io.modelcontextprotocol/` keys; such a request is held to that
revision's rules (required `_meta`, matching headers, removed methods answered 404). What a
result carries follows the revision in force for the request. Transports own sessions and
headers; they pass the revision they know in a ``Peer`` and the request's headers in a ``Wire``.
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
CLIENT_CAPABILITIES_META = "io.modelcontextprotocol/clientCapabilities"
META_PREFIX = "io.modelcontextprotocol/"
SERVER_INFO_META = "io.modelcontextprotocol/serverInfo"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002
HEADER_MISMATCH = -32020
UNSUPPORTED_VERSION = -32022
# Methods the handshake revisions have and 2026-07-28 removed: unknown there (HTTP 404).
REMOVED_STATELESS = frozenset(
    {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"}
)
# The request parameter each method's `Mcp-Name` header repeats (SEP-2243).
NAMED_BY = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
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


@dataclass(frozen=True)
class Wire:
    """The HTTP headers of one request that 2026-07-28 asks to match its body."""

    protocol_version: str | None = None
    method: str | None = None
    name: str | None = None


class RpcError(Exception):
    """A JSON-RPC error answer; `status` is the HTTP status it takes on the stateless wire."""

    def __init__(self, code: int, message: str, data: Any = None, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.status = status


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
            t.name: t for t in compile_tools(adapter.units, engine.plans)
        }
        self._tool_list = list(self.tools.values())
        self.catalog = Catalog(capability, adapter.mcp_resources, adapter.prompts, engine.plans)
        self.capabilities: dict[str, Any] = {"tools": {"listChanged": False}, "logging": {}}
        if adapter.mcp_resources:
            self.capabilities["resources"] = {"listChanged": False}
        if adapter.prompts:
            self.capabilities["prompts"] = {"listChanged": False}
        # 2026-07-28 clients list prompts and resources whatever is declared (caching hints):
        # the stateless revision serves them, empty when the file has none, and says so.
        self.stateless_capabilities: dict[str, Any] = {
            "tools": {"listChanged": False},
            "resources": {"listChanged": False},
            "prompts": {"listChanged": False},
        }
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
        self._stateless_methods = {
            name: handler
            for name, handler in self._methods.items()
            if name not in REMOVED_STATELESS
        }
        self._stateless_methods.update(
            {
                "resources/list": self._resources_list,
                "resources/templates/list": self._templates_list,
                "resources/read": self._resources_read,
                "prompts/list": self._prompts_list,
                "prompts/get": self._prompts_get,
            }
        )

    async def handle(self, message: Any, peer: Peer) -> dict[str, Any] | None:
        """The answer to one JSON-RPC message; None for notifications and responses."""
        return (await self.answer(message, peer))[1]

    async def answer(
        self, message: Any, peer: Peer, wire: Wire | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        """The HTTP status and answer for one message; `wire` holds the request's headers."""
        if not isinstance(message, dict):
            return 200, error(None, INVALID_REQUEST, "Invalid Request: expected a JSON-RPC object")
        id_ = message.get("id")
        if message.get("jsonrpc") != "2.0":
            refusal = "Invalid Request: jsonrpc must be '2.0'"
            return 200, error(_safe_id(id_), INVALID_REQUEST, refusal)
        method = message.get("method")
        if method is None:
            if "result" in message or "error" in message:
                return 202, None  # a response from the client: nothing to answer
            return 200, error(_safe_id(id_), INVALID_REQUEST, "Invalid Request: no method")
        if not isinstance(method, str):
            refusal = "Invalid Request: method must be a string"
            return 200, error(_safe_id(id_), INVALID_REQUEST, refusal)
        if "id" not in message:
            self._notification(method, peer)
            return 202, None
        if not _valid_id(id_):
            refusal = "Invalid Request: id must be a string or number"
            return 200, error(None, INVALID_REQUEST, refusal)
        params = message.get("params")
        if params is not None and not isinstance(params, dict):
            return 200, error(id_, INVALID_PARAMS, "Invalid params: params must be an object")
        params = params or {}
        try:
            if is_stateless(params, peer, wire):
                version = STATELESS_VERSION
                handler = self._stateless_handler(method, params, wire)
            else:
                version = peer.version
                handler = self._handler(method)
            result = await handler(params, version, peer)
        except RpcError as exc:
            return exc.status, error(id_, exc.code, exc.message, exc.data)
        except Exception:
            log.exception("%s: %s failed", self.name, method)
            return 200, error(id_, INTERNAL_ERROR, "Internal error")
        if version == STATELESS_VERSION:
            result.setdefault("resultType", "complete")
        return 200, {"jsonrpc": "2.0", "id": id_, "result": result}

    def _handler(self, method: str) -> Any:
        if method == "initialize":
            return self._initialize
        handler = self._methods.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")
        return handler

    def _stateless_handler(self, method: str, params: Mapping[str, Any], wire: Wire | None) -> Any:
        """Check a 2026-07-28 request against its revision's rules; its method's handler."""
        meta = params.get("_meta")
        header = wire.protocol_version if wire is not None else None
        if header is not None and header not in VERSIONS:
            said = meta.get(VERSION_META) if isinstance(meta, dict) else None
            if said is None or said == header:
                raise _unsupported(header)
        if not isinstance(meta, dict):
            raise RpcError(INVALID_PARAMS, "Invalid params: _meta is required", status=400)
        for key in (VERSION_META, CLIENT_CAPABILITIES_META):
            if key not in meta:
                raise RpcError(INVALID_PARAMS, f"Invalid params: _meta needs '{key}'", status=400)
        requested = meta[VERSION_META]
        if wire is not None:
            if wire.protocol_version is not None and wire.protocol_version != requested:
                raise RpcError(
                    HEADER_MISMATCH,
                    "Header mismatch: MCP-Protocol-Version differs from _meta's protocol version",
                    status=400,
                )
            if wire.method != method:
                told = "missing" if wire.method is None else f"'{wire.method}'"
                raise RpcError(
                    HEADER_MISMATCH,
                    f"Header mismatch: Mcp-Method is {told}, the body's method is '{method}'",
                    status=400,
                )
            named_by = NAMED_BY.get(method)
            if named_by is not None and wire.name is None:
                raise RpcError(HEADER_MISMATCH, "Header mismatch: Mcp-Name is missing", status=400)
            if (
                named_by is not None
                and wire.name is not None
                and wire.name.strip() != params.get(named_by)
            ):
                raise RpcError(
                    HEADER_MISMATCH,
                    f"Header mismatch: Mcp-Name differs from params.{named_by}",
                    status=400,
                )
        if requested != STATELESS_VERSION:
            raise _unsupported(requested)
        handler = self._stateless_methods.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}", status=404)
        return handler

    # --- version and lifecycle -------------------------------------------------------------

    async def _initialize(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
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
            "capabilities": self.stateless_capabilities,
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
            result = await self.catalog.read(uri)
        except ResourceNotFound:
            # 2026-07-28 retired -32002 for -32602 (SEP-2164)
            code = INVALID_PARAMS if version == STATELESS_VERSION else RESOURCE_NOT_FOUND
            raise RpcError(code, "Resource not found", {"uri": uri}) from None
        except CatalogError as exc:
            raise RpcError(INVALID_PARAMS, f"Invalid params: {exc}") from None
        if version == STATELESS_VERSION:
            result = {**result, "cacheScope": "public", "ttlMs": 0}
        return result

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


def _unsupported(requested: Any) -> RpcError:
    return RpcError(
        UNSUPPORTED_VERSION,
        "Unsupported protocol version: this server speaks 2026-07-28 without a handshake",
        {"supported": [STATELESS_VERSION], "requested": requested},
        status=400,
    )


def is_stateless(params: Mapping[str, Any], peer: Peer, wire: Wire | None) -> bool:
    """Whether a request is a 2026-07-28 one: its headers, its peer or its `_meta` say so."""
    if peer.version == STATELESS_VERSION:
        return True
    if wire is not None and wire.protocol_version is not None:
        return wire.protocol_version not in HANDSHAKE_VERSIONS
    meta = params.get("_meta")
    return isinstance(meta, dict) and any(
        isinstance(key, str) and key.startswith(META_PREFIX) for key in meta
    )


def _valid_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _safe_id(value: Any) -> Any:
    return value if _valid_id(value) else None
