"""The upstream session is shared by every caller, so it keeps no cookies: a cookie one
call's answer sets never reaches the next call; each request carries only the cookies its
capability declares (`in: cookie`, an API key placed in a cookie)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from naftiko.consume.client import Timeouts, UpstreamClient
from naftiko.consume.request import Outgoing


def _sets_a_session(request: web.Request) -> web.Response:
    answer = web.json_response({"ok": True})
    answer.set_cookie("session", "of-" + request.query.get("who", "nobody"))
    return answer


def _calls(url: str, *outgoing: Outgoing) -> None:
    async def run() -> None:
        client = UpstreamClient("people", Timeouts(total=5, connect=5))
        try:
            for request in outgoing:
                await client.send(request)
        finally:
            await client.close()

    asyncio.run(run())


def test_a_cookie_one_answer_sets_never_reaches_the_next_call(serve) -> None:
    upstream = serve(_sets_a_session)
    # a host name, not an address: a cookie jar would keep cookies for it
    url = upstream.url.replace("127.0.0.1", "localhost") + "/whoami"
    _calls(url, Outgoing("GET", url, query=[("who", "alice")]), Outgoing("GET", url))
    assert [seen.headers.get("Cookie") for seen in upstream.requests] == [None, None]


def test_a_declared_cookie_is_still_sent(serve) -> None:
    upstream = serve(_sets_a_session)
    url = upstream.url.replace("127.0.0.1", "localhost") + "/whoami"
    _calls(url, Outgoing("GET", url, cookies={"tenant": "t-1"}))
    assert upstream.requests[0].headers.get("Cookie") == "tenant=t-1"
