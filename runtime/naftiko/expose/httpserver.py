"""The low-level aiohttp server every HTTP adapter runs on, with the request limits applied.

No router or middleware layers: each adapter matches its own precompiled routes. Each
connection must finish sending a request's headers within ``header_timeout`` of opening (or
of its previous answer, plus the keep-alive time), so that a client trickling bytes
(slowloris) cannot hold a connection; an adapter keeps at most ``max_connections`` open and
closes the ones beyond.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from naftiko.expose.problem import problem


@dataclass(frozen=True)
class Limits:
    """What one request may cost: body bytes, header sizes, and total time."""

    max_body: int = 10 * 1024 * 1024
    max_header: int = 8190
    max_headers: int = 128
    deadline: float = 60.0
    header_timeout: float = 10.0
    keepalive: float = 15.0
    max_connections: int = 1000


DEFAULT_LIMITS = Limits()
SERVER = "naftiko"
log = logging.getLogger("naftiko.server")


class _Connection(RequestHandler):
    """One client connection, closed when its request headers take too long."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        server = self._manager
        assert isinstance(server, _Server)
        self.naftiko_busy = False
        self._naftiko_timer: asyncio.TimerHandle | None = None
        self._naftiko_deadline = 0.0
        if len(server.connections) > server.limits.max_connections:
            log.warning(
                "%d connections open: closing a new one (--max-connections)",
                len(server.connections) - 1,
            )
            transport.close()
            return
        self._naftiko_wait = server.limits.keepalive + server.limits.header_timeout
        self._naftiko_deadline = self._loop.time() + server.limits.header_timeout
        self._naftiko_timer = self._loop.call_at(self._naftiko_deadline, self._expire)

    def _expire(self) -> None:
        """One timer per connection, moved on rather than re-made per request: at its
        deadline a connection still waiting for headers is closed (a slow or silent client)."""
        self._naftiko_timer = None
        if self.naftiko_busy or self.transport is None:
            return  # finished() schedules the next deadline
        if self._loop.time() < self._naftiko_deadline:
            self._naftiko_timer = self._loop.call_at(self._naftiko_deadline, self._expire)
            return
        self.transport.close()

    def started(self) -> None:
        self.naftiko_busy = True

    def finished(self) -> None:
        self.naftiko_busy = False
        if self.transport is None or not self._naftiko_deadline:
            return
        self._naftiko_deadline = self._loop.time() + self._naftiko_wait
        if self._naftiko_timer is None:
            self._naftiko_timer = self._loop.call_at(self._naftiko_deadline, self._expire)

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """A request the HTTP parser refused (or a failure outside every adapter's own
        handling): one log line, and a problem+json answer that does not echo the bytes."""
        if request.writer.output_size > 0:
            raise ConnectionError("an answer is already on its way")
        if status >= 500:
            log.error(
                "request from %s failed: %s", request.remote, type(exc).__name__, exc_info=exc
            )
            detail = "the request failed unexpectedly"
        else:
            reason = str(getattr(exc, "message", "") or message or "").strip().splitlines()
            log.info("malformed request from %s: %s", request.remote, reason[0] if reason else "")
            detail = "the request is not valid HTTP/1.1"
        hint = ""
        server = self._manager
        too_big = _too_big(exc, server.limits) if isinstance(server, _Server) else None
        if too_big is not None:
            status, detail = too_big
            hint = "the limit is --max-header-size (NAFTIKO_MAX_HEADER_SIZE)"
        phrase = HTTPStatus(status).phrase if status in _STATUSES else "Error"
        response = problem(status, phrase, detail, hint=hint, headers={"Server": SERVER})
        response.force_close()
        return response

    def connection_lost(self, exc: BaseException | None) -> None:
        timer = getattr(self, "_naftiko_timer", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)


# what the parser quotes of a request line: the target (llhttp), or the whole line
_TARGET = re.compile(rb"^(?:[A-Z]+ )?(?:/|\*|[A-Za-z][A-Za-z0-9+.-]*://)")


def _too_big(exc: BaseException | None, limits: Limits) -> tuple[int, str] | None:
    """431 for a header too long (or too many), 414 for a request target too long."""
    if isinstance(exc, LineTooLong):
        quoted = exc.args[0] if exc.args else b""
        quoted = quoted.encode("latin-1", "replace") if isinstance(quoted, str) else quoted
        if _TARGET.match(bytes(quoted)):
            return 414, f"the request target is longer than {limits.max_header} bytes"
        return 431, f"a request header is longer than {limits.max_header} bytes"
    if isinstance(exc, BadHttpMessage) and "Too many headers" in str(exc):
        return 431, f"the request has more than {limits.max_headers} headers"
    return None


class _Server(web.Server):
    def __init__(self, handler: Any, *, limits: Limits, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.limits = limits
        self._handler_options = {k: v for k, v in kwargs.items() if k not in _SERVER_ONLY}

    def __call__(self) -> RequestHandler:
        return _Connection(self, loop=self._loop, **self._handler_options)


_SERVER_ONLY = frozenset({"request_factory", "handler_cancellation", "loop"})
_STATUSES = frozenset(s.value for s in HTTPStatus)


Handler = Callable[[BaseRequest], Awaitable[web.StreamResponse]]


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
        connection = request.protocol
        if isinstance(connection, _Connection):
            connection.started()
        try:
            response = await handler(request)
        finally:
            if isinstance(connection, _Connection):
                connection.finished()
        response.headers.setdefault("Server", SERVER)  # not Python's and aiohttp's versions
        return response

    return _Server(
        answer,
        limits=limits,
        request_factory=request_factory,
        max_line_size=limits.max_header,
        max_field_size=limits.max_header,
        max_headers=limits.max_headers,
        keepalive_timeout=limits.keepalive,
        handler_cancellation=cancel_on_disconnect,
    )
