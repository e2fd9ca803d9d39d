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
import zlib
from asyncio import current_task
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.http_exceptions import (
    BadHttpMessage,
    HttpProcessingError,
    LineTooLong,
)
from aiohttp.web_protocol import RequestHandler, RequestPayloadError
from aiohttp.web_request import BaseRequest

from naftiko.expose.problem import problem

if TYPE_CHECKING:
    from aiohttp import StreamReader
    from aiohttp.abc import AbstractStreamWriter
    from aiohttp.http_parser import RawRequestMessage


@dataclass(frozen=True)
class Limits:
    """What one request may cost: body bytes, header sizes, and total time."""

    max_body: int = 10 * 1024 * 1024
    max_header: int = 8190
    max_headers: int = 128
    max_header_total: int = 64 * 1024  # all header lines of one request together
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
            if isinstance(exc, LineTooLong):  # never the bytes it quotes: a credential, maybe
                reason = [f"a line longer than {exc.args[1]} bytes"]
            log.info("malformed request from %s: %s", request.remote, reason[0] if reason else "")
            detail = "the request is not valid HTTP/1.1"
        hint = ""
        headers: dict[str, str] | Mapping[str, str] = {}
        server = self._manager
        too_big = _too_big(exc, server.limits) if isinstance(server, _Server) else None
        if too_big is not None:
            status, detail = too_big
            hint = "the limit is --max-header-size (NAFTIKO_MAX_HEADER_SIZE)"
            if isinstance(server, _Server) and server.challenge and _credential(exc):
                # a credential too long for any check: refused as one, with the challenge
                status, detail = (
                    401,
                    f"the credential is longer than {server.limits.max_header} bytes",
                )
                headers, hint = server.challenge(detail), ""
        phrase = HTTPStatus(status).phrase if status in _STATUSES else "Error"
        response = problem(status, phrase, detail, hint=hint, headers=headers)
        response.headers["Server"] = SERVER
        response.force_close()
        return response

    def connection_lost(self, exc: BaseException | None) -> None:
        timer = getattr(self, "_naftiko_timer", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)


# what the parser quotes of a request line: the target (llhttp), or the whole line
_TARGET = re.compile(rb"^(?:[A-Z]+ )?(?:/|\*|[A-Za-z][A-Za-z0-9+.-]*://)")


_SCHEMES = re.compile(rb"^\s*(?:bearer|basic|digest|dpop)\s", re.IGNORECASE)


def _quoted(exc: LineTooLong) -> bytes:
    """The start of the line too long, as the parser quotes it."""
    quoted = exc.args[0] if exc.args else b""
    return quoted.encode("latin-1", "replace") if isinstance(quoted, str) else bytes(quoted)


def _credential(exc: BaseException | None) -> bool:
    """Whether the line too long is an Authorization value."""
    return isinstance(exc, LineTooLong) and bool(_SCHEMES.match(_quoted(exc)))


def _too_big(exc: BaseException | None, limits: Limits) -> tuple[int, str] | None:
    """431 for a header too long (or too many), 414 for a request target too long."""
    if isinstance(exc, LineTooLong):
        if _TARGET.match(_quoted(exc)):
            return 414, f"the request target is longer than {limits.max_header} bytes"
        return 431, f"a request header is longer than {limits.max_header} bytes"
    if isinstance(exc, BadHttpMessage) and "Too many headers" in str(exc):
        return 431, f"the request has more than {limits.max_headers} headers"
    return None


Challenge = Callable[[str], Mapping[str, str]]


