"""The low-level aiohttp server every HTTP adapter runs on, with the request limits applied.

No router or middleware layers: each adapter matches its own precompiled routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import BaseRequest


@dataclass(frozen=True)
class Limits:
    """What one request may cost: body bytes, header sizes, and total time."""

    max_body: int = 10 * 1024 * 1024
    max_header: int = 8190
    max_headers: int = 128
    deadline: float = 60.0


DEFAULT_LIMITS = Limits()
SERVER = "naftiko"


def low_level_server(
    handler: Callable[[BaseRequest], Awaitable[web.StreamResponse]],
    limits: Limits,
    *,
    cancel_on_disconnect: bool = False,
) -> web.Server:
    """A server for ``handler``; call it inside the event loop that will run it.
    ``cancel_on_disconnect`` cancels a handler whose client closed the connection."""
    loop = asyncio.get_running_loop()

    def request_factory(
        message: Any, payload: Any, protocol: Any, writer: Any, task: Any
    ) -> BaseRequest:
        return BaseRequest(
            message, payload, protocol, writer, task, loop, client_max_size=limits.max_body
        )

    async def answer(request: BaseRequest) -> web.StreamResponse:
        response = await handler(request)
        response.headers.setdefault("Server", SERVER)  # not Python's and aiohttp's versions
        return response

    return web.Server(
        answer,
        request_factory=request_factory,
        max_line_size=limits.max_header,
        max_field_size=limits.max_header,
        max_headers=limits.max_headers,
        keepalive_timeout=75.0,
        handler_cancellation=cancel_on_disconnect,
    )
