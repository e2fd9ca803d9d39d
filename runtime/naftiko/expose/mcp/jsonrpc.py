"""JSON-RPC 2.0 as MCP speaks it: revisions, `_meta` keys, error codes, the error answer,
what a transport knows of its peer and of one request's headers, and the shape of a method
(its handler, server info, caching hints)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple, TypedDict, TypeGuard

from naftiko.jsontypes import JSON

# How a transport sends the client a notification before the answer (progress).
Emit = Callable[[dict[str, Any]], Awaitable[None]]

HANDSHAKE_VERSIONS = ("2025-03-26", "2025-06-18", "2025-11-25")
STATELESS_VERSION = "2026-07-28"
VERSIONS = (*HANDSHAKE_VERSIONS, STATELESS_VERSION)
LATEST = "2025-11-25"
DEFAULT_VERSION = "2025-03-26"
# a JSON-RPC request id; None when it is unknown (a parse error) or there is none
RequestId = str | int | None
VERSION_META = "io.modelcontextprotocol/protocolVersion"
CLIENT_CAPABILITIES_META = "io.modelcontextprotocol/clientCapabilities"
META_PREFIX = "io.modelcontextprotocol/"
SERVER_INFO_META = "io.modelcontextprotocol/serverInfo"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002
# a failure the server can name (an upstream's answer or absence, a limit, a disabled target):
# the message says which, `data` carries its status and problem fields
SERVER_ERROR = -32000
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


_NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass
class Peer:
    """What is known of the client on this session or connection."""

    version: str = DEFAULT_VERSION
    log_level: str = "info"
    # Tool calls in flight by request id, so that `notifications/cancelled` can stop them;
    # None where no later message can name them (a stateless HTTP request).
    calls: dict[Any, asyncio.Task[Any]] | None = None


class Wire(NamedTuple):
    """The HTTP headers of one request that 2026-07-28 asks to match its body (a tuple:
    made on every request)."""

    protocol_version: str | None = None
    method: str | None = None
    name: str | None = None
    # `Mcp-Param-*` headers by lower-case name, every copy of each (SEP-2243 custom headers)
    params: Mapping[str, tuple[str, ...]] = _NOTHING
    # W3C trace context sent as HTTP headers (`traceparent`, `tracestate`)
    trace: Mapping[str, str] = _NOTHING


class RpcError(Exception):
    """A JSON-RPC error answer; `status` is the HTTP status it takes on the stateless wire."""

    def __init__(self, code: int, message: str, data: Any = None, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.status = status


def error(id_: RequestId, code: int, message: str, data: JSON = None) -> Message:
    body: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    return {"jsonrpc": "2.0", "id": id_, "error": body}


def valid_id(value: object) -> TypeGuard[str | int]:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def safe_id(value: object) -> RequestId:
    return value if valid_id(value) else None


Message = dict[str, JSON]  # a JSON-RPC message: a request, an answer or a notification
Params = Mapping[str, Any]  # a request's params: a JSON object
Result = dict[str, Any]  # a method's result: a JSON object
# a method: its params, the revision in force for the request, the peer
Handler = Callable[[Params, str, Peer], Awaitable[Result]]


class ServerInfo(TypedDict, total=False):
    name: str
    version: str
    title: str  # the capability's label, when it has one


class CacheHints(TypedDict):
    """2026-07-28 caching hints of lists and reads."""

    cacheScope: str
    ttlMs: int