class InFlight:
    """The requests an adapter is answering now, so that a drain can wait for them, then cut
    the ones still running short with a 503 rather than drop their connections. A server
    of `low_level_server` keeps them when it is given one (`server.in_flight`)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.cut = False
        # once the stop began: a request that arrives then (on a kept-alive connection) is
        # answered 503 at once, so that the drain ends with the requests it began with
        self.closing = False
        self.turned_away = 0


def track(server: web.Server, in_flight: InFlight) -> None:
    """Have ``server`` (one of `low_level_server`) keep its requests in ``in_flight``."""
    if not isinstance(server, _Server):
        raise TypeError(f"{server!r} was not made by low_level_server: it cannot be tracked")
    server.in_flight = in_flight


def stopping(why: str = "the server is stopping") -> web.Response:
    return problem(
        503,
        "Service Unavailable",
        why,
        hint="send it again: a restarted server or another replica answers it",
        headers={"Connection": "close", "Retry-After": "1"},
    )


class _Server(web.Server):
    def __init__(
        self, handler: Any, *, limits: Limits, challenge: Challenge | None, **kwargs: Any
    ) -> None:
        super().__init__(handler, **kwargs)
        self.limits = limits
        self.challenge = challenge
        self.in_flight: InFlight | None = None
        self._handler_options = {k: v for k, v in kwargs.items() if k not in _SERVER_ONLY}

    def __call__(self) -> RequestHandler:
        return _Connection(self, loop=self._loop, **self._handler_options)


_SERVER_ONLY = frozenset({"request_factory", "handler_cancellation", "loop"})
_STATUSES = frozenset(s.value for s in HTTPStatus)


Handler = Callable[[BaseRequest], Awaitable[web.StreamResponse]]


class BodyUnreadable(Exception):
    """A request body that cannot be decoded (a corrupt or truncated gzip stream, an
    encoding not supported): the client's fault, answered 400 (or 415), and the connection
    is not read from again."""

    def __init__(self, message: str, status: int = 400, hint: str = "") -> None:
        super().__init__(message)
        self.status, self.hint = status, hint


_DECODED = {"gzip": 31, "x-gzip": 31, "deflate": 15}  # zlib wbits per Content-Encoding


async def read_body(request: BaseRequest, limit: int) -> bytes:
    """The whole body, decoded by its Content-Encoding, within ``limit`` bytes (once
    decoded; HTTPRequestEntityTooLarge past it). The server leaves bodies encoded, so that a
    truncated stream is refused here rather than passed on cut short."""
    try:
        raw = await request.read()
    except (HttpProcessingError, RequestPayloadError):
        # the stream is broken: mark it ended, so that the server does not read on (and log
        # the same failure again) after the answer; the answer closes the connection
        request.content.feed_eof()
        raise BodyUnreadable("the body could not be read") from None
    encoding = request.headers.get("Content-Encoding")
    if encoding is None or not raw:
        return raw
    return _decoded(raw, encoding.strip().lower(), limit)


def _decoded(raw: bytes, encoding: str, limit: int) -> bytes:
    if encoding in ("", "identity"):
        return raw
    bits = _DECODED.get(encoding)
    if bits is None:
        raise BodyUnreadable(
            f"the body's Content-Encoding '{encoding[:40]}' is not supported",
            415,
            "send it as is, or gzip or deflate it",
        )
    if encoding == "deflate" and raw[0] & 0x0F != 8:
        bits = -15  # raw deflate, as some clients send it
    decoder = zlib.decompressobj(bits)
    try:
        body = decoder.decompress(raw, limit + 1)  # at most one byte past the limit
    except zlib.error:
        raise BodyUnreadable("the body's Content-Encoding cannot be decoded") from None
    if len(body) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    if not decoder.eof or decoder.unused_data:
        raise BodyUnreadable("the body's Content-Encoding cannot be decoded: it is cut short")
    return body


def _headers_too_big(total: int) -> web.Response:
    response = problem(
        431,
        "Request Header Fields Too Large",
        f"the request's headers together are longer than {total} bytes",
        hint="the limit is --max-header-total (NAFTIKO_MAX_HEADER_TOTAL)",
    )
    response.force_close()
    return response


def low_level_server(
    handler: Callable[[BaseRequest], Awaitable[web.StreamResponse]],
    limits: Limits,
    *,
    cancel_on_disconnect: bool = False,
    challenge: Challenge | None = None,
) -> web.Server:
    """A server for ``handler``; call it inside the event loop that will run it.
    ``cancel_on_disconnect`` cancels a handler whose client closed the connection;
    ``challenge`` gives the WWW-Authenticate headers of an adapter that checks credentials
    (for a credential too long to parse)."""
    loop = asyncio.get_running_loop()
    total, fits = limits.max_header_total, limits.max_header_total // limits.max_header

    def request_factory(
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: AbstractStreamWriter,
        task: asyncio.Task[None],
    ) -> BaseRequest:
        return BaseRequest(
            message, payload, protocol, writer, task, loop, client_max_size=limits.max_body
        )

    async def answer(request: BaseRequest) -> web.StreamResponse:
        tracker = server.in_flight
        task: asyncio.Task[Any] | None = None
        if tracker is not None:
            if tracker.closing:
                tracker.turned_away += 1
                return stopping()
            task = current_task(loop)  # the request's own (request.task is its connection's)
            assert task is not None
            tracker.tasks.add(task)
        connection = request.protocol
        ours = connection if isinstance(connection, _Connection) else None
        if ours is not None:
            ours.naftiko_busy = True
        response: web.StreamResponse
        try:
            raw = request.raw_headers
            if len(raw) > fits and sum(len(k) + len(v) + 4 for k, v in raw) > total:
                response = _headers_too_big(total)  # as many lines as could not exceed: no sum
            else:
                response = await handler(request)
        except asyncio.CancelledError:
            if tracker is None or task is None or not tracker.cut:
                raise
            task.uncancel()
            response = stopping("the server stopped before this request finished")
        finally:
            if ours is not None:
                ours.finished()
            if tracker is not None and task is not None:
                tracker.tasks.discard(task)
        response.headers.setdefault("Server", SERVER)  # not Python's and aiohttp's versions
        return response

    server = _Server(
        answer,
        limits=limits,
        challenge=challenge,
        request_factory=request_factory,
        max_line_size=limits.max_header,
        max_field_size=limits.max_header,
        max_headers=limits.max_headers,
        keepalive_timeout=limits.keepalive,
        handler_cancellation=cancel_on_disconnect,
        auto_decompress=False,  # read_body decodes, and refuses what is cut short
    )
    return server
