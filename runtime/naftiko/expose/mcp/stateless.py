"""The rules of the stateless revision, 2026-07-28, for one request.

A request is a 2026-07-28 one when its transport says so (the `MCP-Protocol-Version` header,
or a stdio peer that settled on it) or its `_meta` carries `io.modelcontextprotocol/` keys.
Such a request needs `_meta` with the protocol version and client capabilities (-32602,
HTTP 400); over HTTP its `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers must
repeat the body (-32020, HTTP 400); an unsupported version is -32022 with `data.supported`
and `data.requested` (HTTP 400).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from naftiko.expose.mcp.jsonrpc import (
    CLIENT_CAPABILITIES_META,
    HANDSHAKE_VERSIONS,
    HEADER_MISMATCH,
    INVALID_PARAMS,
    META_PREFIX,
    NAMED_BY,
    STATELESS_VERSION,
    UNSUPPORTED_VERSION,
    VERSION_META,
    VERSIONS,
    Peer,
    RpcError,
    Wire,
)

PARAM_HEADER = "mcp-param-"


def check_stateless(method: str, params: Mapping[str, Any], wire: Wire | None) -> None:
    """Raise the RpcError a 2026-07-28 request earns; nothing when it is well formed."""
    meta = params.get("_meta")
    header = wire.protocol_version if wire is not None else None
    if header is not None and header not in VERSIONS:
        said = meta.get(VERSION_META) if isinstance(meta, dict) else None
        if said is None or said == header:
            raise unsupported(header)
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
        raise unsupported(requested)


def check_mirrored(
    mirrored: tuple[tuple[str, str], ...], arguments: Any, wire: Wire | None
) -> None:
    """Each mirrored argument and its `Mcp-Param-*` header agree: present together and equal
    (after `=?base64?...?=` decoding), or absent together; -32020 (HTTP 400) otherwise."""
    if wire is None or not mirrored:
        return
    given = arguments if isinstance(arguments, dict) else {}
    for argument, token in mirrored:
        header = f"Mcp-Param-{token}"
        copies = wire.params.get(header.lower(), ())
        value = given.get(argument)
        if len(copies) > 1:
            raise _mismatch(f"{header} appears more than once")
        if value is None:
            if copies:
                raise _mismatch(f"{header} is sent but argument '{argument}' is not")
            continue
        if not copies:
            raise _mismatch(f"argument '{argument}' is sent without its {header} header")
        if _decoded(copies[0].strip()) != _rendered(value):
            raise _mismatch(f"{header} differs from argument '{argument}'")


def _rendered(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (str, int, float)) else None


def _decoded(value: str) -> str | None:
    """A header value as sent: literal, or the payload of a `=?base64?...?=` wrapper."""
    if not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    payload = value[len("=?base64?") : -2]
    try:
        raw = base64.b64decode(payload, validate=True)
        if base64.b64encode(raw).decode("ascii") != payload:
            return None  # not canonical: never equal to anything
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _mismatch(message: str) -> RpcError:
    return RpcError(HEADER_MISMATCH, f"Header mismatch: {message}", status=400)


def unsupported(requested: Any) -> RpcError:
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
