"""A call goes out on the namespace's pool of kept-alive connections. An upstream may close
one of them just as a call is sent on it: a GET (any idempotent method) is then sent once
more on a new connection, as aiohttp's own client does, and the caller sees only the
answer; a POST is never sent twice, so it fails as unavailable. A call that cannot connect
in time says so."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from aiohttp import web

from naftiko.consume.client import Timeouts, UpstreamClient
from naftiko.consume.request import Outgoing
from naftiko.errors import UpstreamUnavailable

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n"


async def _closes_its_first_connection_at_the_second_request() -> tuple[asyncio.Server, list[int]]:
    """An upstream that answers the first request of its first connection, then closes that
    connection when a second request comes on it; every later connection is answered.
    The list holds how many requests each connection carried in."""
    seen: list[int] = []

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = len(seen)
        seen.append(0)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                seen[number] += 1
                if number == 0 and seen[number] == 2:
                    writer.transport.abort()  # closed under the call, no answer
                    return
                writer.write(ANSWER + b'{"n": %03d}' % seen[number])
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    return server, seen


def _twice(method: str) -> tuple[list[object], list[int]]:
    """Two calls of ``method`` in a row on one client: what each gave, and the requests each
    connection of the upstream carried."""

    async def run() -> tuple[list[object], list[int]]:
        server, seen = await _closes_its_first_connection_at_the_second_request()
        port = server.sockets[0].getsockname()[1]
        client = UpstreamClient("flaky", Timeouts(total=5, connect=5))
        found: list[object] = []
        try:
            for _ in range(2):
                outgoing = Outgoing(method, f"http://127.0.0.1:{port}/items", body=b"{}")
                try:
                    found.append((await client.send(outgoing)).status)
                except UpstreamUnavailable as exc:
                    found.append(exc)
        finally:
            await client.close()
            server.close()
            await server.wait_closed()
        return found, seen

    return asyncio.run(run())


def test_a_get_on_a_connection_closed_under_it_is_sent_again_on_a_new_one() -> None:
    found, seen = _twice("GET")
    assert found == [200, 200]
    assert seen == [2, 1]  # the second GET reached the upstream twice, answered on the second


def test_a_post_on_a_connection_closed_under_it_is_not_sent_twice() -> None:
    found, seen = _twice("POST")
    assert found[0] == 200
    assert isinstance(found[1], UpstreamUnavailable)
    assert seen == [2]


def test_a_connect_that_does_not_complete_in_time_is_a_timeout() -> None:
    """A listening socket whose backlog is full never completes a new connection."""

    async def run() -> object:
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(0)
            port = listener.getsockname()[1]
            fillers = []
            for _ in range(8):  # fill the backlog
                filler = socket.socket()
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
                fillers.append(filler)
            client = UpstreamClient("stuck", Timeouts(total=5, connect=0.3))
            try:
                await client.send(Outgoing("GET", f"http://127.0.0.1:{port}/items"))
            except UpstreamUnavailable as exc:
                return exc
            finally:
                await client.close()
                for filler in fillers:
                    filler.close()
        return None

    found = asyncio.run(run())
    assert isinstance(found, UpstreamUnavailable)
    assert "did not accept a connection within 0.3s" in str(found)


def test_a_head_answer_has_no_body_to_wait_for(serve) -> None:
    upstream = serve(lambda request: web.json_response({"ok": True}))

    async def run() -> int:
        client = UpstreamClient("heads", Timeouts(total=2, connect=2))
        try:
            return (await client.send(Outgoing("HEAD", upstream.url + "/items"))).status
        finally:
            await client.close()

    assert asyncio.run(run()) == 200
