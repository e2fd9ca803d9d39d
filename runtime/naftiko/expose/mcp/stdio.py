"""MCP over stdio: newline-delimited JSON-RPC on stdin and stdout, logs on stderr.

Requests run concurrently and are answered as they finish, each line written whole. Blank
lines are skipped; a line that is not JSON gets -32700 with a null id. At EOF the server
waits (bounded) for the requests in flight, then returns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any, BinaryIO

from naftiko import jsonio
from naftiko.expose.mcp.jsonrpc import PARSE_ERROR, Peer, error
from naftiko.expose.mcp.protocol import McpServer

log = logging.getLogger("naftiko.mcp")

MAX_LINE = 16 * 1024 * 1024
# Unicode line separators, written raw by the JSON encoder, escaped so no reader splits a line.
_LINE_BREAKS = (
    ("\u0085".encode(), b"\\u0085"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


async def serve_stdio(
    server: McpServer,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    grace: float = 10.0,
) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE)
    source = stdin or sys.stdin.buffer
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), source)
    sink = stdout or sys.stdout.buffer
    sink_fd = sink.fileno()
    peer = Peer(calls={})
    pending: set[asyncio.Task[None]] = set()

    def write(answer: dict[str, Any] | list[Any]) -> None:
        data = jsonio.dumps(answer)
        for raw, escaped in _LINE_BREAKS:  # only inside strings; readers that split on them
            data = data.replace(raw, escaped)
        data += b"\n"
        view = memoryview(data)
        while view:
            written = os.write(sink_fd, view)
            view = view[written:]

    async def emit(notification: dict[str, Any]) -> None:
        write(notification)

    async def answer(message: Any) -> None:
        try:
            found = (await server.answer(message, peer, emit=emit))[1]
        except Exception:  # the protocol answers its own errors; this is a last resort
            log.exception("stdio: a message could not be handled")
            return
        if found is not None:
            write(found)

    log.info("mcp adapter '%s' serving on stdio", server.name)
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # longer than MAX_LINE; the buffered part is dropped
            write(error(None, PARSE_ERROR, "Parse error: line too long"))
            continue
        if not line:
            break
        if not line.strip():
            continue
        try:
            message = jsonio.loads(line)
        except ValueError:
            write(error(None, PARSE_ERROR, "Parse error: the line is not JSON"))
            continue
        if isinstance(message, dict) and message.get("method") == "initialize":
            await answer(message)  # the version must be settled before later messages
            continue
        task = asyncio.create_task(answer(message))
        pending.add(task)
        task.add_done_callback(pending.discard)
    server.bus.close()  # listen streams end at once; calls get the grace period
    if pending:
        await asyncio.wait(pending, timeout=grace)
    log.info("stdin closed; mcp adapter '%s' stops", server.name)
