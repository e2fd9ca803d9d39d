"""MCP over streamable HTTP (aiohttp's low-level server): one endpoint at `/mcp` and `/`.

Answers are JSON (an SSE frame only for clients that accept nothing else); notifications and
client responses get 202 with an empty body; GET is 405. Sessions carry a random
`Mcp-Session-Id`, are enforced (400 without, 404 unknown or deleted), expire when idle and
are bounded in number, the least recently used going first; `stateless` issues none, so
replicas can share a load balancer. On a loopback bind, `Host` and `Origin` must be local
(DNS rebinding), plus any names allowed explicitly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import BaseRequest
from multidict import CIMultiDictProxy

from naftiko import inbound, jsonio
from naftiko.expose.auth import InboundAuth
from naftiko.expose.guard import HostGuard
from naftiko.expose.httpserver import (
    SERVER,
    BodyUnreadable,
    Handler,
    Limits,
    low_level_server,
    read_body,
)
from naftiko.expose.mcp.jsonrpc import (
    DEFAULT_VERSION,
    HANDSHAKE_VERSIONS,
    INVALID_REQUEST,
    PARSE_ERROR,
    STATELESS_VERSION,
    Peer,
    Wire,
    error,
)
from naftiko.expose.mcp.listen import follow
from naftiko.expose.mcp.protocol import McpServer
from naftiko.expose.mcp.sessions import Sessions
from naftiko.expose.mcp.stateless import PARAM_HEADER, is_stateless
from naftiko.expose.oauth import Rejected, is_metadata, metadata_answer
from naftiko.observe import tracing
from naftiko.state import StateUnavailable

log = logging.getLogger("naftiko.mcp")

ENDPOINTS = frozenset({"/", "/mcp", "/mcp/"})
# One request may start at most this many calls at once (each message of a batch is one).
MAX_BATCH = 32
_EMPTY_202 = {"status": 202}


@dataclass(frozen=True)
class McpOptions:
    stateless: bool = False
    allowed_hosts: tuple[str, ...] = ()
    session_idle: float = 3600.0
    max_sessions: int = 10_000


class McpHttpAdapter:
    def __init__(
        self,
        server: McpServer,
        auth: InboundAuth | None,
        limits: Limits,
        options: McpOptions,
        host: str,
    ) -> None:
        self.protocol = server
        self.auth = auth
        self.limits = limits
        self.options = options
        self.sessions = Sessions(
            options.session_idle, options.max_sessions, f"naftiko:mcp:{server.name}:"
        )
        self.guard = HostGuard(host, options.allowed_hosts)
        # what the request carries is kept for the code it reaches only when read there:
        # the caller a token proves, or headers its calls pass on
        self._hears = auth is not None or server.propagates

    def _refused(self, request: BaseRequest, rejected: Rejected) -> web.Response:
        assert self.auth is not None
        headers = self.auth.challenge_headers(request, rejected)
        text = {403: "Forbidden", 503: "Service Unavailable"}.get(rejected.status, "Unauthorized")
        return web.Response(status=rejected.status, text=text, headers=headers)

    def server(self, handler: Handler | None = None) -> web.Server:
        # A client that hangs up cancels its call, and so the upstream request it waits on.
        return low_level_server(
            handler or self.handle,
            self.limits,
            cancel_on_disconnect=True,
            challenge=self.auth.oversized if self.auth else None,
        )

    def listening(self, url: str) -> str:
        stateless = ", stateless" if self.options.stateless else ""
        return (
            f"mcp adapter '{self.protocol.name}' listening on {url} "
            f"({len(self.protocol.tools)} tool(s){stateless}; endpoint {url}/mcp)"
        )

    def handle(self, request: BaseRequest) -> Awaitable[web.StreamResponse]:
        return self._heard(request) if self._hears else self._handle(request)

    async def _heard(self, request: BaseRequest) -> web.StreamResponse:
        heard = inbound.enter(request.headers)
        try:
            return await self._handle(request)
        finally:
            inbound.leave(heard)

    async def _handle(self, request: BaseRequest) -> web.StreamResponse:
        oauth = self.auth.oauth if self.auth is not None else None
        if oauth is not None and is_metadata(request.rel_url.raw_path, oauth):
            return metadata_answer(oauth, self.protocol.scopes)  # before credentials
        if request.path not in ENDPOINTS:
            return _plain(404, "Not Found: the MCP endpoint is /mcp")
        if not self.guard.allows(request.headers):
            return _plain(403, "Forbidden: Host or Origin is not allowed")
        if self.auth is not None and (rejected := await self.auth.check(request)):
            return self._refused(request, rejected)
        method = request.method
        if method == "POST":
            return await self._post(request)
        if method == "DELETE":
            return await self._delete(request)
        if method == "GET" and not self.options.stateless:
            return await self._stream(request)
        allow = "POST" if self.options.stateless else "GET, POST, DELETE"
        return web.Response(status=405, text="Method Not Allowed", headers={"Allow": allow})

    async def _post(self, request: BaseRequest) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > self.limits.max_body:
            return _plain(413, "Payload Too Large")
        accept = request.headers.get("Accept", "")
        as_json = (
            not accept
            or "application/json" in accept
            or "*/*" in accept
            or "application/*" in accept
        )
        if not as_json and "text/event-stream" not in accept:
            return _plain(406, "Not Acceptable: accept application/json or text/event-stream")
        message, refused = await self._message(request)
        if refused is not None:
            return refused
        if self.auth is not None and self.protocol.scopes:
            lacking = self.auth.lacks(self.protocol.tool_scopes(_called(message)))
            if lacking is not None:
                return self._refused(request, lacking)
        wire = _wire(request.headers)
        initialize = isinstance(message, dict) and message.get("method") == "initialize"
        answer_headers: dict[str, str] = {}
        if _stateless(message, wire):
            peer = Peer(version=STATELESS_VERSION)
        elif self.options.stateless or initialize:
            version = wire.protocol_version
            peer = Peer(version=version if version in HANDSHAKE_VERSIONS else DEFAULT_VERSION)
            if initialize and not self.options.stateless:
                peer.calls = {}  # the session's calls, which notifications/cancelled names
        else:
            here = self.sessions.here(request.headers.get("Mcp-Session-Id"))
            # not here at once: the shared state answers, or says why there is none
            found = here if here is not None else await self._peer(request)
            if isinstance(found, web.Response):
                return found
            peer = found
        status = 200
        stream: web.StreamResponse | None = None

        async def emit(notification: dict[str, Any]) -> None:
            """The answer becomes an SSE stream at the first notification sent ahead of it."""
            nonlocal stream
            if stream is None:
                stream = web.StreamResponse(
                    headers={
                        "Content-Type": "text/event-stream",
                        "Cache-Control": "no-cache",
                        "Server": SERVER,
                    }
                )
                await stream.prepare(request)
            await stream.write(_frame(jsonio.dumps(notification)))

        streams = "text/event-stream" in accept
        if isinstance(message, list):
            if peer.version != "2025-03-26" or not message:
                refusal = "Invalid Request: batches need revision 2025-03-26"
                return _json(400, error(None, INVALID_REQUEST, refusal))
            if len(message) > MAX_BATCH:
                refusal = f"Invalid Request: a batch holds at most {MAX_BATCH} messages"
                return _json(400, error(None, INVALID_REQUEST, refusal))
            answer: Any = await self._batch(message, peer)
        else:
            status, answer = await self.protocol.answer(
                message, peer, wire, emit if streams else None
            )
        if stream is not None:
            if answer is not None:
                await stream.write(_frame(jsonio.dumps(answer)))
            await stream.write_eof()
            return stream
        created = initialize and isinstance(answer, dict) and "result" in answer
        if created and not self.options.stateless and peer.version != STATELESS_VERSION:
            try:
                answer_headers["Mcp-Session-Id"] = await self.sessions.create(peer)
            except StateUnavailable as exc:
                return _plain(503, f"Service Unavailable: {exc}")
        return _answered(status, answer, as_json, answer_headers)

    async def _message(self, request: BaseRequest) -> tuple[Any, web.Response | None]:
        """The JSON-RPC message (or batch) of the body, or the answer refusing it."""
        try:
            raw = await read_body(request, self.limits.max_body)
        except web.HTTPRequestEntityTooLarge:
            return None, _plain(413, "Payload Too Large")
        except BodyUnreadable as exc:
            refused = _json(exc.status, error(None, PARSE_ERROR, f"Parse error: {exc}"))
            refused.force_close()
            return None, refused
        try:
            message = jsonio.loads(raw) if raw else None
        except ValueError:
            return None, _json(400, error(None, PARSE_ERROR, "Parse error: the body is not JSON"))
        if message is None:
            return None, _json(400, error(None, PARSE_ERROR, "Parse error: empty body"))
        return message, None

    async def _batch(self, messages: list[Any], peer: Peer) -> Any:
        answers = await asyncio.gather(*(self.protocol.handle(m, peer) for m in messages))
        found = [a for a in answers if a is not None]
        return found or None

    async def _peer(self, request: BaseRequest) -> Peer | web.Response:
        """The session a request names, or the answer saying why there is none."""
        session = request.headers.get("Mcp-Session-Id")
        if session is None:
            return _plain(400, "Bad Request: Mcp-Session-Id header is required")
        try:
            found = await self.sessions.get(session)
        except StateUnavailable as exc:
            return _plain(503, f"Service Unavailable: {exc}")
        if found is None:
            return _plain(404, "Not Found: unknown or expired session")
        return found

    async def _stream(self, request: BaseRequest) -> web.StreamResponse:
        """A session's GET stream: list-changed notifications until the server stops."""
        if "text/event-stream" not in request.headers.get("Accept", ""):
            return _plain(406, "Not Acceptable: a GET stream needs Accept: text/event-stream")
        found = await self._peer(request)
        if isinstance(found, web.Response):
            return found
        stream = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await stream.prepare(request)

        async def send(notification: dict[str, Any]) -> None:
            await stream.write(_frame(jsonio.dumps(notification)))

        with contextlib.suppress(OverflowError):  # too many streams: this one ends at once
            await follow(self.protocol.bus, send)
        await stream.write_eof()
        return stream

    def closing(self) -> None:
        """The server stops: end the streams that would otherwise wait forever."""
        self.protocol.bus.close()

    async def _delete(self, request: BaseRequest) -> web.Response:
        if self.options.stateless:
            return web.Response(status=405, text="Method Not Allowed", headers={"Allow": "POST"})
        session = request.headers.get("Mcp-Session-Id")
        if session is None:
            return _plain(400, "Bad Request: Mcp-Session-Id header is required")
        try:
            deleted = await self.sessions.delete(session)
        except StateUnavailable as exc:
            return _plain(503, f"Service Unavailable: {exc}")
        if not deleted:
            return _plain(404, "Not Found: unknown or expired session")
        return web.Response(status=200)


