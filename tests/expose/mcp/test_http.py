"""MCP over streamable HTTP on a real socket: sessions, headers, framing, limits, auth."""

from __future__ import annotations

import asyncio
import http.client
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import FIXTURES
from mcp_client import STATELESS_META, stateless_request
from naftiko.expose.httpserver import Limits
from naftiko.expose.mcp.http import McpOptions
from naftiko.expose.mcp.jsonrpc import Peer
from naftiko.expose.mcp.sessions import Sessions
from upstreams import echo

CATALOG = FIXTURES / "catalog.yaml"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}},
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def rpc(method: str, id_: int = 2, **params) -> dict:
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": params}


@pytest.fixture
def endpoint(serve, serve_capability) -> str:
    upstream = serve(echo)
    urls = serve_capability(CATALOG, base_uris={"echo": upstream.url})
    return urls["catalog"] + "/mcp"


def session(endpoint: str, version: str = "2025-11-25") -> dict[str, str]:
    body = {**INIT, "params": {"protocolVersion": version, "capabilities": {}}}
    answer = httpx.post(endpoint, json=body, headers=ACCEPT)
    assert answer.status_code == 200
    return {**ACCEPT, "Mcp-Session-Id": answer.headers["Mcp-Session-Id"]}


def test_initialize_issues_a_random_visible_ascii_session(endpoint: str) -> None:
    first, second = session(endpoint), session(endpoint)
    token = first["Mcp-Session-Id"]
    assert token != second["Mcp-Session-Id"]
    assert len(token) >= 32
    assert all(0x21 <= ord(c) <= 0x7E for c in token)


def test_requests_need_a_known_session(endpoint: str) -> None:
    assert httpx.post(endpoint, json=rpc("ping"), headers=ACCEPT).status_code == 400
    unknown = {**ACCEPT, "Mcp-Session-Id": "nope"}
    assert httpx.post(endpoint, json=rpc("ping"), headers=unknown).status_code == 404
    answer = httpx.post(endpoint, json=rpc("ping"), headers=session(endpoint))
    assert answer.json() == {"jsonrpc": "2.0", "id": 2, "result": {}}


def test_delete_ends_the_session(endpoint: str) -> None:
    headers = session(endpoint)
    assert httpx.delete(endpoint, headers=headers).status_code == 200
    assert httpx.post(endpoint, json=rpc("ping"), headers=headers).status_code == 404


def test_endpoint_answers_at_root_too(endpoint: str) -> None:
    root = endpoint.removesuffix("/mcp") + "/"
    assert httpx.post(root, json=INIT, headers=ACCEPT).status_code == 200
    assert httpx.post(endpoint + "/elsewhere", json=INIT).status_code == 404


def test_notification_gets_202_and_no_body(endpoint: str) -> None:
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    answer = httpx.post(endpoint, json=note, headers=session(endpoint))
    assert answer.status_code == 202
    assert answer.content == b""


def test_get_opens_the_sessions_notification_stream(endpoint: str) -> None:
    headers = {**session(endpoint), "Accept": "text/event-stream"}
    with httpx.stream("GET", endpoint, headers=headers, timeout=5) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/event-stream"


def test_get_without_event_stream_is_406(endpoint: str) -> None:
    headers = {**session(endpoint), "Accept": "application/json"}
    assert httpx.get(endpoint, headers=headers).status_code == 406


def test_malformed_json_is_400_parse_error(endpoint: str) -> None:
    answer = httpx.post(endpoint, content=b"{oops", headers=session(endpoint))
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == -32700


def test_unsupported_protocol_version_header_is_400(endpoint: str) -> None:
    headers = {**session(endpoint), "MCP-Protocol-Version": "1999-01-01"}
    assert httpx.post(endpoint, json=rpc("ping"), headers=headers).status_code == 400


def test_any_supported_protocol_version_header_is_accepted(endpoint: str) -> None:
    headers = {**session(endpoint), "MCP-Protocol-Version": "2025-03-26"}
    assert httpx.post(endpoint, json=rpc("ping"), headers=headers).status_code == 200


