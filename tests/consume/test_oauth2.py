"""OAuth2 client credentials against a token endpoint and an upstream the test starts: one
token fetched and reused, one fetch however many calls wait, refreshed before it expires and
after a 401, clear errors from the token endpoint, and the token never in an error."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from conftest import FIXTURES
from naftiko.consume import oauth2
from naftiko.engine import Engine
from naftiko.errors import UpstreamUnavailable
from naftiko.spec import load

SECRET = "client-secret-6b1d"
CAPABILITY = FIXTURES / "meant" / "oauth2-client.yaml"


class Authority:
    """A token endpoint and an upstream that accepts only the tokens it issued."""

    def __init__(self, lifetime: int = 3600, refuse: bool = False) -> None:
        self.lifetime, self.refuse = lifetime, refuse
        self.issued: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.revoked: set[str] = set()

    async def handle(self, request: web.Request) -> web.Response:
        if request.path == "/token":
            await asyncio.sleep(0.05)  # slow enough for calls to pile up
            form = dict(await request.post())
            self.forms.append({**form, "authorization": request.headers.get("Authorization", "")})
            if self.refuse:
                error = {"error": "invalid_client", "error_description": "unknown client"}
                return web.json_response(error, status=401)
            token = f"tok-{len(self.issued) + 1}-9f8e7d"
            self.issued.append(token)
            return web.json_response(
                {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}
            )
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if given not in self.issued or given in self.revoked:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response({"id": request.path.rsplit("/", 1)[-1], "token": given})


def engine(url: str) -> Engine:
    text = CAPABILITY.read_text(encoding="utf-8").replace("http://127.0.0.1:9", url)
    return Engine(load_text(text), base_uris={"api": url}, environ={"MEANT_CLIENT_SECRET": SECRET})


def load_text(text: str) -> Any:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / "cap.yaml"
    path.write_text(text, encoding="utf-8")
    return load(path)


def calls(url: str, count: int) -> list[Any]:
    async def run() -> list[Any]:
        found = engine(url)
        try:
            tasks = [found.invoke("api-mcp.get-item", {"id": str(i)}) for i in range(count)]
            return [r.data for r in await asyncio.gather(*tasks)]
        finally:
            await found.close()

    return asyncio.run(run())


def test_one_token_is_fetched_for_many_waiting_calls(serve) -> None:
    authority = Authority()
    upstream = serve(authority.handle)
    results = calls(upstream.url, 20)
    assert len(authority.issued) == 1
    assert {r["token"] for r in results} == {"tok-1-9f8e7d"}
    form = authority.forms[0]
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == "read write" and form["audience"] == "https://api.test"
    basic = base64.b64decode(form["authorization"].removeprefix("Basic ")).decode()
    assert basic == f"naftiko-client:{SECRET}"


def test_a_token_near_its_expiry_is_fetched_again(serve, monkeypatch) -> None:
    authority = Authority(lifetime=61)
    monkeypatch.setattr(oauth2, "REFRESH_MARGIN", 60.5)
    upstream = serve(authority.handle)

    async def run() -> list[Any]:
        found = engine(upstream.url)
        try:
            first = await found.invoke("api-mcp.get-item", {"id": "1"})
            await asyncio.sleep(1.1)
            second = await found.invoke("api-mcp.get-item", {"id": "2"})
            return [first.data["token"], second.data["token"]]
        finally:
            await found.close()

    assert asyncio.run(run()) == ["tok-1-9f8e7d", "tok-2-9f8e7d"]


def test_a_401_fetches_one_fresh_token_and_retries_once(serve) -> None:
    authority = Authority()
    upstream = serve(authority.handle)

    async def run() -> Any:
        found = engine(upstream.url)
        try:
            await found.invoke("api-mcp.get-item", {"id": "1"})
            authority.revoked.add("tok-1-9f8e7d")
            return (await found.invoke("api-mcp.get-item", {"id": "2"})).data
        finally:
            await found.close()

    assert asyncio.run(run())["token"] == "tok-2-9f8e7d"
    assert len(authority.issued) == 2


def test_a_refusing_token_endpoint_is_a_clear_error_without_credentials(serve) -> None:
    authority = Authority(refuse=True)
    upstream = serve(authority.handle)
    with pytest.raises(UpstreamUnavailable) as caught:
        calls(upstream.url, 1)
    message = str(caught.value)
    assert "token endpoint of upstream 'api' answered 401: invalid_client" in message
    assert SECRET not in message
    assert caught.value.http_status == 502
    assert [r.path for r in upstream.requests] == ["/token"]  # the upstream was not called


def test_the_token_never_reaches_a_caller_even_when_the_upstream_echoes_it(
    serve, serve_capability, monkeypatch
) -> None:
    from mcp_client import wire, with_client

    authority = Authority()

    async def echoing(request: web.Request) -> web.Response:
        if request.path == "/token":
            return await authority.handle(request)
        token = request.headers["Authorization"]
        return web.json_response({"error": f"denied for {token}"}, status=403)

    upstream = serve(echoing)
    monkeypatch.setenv("MEANT_CLIENT_SECRET", SECRET)
    path = Path(load_text(CAPABILITY.read_text().replace("http://127.0.0.1:9", upstream.url)).path)
    urls = serve_capability(path)

    async def work(client):
        return wire(await client.call_tool("get-item", {"id": "1"}))

    result = with_client(urls["api-mcp"] + "/mcp", work)
    assert result["isError"] is True
    assert authority.issued and authority.issued[0] not in json.dumps(result)
    assert "denied for Bearer ***" in json.dumps(result)


def test_missing_token_url_is_refused_at_load(tmp_path) -> None:
    from naftiko.pipeline import compile_plans
    from naftiko.pipeline import load as load_file

    path = tmp_path / "bad.yaml"
    text = CAPABILITY.read_text(encoding="utf-8").replace(
        '        tokenUrl: "http://127.0.0.1:9/token"\n', ""
    )
    path.write_text(text, encoding="utf-8")
    compiled = load_file(path)
    assert compile_plans(compiled, secrets=False) is None
    assert any("oauth2 needs tokenUrl" in d.message for d in compiled.errors)
