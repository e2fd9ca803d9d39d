"""Named failures as typed JSON-RPC errors: the MCP face's one boundary for every method but
`tools/call`, whose failures are `isError` results."""

from __future__ import annotations

from typing import Any

from naftiko.errors import InputError, NaftikoError
from naftiko.expose.mcp.jsonrpc import INVALID_PARAMS, SERVER_ERROR, RequestId, error
from naftiko.observe.redact import scrub, scrub_data


def failure(id_: RequestId, exc: NaftikoError) -> dict[str, Any]:
    """Bad input is -32602 (invalid params), everything else -32000 with its status and
    problem fields in `data`; scrubbed."""
    code = INVALID_PARAMS if isinstance(exc, InputError) else SERVER_ERROR
    data = scrub_data({**exc.as_dict(), "status": exc.http_status})
    return error(id_, code, scrub(exc.message), data)
