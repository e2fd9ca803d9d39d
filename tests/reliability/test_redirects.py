"""Redirects are followed within the upstream's origin only; credentials never leave it."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES

KEY = "redirects-key-5e1b"


@pytest.fixture
def hosts(serve, serve_capability, monkeypatch):
    monkeypatch.setenv("REDIRECTS_KEY", KEY)
    elsewhere = serve(lambda request: web.json_response({"elsewhere": True}))

    async def home(request: web.Request) -> web.StreamResponse:
        if request.path == "/same":
            raise web.HTTPFound("/target")
        if request.path == "/away":
            raise web.HTTPFound(f"{elsewhere.url}/stolen")
        return web.json_response({"path": request.path})

    upstream = serve(home)
    urls = serve_capability(FIXTURES / "redirects.yaml", base_uris={"up": upstream.url})
    return urls["redirects"], upstream, elsewhere


def test_a_redirect_within_the_origin_is_followed(hosts) -> None:
    url, upstream, _ = hosts
    answer = httpx.get(f"{url}/same")
    assert answer.json() == {"path": "/target"}
    assert [seen.headers.get("X-Api-Key") for seen in upstream.requests] == [KEY, KEY]


def test_a_redirect_to_another_origin_is_a_502_and_the_key_stays_home(hosts) -> None:
    url, _, elsewhere = hosts
    answer = httpx.get(f"{url}/away")
    assert answer.status_code == 502
    assert "another origin" in answer.json()["detail"]
    assert elsewhere.requests == []
    assert KEY not in answer.text


def test_an_allowed_origin_is_followed_without_credentials(
    tmp_path, serve, serve_capability, monkeypatch
) -> None:
    monkeypatch.setenv("REDIRECTS_KEY", KEY)
    elsewhere = serve(lambda request: web.json_response({"elsewhere": True}))

    async def home(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{elsewhere.url}/file")

    upstream = serve(home)
    text = (
        (FIXTURES / "redirects.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "      authentication:\n",
            f"      x-naftiko-resilience:\n        redirectOrigins: ['{elsewhere.url}']\n"
            "      authentication:\n",
        )
    )
    path = tmp_path / "redirects.yaml"
    path.write_text(text, encoding="utf-8")
    url = serve_capability(path, base_uris={"up": upstream.url})["redirects"]
    answer = httpx.get(
        f"{url}/away", headers={"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"elsewhere": True}
    assert upstream.last.headers["X-Api-Key"] == KEY
    assert "X-Api-Key" not in elsewhere.last.headers
    assert "Authorization" not in elsewhere.last.headers