@pytest.mark.parametrize(
    "foreign", [{"Origin": "http://evil.example.com"}, {"Host": "evil.example.com"}]
)
def test_foreign_origin_or_host_is_403_on_loopback(endpoint: str, foreign: dict) -> None:
    assert httpx.post(endpoint, json=INIT, headers={**ACCEPT, **foreign}).status_code == 403


def test_local_origin_is_accepted(endpoint: str) -> None:
    headers = {**ACCEPT, "Origin": "http://localhost:5173"}
    assert httpx.post(endpoint, json=INIT, headers=headers).status_code == 200


def test_allowed_host_option(serve, serve_capability) -> None:
    upstream = serve(echo)
    options = McpOptions(allowed_hosts=("mcp.example.com",))
    urls = serve_capability(CATALOG, base_uris={"echo": upstream.url}, mcp=options)
    headers = {**ACCEPT, "Host": "mcp.example.com:443", "Origin": "https://mcp.example.com"}
    assert httpx.post(urls["catalog"] + "/mcp", json=INIT, headers=headers).status_code == 200


def test_batches_only_under_2025_03_26(endpoint: str) -> None:
    batch = [rpc("ping", 1), rpc("tools/list", 2), {"jsonrpc": "2.0", "method": "x/y"}]
    old = httpx.post(endpoint, json=batch, headers=session(endpoint, "2025-03-26"))
    assert [a["id"] for a in old.json()] == [1, 2]
    new = httpx.post(endpoint, json=batch, headers=session(endpoint))
    assert new.status_code == 400


def test_event_stream_only_clients_get_one_sse_frame(endpoint: str) -> None:
    headers = {**session(endpoint), "Accept": "text/event-stream"}
    answer = httpx.post(endpoint, json=rpc("ping"), headers=headers)
    assert answer.headers["Content-Type"].startswith("text/event-stream")
    assert answer.text == 'event: message\ndata: {"jsonrpc":"2.0","id":2,"result":{}}\n\n'


def test_unacceptable_accept_is_406(endpoint: str) -> None:
    headers = {**session(endpoint), "Accept": "text/html"}
    assert httpx.post(endpoint, json=rpc("ping"), headers=headers).status_code == 406


def test_body_over_the_limit_is_413(serve, serve_capability) -> None:
    upstream = serve(echo)
    urls = serve_capability(CATALOG, base_uris={"echo": upstream.url}, limits=Limits(max_body=256))
    big = {**INIT, "params": {"protocolVersion": "2025-11-25", "pad": "x" * 1000}}
    assert httpx.post(urls["catalog"] + "/mcp", json=big, headers=ACCEPT).status_code == 413


def test_stateless_option_issues_no_session(serve, serve_capability) -> None:
    upstream = serve(echo)
    options = McpOptions(stateless=True)
    urls = serve_capability(CATALOG, base_uris={"echo": upstream.url}, mcp=options)
    url = urls["catalog"] + "/mcp"
    answer = httpx.post(url, json=INIT, headers=ACCEPT)
    assert "Mcp-Session-Id" not in answer.headers
    call = rpc("tools/call", name="hello", arguments={"who": "Ada"})
    headers = {**ACCEPT, "MCP-Protocol-Version": "2025-11-25"}
    result = httpx.post(url, json=call, headers=headers).json()["result"]
    assert result["structuredContent"] == {"greeting": "Hello, Ada!"}


def stateless(method: str, **params: Any) -> tuple[dict[str, Any], dict[str, str]]:
    body, headers = stateless_request(method, **params)
    return body, {**ACCEPT, **headers}


def test_stateless_revision_needs_no_session(endpoint: str) -> None:
    body, headers = stateless("tools/list")
    answer = httpx.post(endpoint, json=body, headers=headers)
    assert answer.status_code == 200
    assert "Mcp-Session-Id" not in answer.headers
    assert answer.json()["result"]["resultType"] == "complete"


