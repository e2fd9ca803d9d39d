"""x-naftiko-propagate: the inbound headers (REST) and `_meta` fields (MCP) a consumes entry
lists reach its upstream; nothing else does, and a credential cannot be listed."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web
from multidict import CIMultiDict

from conftest import FIXTURES
from mcp_client import stateless_request
from naftiko.engine import Engine
from naftiko.errors import SpecError
from naftiko.spec import load

FILE = FIXTURES / "propagating.yaml"
TOKEN = "audit-upstream-token-5150"


def events(request: web.Request) -> web.Response:
    return web.json_response([])


@pytest.fixture
def audit(serve, serve_capability, monkeypatch):
    monkeypatch.setenv("AUDIT_TOKEN", TOKEN)
    upstream = serve(events)
    return serve_capability(FILE, base_uris={"audit": upstream.url}), upstream


def test_listed_rest_headers_reach_the_upstream_and_others_do_not(audit) -> None:
    urls, upstream = audit
    sent = {
        "X-Request-Id": "req-42",
        "x-tenant": "acme",
        "X-Other": "stays",
        "Authorization": "Bearer the-callers-own",
    }
    assert httpx.get(f"{urls['audit-rest']}/events", headers=sent).status_code == 200
    seen = CIMultiDict(upstream.last.headers)
    assert seen["X-Request-Id"] == "req-42"
    assert seen["X-Tenant"] == "acme"
    assert "X-Other" not in seen
    assert seen["Authorization"] == f"Bearer {TOKEN}"  # the bind's, never the caller's


def test_mcp_meta_fields_reach_the_upstream(audit) -> None:
    urls, upstream = audit
    body, headers = stateless_request("tools/call", name="list-events", arguments={})
    body["params"]["_meta"]["X-Request-Id"] = "req-from-meta"
    headers["X-Tenant"] = "from-header"
    answer = httpx.post(f"{urls['audit-mcp']}/mcp", json=body, headers=headers)
    assert answer.json()["result"]["isError"] is False
    seen = CIMultiDict(upstream.last.headers)
    assert seen["X-Request-Id"] == "req-from-meta"
    assert seen["X-Tenant"] == "from-header"


def test_nothing_is_added_when_the_caller_sent_nothing(audit) -> None:
    urls, upstream = audit
    httpx.get(f"{urls['audit-rest']}/events")
    assert "X-Request-Id" not in CIMultiDict(upstream.last.headers)


@pytest.mark.parametrize("name", ["Authorization", "cookie", "X-API-Key"])
def test_a_credential_cannot_be_listed(tmp_path, name: str) -> None:
    text = FILE.read_text(encoding="utf-8").replace("[X-Request-Id, X-Tenant]", f"[{name}]")
    path = tmp_path / "propagating.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        Engine(load(path), environ={"AUDIT_TOKEN": TOKEN})
    [problem] = raised.value.diagnostics
    assert f"lists '{name}', a credential" in problem.message
    assert problem.line > 0
