"""Request headers are bounded line by line and all together; a credential too long to read
is refused as a credential (401 with the adapter's challenge), and never logged."""

from __future__ import annotations

import socket

import httpx
import pytest

from authserver import AuthServer
from conftest import FIXTURES, clean_env, raw_request
from upstreams import echo

TOKEN = "b" * 100_000


@pytest.fixture
def shop(serve, naftiko_run):
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "guarded.yaml"),
        f"--base-uri=echo={upstream.url}",
        env=clean_env(GUARD_TOKEN="guard-token-1234"),
    )
    return running, upstream


def status_and_headers(answer: bytes) -> tuple[int, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return int(head.split(" ", 2)[1]), head


def test_headers_too_large_together_get_431(shop) -> None:
    running, upstream = shop
    lines = "".join(f"X-Pad-{n}: {'p' * 4000}\r\n" for n in range(20))
    lines += "Authorization: Bearer guard-token-1234\r\n"  # 80 kB, each line fits
    status, head = status_and_headers(
        raw_request(running.urls["guarded"], "GET /items/1 HTTP/1.1", lines)
    )
    assert status == 431
    assert "application/problem+json" in head
    assert not upstream.requests


def test_headers_under_the_total_pass(shop) -> None:
    running, _ = shop
    headers = {f"X-Pad-{n}": "p" * 4000 for n in range(10)}
    headers["Authorization"] = "Bearer guard-token-1234"
    assert httpx.get(running.urls["guarded"] + "/items/1", headers=headers).status_code == 200


def test_an_oversized_bearer_token_is_a_401_with_the_challenge(shop) -> None:
    running, upstream = shop
    status, head = status_and_headers(
        raw_request(
            running.urls["guarded"], "GET /items/1 HTTP/1.1", f"Authorization: Bearer {TOKEN}\r\n"
        )
    )
    assert status == 401
    assert "WWW-Authenticate: Bearer" in head
    assert not upstream.requests
    assert "b" * 50 not in running.log()  # not a byte of the credential in the log


def test_an_oversized_token_to_an_oauth_adapter_names_the_metadata(
    serve, serve_capability, monkeypatch
) -> None:
    auth = AuthServer()
    auth.issuer = serve(auth).url
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in {
        "AUTH_ISSUER": auth.issuer,
        "MCP_RESOURCE": f"http://127.0.0.1:{port}/mcp",
        "REST_RESOURCE": "http://127.0.0.1:9",
        "INTROSPECTION_SECRET": "s",
        "INVENTORY_TOKEN": "inventory-upstream-token-31",
    }.items():
        monkeypatch.setenv(name, value)
    urls = serve_capability(FIXTURES / "oauth.yaml", ports={"inventory-mcp": port})
    status, head = status_and_headers(
        raw_request(
            urls["inventory-mcp"], "POST /mcp HTTP/1.1", f"Authorization: Bearer {TOKEN}\r\n"
        )
    )
    assert status == 401
    assert 'error="invalid_token"' in head
    assert "resource_metadata=" in head


def test_a_long_header_that_is_no_credential_is_still_431(shop) -> None:
    running, _ = shop
    status, _ = status_and_headers(
        raw_request(running.urls["guarded"], "GET /items/1 HTTP/1.1", f"X-Long: {'x' * 10_000}\r\n")
    )
    assert status == 431
