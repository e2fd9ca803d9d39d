"""Telling MCP clients that a list changed (a reload changed the tools, prompts or resources).

2026-07-28 clients ask with `subscriptions/listen` (SEP-2575): the answer is a stream that
starts with `notifications/subscriptions/acknowledged` (the kinds honoured), then carries a
`notifications/<kind>/list_changed` per change, each stamped with the listen request's id in
`_meta`, and ends with the result when the server stops. 2025-11-25 clients open a GET stream
on their session and get the same notifications, unstamped. Each stream has a bounded backlog:
one whose client stops reading is ended (the client listens again and refetches).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from naftiko.expose.mcp.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST, RequestId, RpcError
from naftiko.progress import Reporter

SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"
KINDS = {
    "toolsListChanged": "notifications/tools/list_changed",
    "promptsListChanged": "notifications/prompts/list_changed",
    "resourcesListChanged": "notifications/resources/list_changed",
}
MAX_STREAMS = 1000
BACKLOG = 64
_CLOSED = ""


class Bus:
    """The adapter's change events, to every open stream; it outlives a reload."""

    def __init__(self) -> None:
        self._streams: set[asyncio.Queue[str]] = set()

    def subscribe(self) -> asyncio.Queue[str] | None:
        """A stream's queue of changed kinds; None when too many streams are open."""
        if len(self._streams) >= MAX_STREAMS:
            return None
        queue: asyncio.Queue[str] = asyncio.Queue(BACKLOG)
        self._streams.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        self._streams.discard(queue)

    def publish(self, kind: str) -> None:
        """``kind`` (toolsListChanged...) changed; a stream too far behind is ended."""
        for queue in list(self._streams):
            try:
                queue.put_nowait(kind)
            except asyncio.QueueFull:
                self._end(queue)

    def close(self) -> None:
        """End every stream (the server stops): each sends its last frame and returns."""
        for queue in list(self._streams):
            self._end(queue)

    def _end(self, queue: asyncio.Queue[str]) -> None:
        self._streams.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(_CLOSED)

    def __len__(self) -> int:
        return len(self._streams)


Emit = Callable[[dict[str, Any]], Awaitable[None]]


async def listen(
    bus: Bus, params: Mapping[str, Any], request_id: RequestId, emit: Emit
) -> dict[str, Any]:
    """Serve one `subscriptions/listen` request until the server stops or the client goes."""
    wanted = params.get("notifications")
    wanted = wanted if isinstance(wanted, Mapping) else {}
    honored = {kind: True for kind in KINDS if wanted.get(kind) is True}
    meta = {SUBSCRIPTION_ID: request_id}
    queue = bus.subscribe()
    if queue is None:
        raise OverflowError("too many listen streams are open")
    try:
        acknowledged = {"notifications": honored, "_meta": meta}
        await emit(_notification("notifications/subscriptions/acknowledged", acknowledged))
        while (kind := await queue.get()) != _CLOSED:
            if kind in honored:
                await emit(_notification(KINDS[kind], {"_meta": meta}))
    finally:
        bus.unsubscribe(queue)
    return {"_meta": meta, "resultType": "complete"}


async def follow(bus: Bus, send: Emit) -> None:
    """A 2025-11-25 session's GET stream: every change, until the server stops."""
    queue = bus.subscribe()
    if queue is None:
        raise OverflowError("too many streams are open")
    try:
        while (kind := await queue.get()) != _CLOSED:
            await send(_notification(KINDS[kind], None))
    finally:
        bus.unsubscribe(queue)


async def subscribe(
    bus: Bus, params: Mapping[str, Any], request_id: RequestId, emit: Emit | None
) -> dict[str, Any]:
    """`subscriptions/listen` as a JSON-RPC method: it needs a stream to answer on."""
    if emit is None:
        raise RpcError(
            INVALID_REQUEST, "subscriptions/listen needs a stream: Accept text/event-stream"
        )
    try:
        return await listen(bus, params, request_id, emit)
    except OverflowError as exc:
        raise RpcError(INTERNAL_ERROR, f"Internal error: {exc}") from None


def _notification(method: str, params: dict[str, Any] | None) -> dict[str, Any]:
    found: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        found["params"] = params
    return found


def progress_of(token: str | int, emit: Emit) -> Reporter:
    """A reporter that sends `notifications/progress` for ``token``, counting up."""
    sent = 0

    async def send(message: str) -> None:
        nonlocal sent
        sent += 1
        params = {"progressToken": token, "progress": sent, "message": message}
        await emit({"jsonrpc": "2.0", "method": "notifications/progress", "params": params})

    return send
