"""One request on a session's connection pool, without `ClientSession.request`'s general
machinery.

`ClientSession.request` serves every use aiohttp has: cookie jars, trace hooks, middlewares,
netrc and proxy lookups, redirects, a timer per call. An upstream call here needs none of
them (the client follows redirects itself, one hop at a time, and keeps `--timeout` with
its deadline sweep; the session keeps no cookies), yet paid for them on every call: about
52k instructions, a tenth of all a proxied request costs. So a call with no body or a bytes
body builds aiohttp's own request object, takes a connection from the session's connector,
sends and starts the answer, as `ClientSession.request` does for it, and keeps what
matters of the rest: the connect timeout and its error, one more try on a fresh connection
when a kept-alive one turns out closed (idempotent methods only, as aiohttp does), the
errors aiohttp raises.

The choice is made once, when the session is made: a namespace whose session has a
middleware (digest authentication), or an aiohttp without the pieces used here (checked at
import), sends every call through `ClientSession.request`; so does a call with a multipart
body or with credentials in its URL.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import ClientRequest, ClientResponse
from yarl import URL

Body = bytes | aiohttp.FormData | None
# method, URL, body, headers, cookies -> the started answer (its body not read yet)
Send = Callable[
    [str, URL, Body, "dict[str, str] | None", "dict[str, str] | None"],
    Awaitable[ClientResponse],
]

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_NO_TRACES: list[object] = []  # read, never written, by the connector


def _timer() -> object | None:
    """aiohttp's do-nothing timer (a call's total is the deadline sweep's, not a timer's)."""
    try:
        from aiohttp.helpers import TimerNoop
    except ImportError:
        return None
    return TimerNoop()


_NOOP = _timer()


def _supported() -> bool:
    """Whether this aiohttp has the request, connector and parser pieces used here."""
    try:
        from aiohttp.client_proto import ResponseHandler
    except ImportError:
        return False
    wanted = {"timer", "skip_payload", "read_until_eof", "auto_decompress", "read_timeout"}
    found = set(inspect.signature(ResponseHandler.set_response_params).parameters)
    return (
        _NOOP is not None
        and wanted <= found
        and callable(getattr(ClientRequest, "send", None))
        and callable(getattr(ClientResponse, "start", None))
        and callable(getattr(aiohttp.BaseConnector, "connect", None))
    )


SUPPORTED = _supported()


def sender(session: aiohttp.ClientSession, direct: bool) -> Send:
    """How calls go out on ``session``: directly when ``direct`` and this aiohttp allows,
    else through the session's own request."""

    async def through_session(
        method: str,
        url: URL,
        body: Body,
        headers: dict[str, str] | None,
        cookies: dict[str, str] | None,
    ) -> ClientResponse:
        return await session.request(
            method, url, headers=headers, data=body, cookies=cookies, allow_redirects=False
        )

    if not (direct and SUPPORTED):
        return through_session
    connector = session.connector
    assert connector is not None
    timeout = session.timeout
    loop = asyncio.get_running_loop()

    async def send(
        method: str,
        url: URL,
        body: Body,
        headers: dict[str, str] | None,
        cookies: dict[str, str] | None,
    ) -> ClientResponse:
        if (body is not None and type(body) is not bytes) or url.raw_user or url.raw_password:
            # a multipart body (aiohttp resends its payload on a second try), or credentials
            # in the URL (aiohttp takes them out of it before anything names the URL)
            return await through_session(method, url, body, headers, cookies)
        if not url.raw_host:
            raise aiohttp.InvalidUrlClientError(url)
        again = method in _IDEMPOTENT
        while True:
            request = ClientRequest(
                method,
                url,
                headers=headers,
                data=body,
                cookies=cookies,
                loop=loop,
                session=session,
                timer=_NOOP,  # type: ignore[arg-type]
            )
            try:
                connection = await connector.connect(
                    request,
                    traces=_NO_TRACES,  # type: ignore[arg-type]
                    timeout=timeout,
                )
            except TimeoutError as exc:
                raise aiohttp.ConnectionTimeoutError(
                    f"Connection timeout to host {request.url}"
                ) from exc
            protocol = connection.protocol
            assert protocol is not None
            protocol.set_response_params(
                timer=_NOOP,  # type: ignore[arg-type]
                skip_payload=method == "HEAD",
                read_until_eof=True,
                auto_decompress=True,
                read_timeout=timeout.sock_read,
            )
            try:
                return await _started(request, connection)
            except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
                # a kept-alive connection the upstream had closed: once more, on a new one
                if not again:
                    raise
                again = False
            except aiohttp.ClientError:
                raise
            except OSError as exc:
                if exc.errno is None and isinstance(exc, TimeoutError):
                    raise
                raise aiohttp.ClientOSError(*exc.args) from exc

    return send


async def _started(
    request: ClientRequest, connection: aiohttp.connector.Connection
) -> ClientResponse:
    """Send ``request`` on ``connection`` and read the answer's head; on any failure the
    connection is closed (never given back to the pool half-used)."""
    try:
        response = await request.send(connection)
        try:
            await response.start(connection)
        except BaseException:
            response.close()
            raise
    except BaseException:
        connection.close()
        raise
    return response