def test_stateless_request_without_meta_is_400_with_its_id(endpoint: str) -> None:
    body, headers = stateless("tools/list")
    del body["params"]["_meta"]
    answer = httpx.post(endpoint, json=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["id"] == 5
    assert answer.json()["error"]["code"] == -32602


def test_unsupported_protocol_header_is_400_naming_both_versions(endpoint: str) -> None:
    body, headers = stateless("server/discover")
    body["params"]["_meta"] = {**STATELESS_META, "io.modelcontextprotocol/protocolVersion": "v9"}
    answer = httpx.post(endpoint, json=body, headers={**headers, "MCP-Protocol-Version": "v9"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["data"]["requested"]) == (-32022, "v9")
    assert "2026-07-28" in error["data"]["supported"]


def test_protocol_header_differing_from_meta_is_a_header_mismatch(endpoint: str) -> None:
    body, headers = stateless("server/discover")
    body["params"]["_meta"] = {**STATELESS_META, "io.modelcontextprotocol/protocolVersion": "v9"}
    answer = httpx.post(endpoint, json=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == -32020


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Mcp-Method", None),
        ("Mcp-Method", "prompts/list"),
        ("Mcp-Method", "TOOLS/CALL"),
        ("Mcp-Name", None),
        ("Mcp-Name", "other-tool"),
    ],
)
def test_method_and_name_headers_must_repeat_the_body(endpoint: str, header, value) -> None:
    body, headers = stateless("tools/call", name="hello", arguments={"who": "Ada"})
    headers.pop(header)
    if value is not None:
        headers[header] = value
    answer = httpx.post(endpoint, json=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == -32020


def test_name_header_is_trimmed_and_header_names_are_case_blind(endpoint: str) -> None:
    body, _ = stateless("tools/call", name="hello", arguments={"who": "Ada"})
    headers = {**ACCEPT, "mcp-protocol-version": "2026-07-28", "MCP-METHOD": "tools/call"}
    headers["mcp-name"] = "  hello  "  # sent verbatim: httpx refuses the spaces
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", parts.path, body=json.dumps(body), headers=headers)
        answer = connection.getresponse()
        status, payload = answer.status, json.loads(answer.read())
    finally:
        connection.close()
    assert status == 200
    assert payload["result"]["structuredContent"] == {"greeting": "Hello, Ada!"}


@pytest.mark.parametrize("method", ["initialize", "ping", "resources/subscribe", "no/such"])
def test_removed_and_unknown_methods_are_404_on_the_stateless_wire(endpoint, method) -> None:
    body, headers = stateless(method)
    answer = httpx.post(endpoint, json=body, headers=headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == -32601


def test_bearer_adapter_refuses_requests_without_the_token(
    serve, serve_capability, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CATALOG_TOKEN", "s3cret-token-value")
    auth = "      authentication:\n        type: bearer\n        token: '{{CATALOG_TOKEN}}'\n"
    bind = "binds:\n  - namespace: env\n    keys:\n      CATALOG_TOKEN: CATALOG_TOKEN\n"
    text = CATALOG.read_text(encoding="utf-8")
    text = text.replace("      port: 0\n", "      port: 0\n" + auth)
    text = text.replace("capability:\n", bind + "capability:\n")
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    for name in ("docs", "review-prompt.md"):
        source = FIXTURES / name
        (tmp_path / name).symlink_to(source, target_is_directory=source.is_dir())
    upstream = serve(echo)
    url = serve_capability(path, base_uris={"echo": upstream.url})["catalog"] + "/mcp"
    refused = httpx.post(url, json=INIT, headers=ACCEPT)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = {**ACCEPT, "Authorization": "Bearer nope"}
    assert httpx.post(url, json=INIT, headers=wrong).status_code == 401
    right = {**ACCEPT, "Authorization": "Bearer s3cret-token-value"}
    assert httpx.post(url, json=INIT, headers=right).status_code == 200


def test_sessions_are_bounded_least_recently_used_first() -> None:
    async def run() -> None:
        sessions = Sessions(idle=3600, limit=2)
        first, second = await sessions.create(Peer()), await sessions.create(Peer())
        assert await sessions.get(first) is not None  # first is now the most recent
        await sessions.create(Peer())
        assert await sessions.get(second) is None
        assert await sessions.get(first) is not None
        assert len(sessions) == 2

    asyncio.run(run())


def test_idle_sessions_expire() -> None:
    async def run() -> None:
        sessions = Sessions(idle=0.05, limit=10)
        token = await sessions.create(Peer())
        await asyncio.sleep(0.1)
        assert await sessions.get(token) is None

    asyncio.run(run())
