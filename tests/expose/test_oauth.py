"""Exposed adapters as OAuth 2.1 resource servers, against an authorization server the tests
start: JWTs checked by its JWKS (MCP), opaque tokens by introspection (REST), scopes per tool
and operation, RFC 9728 metadata, and the challenges the MCP authorization spec asks for."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from aiohttp import web
from multidict import CIMultiDict

from authserver import CLIENT_ID, CLIENT_SECRET, AuthServer, SigningKey
from conftest import FIXTURES
from mcp_client import INITIALIZE, stateless_request, wire, with_client

FILE = FIXTURES / "oauth.yaml"
UPSTREAM_TOKEN = "inventory-upstream-token-31"
ALL = "inventory inventory.read inventory.write"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inventory:
    def __init__(self) -> None:
        self.seen: list[CIMultiDict[str]] = []

    def __call__(self, request: web.Request) -> web.Response:
        self.seen.append(CIMultiDict(request.headers))
        return web.json_response({"id": request.path.rsplit("/", 1)[1], "method": request.method})


@pytest.fixture
def protected(serve, serve_capability, monkeypatch):
    auth = AuthServer()
    auth.issuer = serve(auth).url
    inventory = Inventory()
    upstream = serve(inventory)
    ports = {"inventory-mcp": free_port(), "inventory-rest": free_port()}
    mcp = f"http://127.0.0.1:{ports['inventory-mcp']}"
    rest = f"http://127.0.0.1:{ports['inventory-rest']}"
    for name, value in {
        "AUTH_ISSUER": auth.issuer,
        "MCP_RESOURCE": f"{mcp}/mcp",
        "REST_RESOURCE": rest,
        "INTROSPECTION_SECRET": CLIENT_SECRET,
        "INVENTORY_TOKEN": UPSTREAM_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    serve_capability(FILE, ports=ports, base_uris={"inventory": upstream.url})
    return auth, inventory, mcp, rest


def list_call(url: str, token: str) -> tuple[list[str], dict[str, Any]]:
    async def work(client):
        names = [t.name for t in (await client.list_tools()).tools]
        result = await client.call_tool("get-item", {"id": "42"})
        return names, wire(result)

    return with_client(f"{url}/mcp", work, token=token)


def mcp_post(
    url: str, token: str | None, method: str = "tools/list", **params: Any
) -> httpx.Response:
    headers = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    first = httpx.post(f"{url}/mcp", json=INITIALIZE, headers=headers)
    if first.status_code != 200:
        return first
    headers["Mcp-Session-Id"] = first.headers["Mcp-Session-Id"]
    return httpx.post(f"{url}/mcp", json=body, headers=headers)


def test_the_official_client_with_a_read_token_sees_and_calls_only_what_it_may(protected) -> None:
    auth, inventory, mcp, _ = protected
    token = httpx.post(
        f"{auth.issuer}/token",
        data={
            "grant_type": "client_credentials",
            "scope": "inventory inventory.read",
            "resource": f"{mcp}/mcp",
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
    ).json()["access_token"]
    names, result = list_call(mcp, token)
    assert names == ["get-item"]  # delete-item needs inventory.write
    assert result["isError"] is False
    seen = inventory.seen[-1]
    assert seen["Authorization"] == f"Bearer {UPSTREAM_TOKEN}"  # never the caller's token
    assert seen["X-Audit-User"] == "user-7"  # {{caller.subject}}


def test_a_tool_the_token_cannot_call_is_403_with_the_scope_it_needs(protected) -> None:
    auth, inventory, mcp, _ = protected
    token = auth.token(scope="inventory inventory.read", audience=f"{mcp}/mcp")
    answer = mcp_post(mcp, token, "tools/call", name="delete-item", arguments={"id": "1"})
    assert answer.status_code == 403
    challenge = answer.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="inventory inventory.write"' in challenge
    assert f'resource_metadata="{mcp}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert not any(h.get("X-Audit-User") for h in inventory.seen)


def test_without_a_token_the_challenge_names_the_metadata(protected) -> None:
    _, _, mcp, _ = protected
    answer = httpx.post(f"{mcp}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == (
        f'Bearer resource_metadata="{mcp}/.well-known/oauth-protected-resource/mcp"'
    )


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]
)
def test_the_protected_resource_metadata_is_served_without_a_token(protected, path) -> None:
    auth, _, mcp, _ = protected
    document = httpx.get(f"{mcp}{path}").json()
    assert document == {
        "resource": f"{mcp}/mcp",
        "authorization_servers": [auth.issuer],
        "bearer_methods_supported": ["header"],
        "scopes_supported": ["inventory", "inventory.read", "inventory.write"],
    }


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"expires_in": -120}, "Token expired"),
        ({"not_before": 600}, "Token not yet valid"),
        ({"audience": "http://elsewhere.test/mcp"}, "Invalid audience"),
        ({"issuer": "http://rogue.test"}, "Invalid issuer"),
        ({"kid": "never-published"}, "Unknown signing key"),
    ],
)
def test_a_token_that_fails_a_check_is_401_saying_which(protected, claims, description) -> None:
    auth, _, mcp, _ = protected
    token = auth.token(scope=ALL, **{"audience": f"{mcp}/mcp", **claims})
    answer = mcp_post(mcp, token)
    assert answer.status_code == 401
    challenge = answer.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert f'error_description="{description}"' in challenge


def test_a_token_signed_by_a_foreign_key_fails_its_signature(protected) -> None:
    auth, _, mcp, _ = protected
    stranger = SigningKey()
    stranger.kid = auth.keys[0].kid  # claims to be the published key
    token = auth.token(scope=ALL, audience=f"{mcp}/mcp", key=stranger)
    answer = mcp_post(mcp, token)
    assert answer.status_code == 401
    assert "Signature verification failed" in answer.headers["WWW-Authenticate"]


def test_a_rotated_key_is_fetched_when_a_token_names_it(protected) -> None:
    auth, _, mcp, _ = protected
    assert mcp_post(mcp, auth.token(scope=ALL, audience=f"{mcp}/mcp")).status_code == 200
    fetched = auth.jwks_fetches
    newer = auth.rotate()
    answer = mcp_post(mcp, auth.token(scope=ALL, audience=f"{mcp}/mcp", key=newer))
    assert answer.status_code == 200
    assert auth.jwks_fetches == fetched + 1


def test_a_token_without_the_adapters_scope_is_403(protected) -> None:
    auth, _, mcp, _ = protected
    answer = mcp_post(mcp, auth.token(scope="inventory.read", audience=f"{mcp}/mcp"))
    assert answer.status_code == 403
    assert "Required scope 'inventory' not present in token" in answer.headers["WWW-Authenticate"]


def test_rest_introspection_admits_an_active_token_once_per_lifetime(protected) -> None:
    auth, inventory, _, rest = protected
    token = auth.opaque(scope="inventory.read", audience=rest)
    for _ in range(3):
        answer = httpx.get(f"{rest}/items/5", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
    assert auth.introspections == 1
    assert inventory.seen[-1]["X-Audit-User"] == "user-9"


def test_rest_introspection_refuses_an_inactive_token(protected) -> None:
    auth, _, _, rest = protected
    token = auth.opaque(active=False)
    answer = httpx.get(f"{rest}/items/5", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert 'error_description="Token is not active"' in answer.headers["WWW-Authenticate"]
    assert answer.headers["Content-Type"].startswith("application/problem+json")


def test_a_rest_operation_needs_its_own_scope(protected) -> None:
    auth, inventory, _, rest = protected
    token = auth.opaque(scope="inventory.read", audience=rest)
    answer = httpx.delete(f"{rest}/items/5", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert 'scope="inventory.write"' in answer.headers["WWW-Authenticate"]
    assert inventory.seen == []


def test_a_2026_list_filtered_by_scopes_is_private_to_its_token(protected) -> None:
    auth, _, mcp, _ = protected
    token = auth.token(scope="inventory inventory.read", audience=f"{mcp}/mcp")
    body, headers = stateless_request("tools/list")
    headers["Authorization"] = f"Bearer {token}"
    result = httpx.post(f"{mcp}/mcp", json=body, headers=headers).json()["result"]
    assert [t["name"] for t in result["tools"]] == ["get-item"]
    assert result["cacheScope"] == "private"