def _stateless(message: Any, wire: Wire) -> bool:
    """A 2026-07-28 request: the revision comes with it, no session is involved."""
    if not isinstance(message, dict):
        return False
    params = message.get("params")
    return is_stateless(params if isinstance(params, dict) else {}, _ANY_PEER, wire)


def _frame(body: bytes) -> bytes:
    return b"event: message\ndata: " + body + b"\n\n"


def _plain(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text)


def _json(status: int, body: Any) -> web.Response:
    return web.Response(status=status, body=jsonio.dumps(body), content_type="application/json")


_TRACE_HEADERS = ("traceparent", "tracestate")
_NO_TRACE: dict[str, str] = {}  # never written to
_ANY_PEER = Peer()  # a peer that says nothing of its revision (never written to)


def _called(message: Any) -> str | None:
    """The tool a tools/call message names, if it is one."""
    if not isinstance(message, dict) or message.get("method") != "tools/call":
        return None
    params = message.get("params")
    name = params.get("name") if isinstance(params, dict) else None
    return name if isinstance(name, str) else None


def _wire(headers: CIMultiDictProxy[str]) -> Wire:
    """What the request's headers say beside the body."""
    version = headers.get("MCP-Protocol-Version")
    # `Mcp-Param-*` headers matter on the stateless wire only: read them only there.
    mirrored = (
        {
            key.lower(): tuple(headers.getall(key))
            for key in headers
            if key.lower().startswith(PARAM_HEADER)
        }
        if version is not None and version not in HANDSHAKE_VERSIONS
        else {}
    )
    # the caller's trace context: read only when spans are made
    trace = (
        {k: headers[k] for k in _TRACE_HEADERS if k in headers}
        if tracing.tracer is not None
        else _NO_TRACE
    )
    return Wire(version, headers.get("Mcp-Method"), headers.get("Mcp-Name"), mirrored, trace)


def _answered(status: int, answer: Any, as_json: bool, headers: dict[str, str]) -> web.Response:
    """The answer as JSON, or as one SSE event when the client accepts only a stream; 202
    when there is none (a notification)."""
    if answer is None:
        return web.Response(status=202, headers=headers)
    body = jsonio.dumps(answer)
    if as_json or status != 200:
        return web.Response(
            status=status, body=body, content_type="application/json", headers=headers
        )
    return web.Response(body=_frame(body), content_type="text/event-stream", headers=headers)
