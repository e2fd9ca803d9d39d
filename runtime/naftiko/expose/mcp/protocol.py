"""JSON-RPC 2.0 and MCP, free of any transport: one message in, one answer (or none) out.

Revisions: `initialize` echoes 2025-03-26, 2025-06-18 and 2025-11-25 and answers 2025-11-25
to anything else; 2026-07-28 is stateless (`server/discover`, the version and client
capabilities in each request's `_meta`). A request is a 2026-07-28 one when its transport says
so or its `_meta` carries `io.modelcontextprotocol/` keys; such a request is held to that
revision's rules (required `_meta`, matching headers, removed methods answered 404). What a
result carries follows the revision in force for the request. Transports own sessions and
headers, passing the revision they know (``Peer``) and the request's headers (``Wire``).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from naftiko import inbound
from naftiko.engine import Engine
from naftiko.errors import NaftikoError
from naftiko.expose.mcp import traced
from naftiko.expose.mcp.cancels import Cancels
from naftiko.expose.mcp.catalog import Catalog, CatalogError, ResourceNotFound
from naftiko.expose.mcp.failures import failure
from naftiko.expose.mcp.jsonrpc import (
    HANDSHAKE_VERSIONS,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LATEST,
    LOG_LEVELS,
    METHOD_NOT_FOUND,
    REMOVED_STATELESS,
    RESOURCE_NOT_FOUND,
    SERVER_INFO_META,
    STATELESS_VERSION,
    VERSIONS,
    CacheHints,
    Emit,
    Handler,
    Message,
    Params,
    Peer,
    Result,
    RpcError,
    ServerInfo,
    Wire,
    error,
    safe_id,
    valid_id,
)
from naftiko.expose.mcp.listen import Bus, progress_of, subscribe
from naftiko.expose.mcp.stateless import check_mirrored, check_stateless, is_stateless
from naftiko.expose.mcp.tools import Tool, compile_tools
from naftiko.observe import access, tracing
from naftiko.observe.metrics import METRICS
from naftiko.progress import reporting
from naftiko.spec.model import Adapter, Capability
from naftiko.version import __version__

log = logging.getLogger("naftiko.mcp")


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
        self.propagates = engine.propagates  # its calls pass on what callers sent
        self._shapes = tracing.Shapes(tracing.SERVER)  # its spans' shapes, by method and tool
        self._span_fixed = traced.adapter_attributes(
            adapter
        )  # what every span of this adapter says
        self.tools: dict[str, Tool] = {
            t.name: t for t in compile_tools(adapter.units, engine.plans)
        }
        self._tool_list = list(self.tools.values())
        self._served = {name: METRICS.served(self.name, name) for name in self.tools}
        # every scope a tool asks for (x-naftiko-scopes), for the protected-resource metadata
        self.scopes = tuple(dict.fromkeys(s for t in self._tool_list for s in t.scopes))
        self.catalog = Catalog(capability, adapter.mcp_resources, adapter.prompts, engine.plans)
        # a reload may change every list: clients hear of it (listen.py)
        self.bus = Bus()
        self.cancels = Cancels()  # the session calls notifications/cancelled stops
        # 2026-07-28 caching hints of lists and reads (x-naftiko-ttlMs / -cacheScope)
        self.hints: CacheHints = {"cacheScope": adapter.cache_scope, "ttlMs": adapter.ttl_ms}
        self.capabilities: dict[str, dict[str, bool]] = {
            "tools": {"listChanged": True},
            "logging": {},
        }
        if adapter.mcp_resources:
            self.capabilities["resources"] = {"listChanged": True}
        if adapter.prompts:
            self.capabilities["prompts"] = {"listChanged": True}
        # 2026-07-28 clients list prompts and resources whatever is declared (caching hints):
        # the stateless revision serves them, empty when the file has none, and says so.
        self.stateless_capabilities: dict[str, dict[str, bool]] = {
            k: {"listChanged": True} for k in ("tools", "resources", "prompts")
        }
        self.server_info: ServerInfo = {"name": adapter.namespace, "version": __version__}
        if capability.label:
            self.server_info["title"] = capability.label
        self._methods: dict[str, Handler] = {
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
                "subscriptions/listen": self._ping,  # _run serves it: it needs the stream
            }
        )

    async def handle(self, message: object, peer: Peer) -> Message | None:
        """The answer to one JSON-RPC message; None for notifications and responses."""
        return (await self.answer(message, peer))[1]

    async def answer(
        self, message: object, peer: Peer, wire: Wire | None = None, emit: Emit | None = None
    ) -> tuple[int, Message | None]:
        """The HTTP status and answer for one message (None: no answer is due); `wire` holds
        the request's headers, `emit` sends notifications ahead of the answer."""
        if not isinstance(message, dict):
            return 200, error(None, INVALID_REQUEST, "Invalid Request: expected a JSON-RPC object")
        id_ = message.get("id")
        if message.get("jsonrpc") != "2.0":
            refusal = "Invalid Request: jsonrpc must be '2.0'"
            return 200, error(safe_id(id_), INVALID_REQUEST, refusal)
        method = message.get("method")
        if method is None:
            if "result" in message or "error" in message:
                return 202, None  # a response from the client: nothing to answer
            return 200, error(safe_id(id_), INVALID_REQUEST, "Invalid Request: no method")
        if not isinstance(method, str):
            refusal = "Invalid Request: method must be a string"
            return 200, error(safe_id(id_), INVALID_REQUEST, refusal)
        if "id" not in message:
            self._notification(method, message.get("params"), peer)
            return 202, None
        if not valid_id(id_):
            refusal = "Invalid Request: id must be a string or number"
            return 200, error(None, INVALID_REQUEST, refusal)
        params = message.get("params")
        if params is not None and not isinstance(params, dict):
            return 200, error(id_, INVALID_PARAMS, "Invalid params: params must be an object")
        params = params or {}
        started, counting = time.perf_counter(), access.begin()
        route = traced.span_name(method, params)
        tracer = tracing.tracer
        if tracer is None:
            status, answered = await self._answer(method, id_, params, peer, wire, emit)
            access.line(counting, self.name, "MCP", route, status, started, 0)
            return status, answered
        shape = traced.span_shape(
            self._shapes, self._span_fixed, method, route, params, peer.version
        )
        with tracer.server(shape, traced.carrier(params, wire)) as span:
            span.set("jsonrpc.request.id", str(id_)[: traced.MAX_ID])
            status, answered = await self._answer(method, id_, params, peer, wire, emit)
            traced.describe(span, answered)
        access.line(counting, self.name, "MCP", route, status, started, 0, span)
        return status, answered

    async def _answer(
        self,
        method: str,
        id_: str | int,
        params: dict[str, Any],
        peer: Peer,
        wire: Wire | None,
        emit: Emit | None,
    ) -> tuple[int, Message | None]:
        try:
            if is_stateless(params, peer, wire):
                version = STATELESS_VERSION
                handler = self._stateless_handler(method, params, wire)
            else:
                version = peer.version
                handler = self._handler(method)
            result = await self._run(handler, method, params, version, peer, id_, emit)
        except asyncio.CancelledError:
            if (current := asyncio.current_task()) is not None:
                self.cancels.stopped(current)  # a client's cancel is undone
                if current.cancelling():
                    raise  # the transport is going away, not (only) a cancelled call
            log.info("%s: request %r cancelled by the client", self.name, id_)
            return 202, None  # a cancelled request gets no answer
        except RpcError as exc:
            return exc.status, error(id_, exc.code, exc.message, exc.data)
        except NaftikoError as exc:  # the one boundary of every method but tools/call's own
            return 200, failure(id_, exc)
        except Exception:
            log.exception("%s: %s failed", self.name, method)
            return 200, error(id_, INTERNAL_ERROR, "Internal error")
        if version == STATELESS_VERSION:
            result.setdefault("resultType", "complete")
        return 200, {"jsonrpc": "2.0", "id": id_, "result": result}

    async def _run(
        self,
        handler: Handler,
        method: str,
        params: Params,
        version: str,
        peer: Peer,
        id_: str | int,
        emit: Emit | None,
    ) -> Result:
        """Run a handler; a tool call runs as a task its peer can cancel, and reports
        progress when the request asked for it and the transport can send it."""
        if method == "subscriptions/listen":
            return await subscribe(self.bus, params, id_, emit)
        if method != "tools/call":
            return await handler(params, version, peer)
        meta = params.get("_meta")
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        reporter = progress_of(token, emit) if valid_id(token) and emit is not None else None
        calls = peer.calls  # a session's: a later notifications/cancelled may name it
        work = handler(params, version, peer)
        if calls is not None:
            work = self.cancels.run(calls, id_, work)
        if reporter is None and (meta is None or not self.propagates):
            return await work  # the common case: nothing to report or pass on
        with reporting(reporter) if reporter is not None else nullcontext(), inbound.meta(meta):
            return await work

    def _handler(self, method: str) -> Handler:
        if method == "initialize":
            return self._initialize
        handler = self._methods.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")
        return handler

    def _stateless_handler(self, method: str, params: Params, wire: Wire | None) -> Handler:
        """A 2026-07-28 request checked against its revision's rules; its method's handler."""
        check_stateless(method, params, wire)
        name = params.get("name") if method == "tools/call" else None
        tool = self.tools.get(name) if isinstance(name, str) else None
        if tool is not None:
            check_mirrored(tool.mirrored, params.get("arguments"), wire)
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
        result: dict[str, Any] = {
            "protocolVersion": version,
            "capabilities": self.capabilities,
            "serverInfo": self.server_info,
        }
        if self.adapter.description:
            result["instructions"] = self.adapter.description
        return result

    def _notification(self, method: str, params: object, peer: Peer) -> None:
        """Notifications need no answer; nothing of the client is kept (sessions stay small).
        `notifications/cancelled` stops the named call of this session or connection."""
        if method != "notifications/cancelled" or not isinstance(params, dict):
            return
        rid = params.get("requestId")
        if peer.calls is not None and valid_id(rid):
            self.cancels.stop(peer.calls, rid)

    async def _ping(self, params: Mapping[str, Any], version: str, peer: Peer) -> dict[str, Any]:
        return {}

    async def _discover(
        self, params: Mapping[str, Any], version: str, peer: Peer
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "supportedVersions": list(VERSIONS),
            "capabilities": self.stateless_capabilities,
            **self.hints,
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
        tools = self._tool_list
        caller = inbound.caller() if self.scopes else None
        if caller is not None:  # a token lists only the tools its scopes may call
            tools = [t for t in tools if caller.scopes.issuperset(t.scopes)]
        page, cursor = self._page(tools, params)
        listed = self._listed("tools", [t.describe(version) for t in page], cursor, version)
        if caller is not None and "cacheScope" in listed:
            listed["cacheScope"] = "private"  # what this token sees, not what others do
        return listed

    def tool_scopes(self, name: str | None) -> tuple[str, ...]:
        tool = self.tools.get(name) if name is not None else None
        return tool.scopes if tool is not None else ()

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
        self._served[name].count(status, time.perf_counter() - started)
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
            return {**self.hints, **result}
        result.pop("ttlMs", None)
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
            result.update(self.hints)
        return result
