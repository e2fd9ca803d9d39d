"""Inbound HTTP Digest (RFC 7616), checked with httpx's own DigestAuth client."""

from __future__ import annotations

import httpx
import pytest

from conftest import FIXTURES
from naftiko.expose import digest as digest_module

DIGEST = FIXTURES / "meant" / "digest.yaml"
USER, PASSWORD = "ada", "digest-secret-4f1e"


@pytest.fixture
def urls(serve_capability, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("MEANT_DIGEST_USER", USER)
    monkeypatch.setenv("MEANT_DIGEST_PASS", PASSWORD)
    return serve_capability(DIGEST)


def test_right_credentials_pass(urls) -> None:
    answer = httpx.get(f"{urls['digest-rest']}/hi", auth=httpx.DigestAuth(USER, PASSWORD))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ok": True}


def test_no_credentials_get_a_challenge_per_algorithm(urls) -> None:
    answer = httpx.get(f"{urls['digest-rest']}/hi")
    assert answer.status_code == 401
    challenges = answer.headers.get_list("WWW-Authenticate")
    assert [c.split("algorithm=")[1].split(",")[0] for c in challenges] == ["SHA-256", "MD5"]
    assert all('qop="auth"' in c and 'realm="naftiko"' in c for c in challenges)


def test_a_wrong_password_is_refused(urls) -> None:
    answer = httpx.get(f"{urls['digest-rest']}/hi", auth=httpx.DigestAuth(USER, "nope"))
    assert answer.status_code == 401


def test_an_answer_is_not_accepted_twice(urls) -> None:
    url = f"{urls['digest-rest']}/hi"
    first = httpx.get(url, auth=httpx.DigestAuth(USER, PASSWORD))
    replayed = httpx.get(url, headers={"Authorization": first.request.headers["Authorization"]})
    assert replayed.status_code == 401


def test_an_answer_for_another_uri_is_refused(urls) -> None:
    url = f"{urls['digest-rest']}/hi"
    first = httpx.get(url, auth=httpx.DigestAuth(USER, PASSWORD))
    header = first.request.headers["Authorization"].replace('uri="/hi"', 'uri="/other"')
    assert httpx.get(url, headers={"Authorization": header}).status_code == 401


def test_an_expired_nonce_gets_a_stale_challenge(urls, monkeypatch) -> None:
    url = f"{urls['digest-rest']}/hi"
    challenge = httpx.get(url)
    monkeypatch.setattr(digest_module, "NONCE_SECONDS", -1)
    auth = httpx.DigestAuth(USER, PASSWORD)
    flow = auth.sync_auth_flow(httpx.Request("GET", url))
    request = next(flow)
    signed = flow.send(challenge)
    answer = httpx.get(url, headers={"Authorization": signed.headers["Authorization"]})
    assert request is not None and answer.status_code == 401
    assert "stale=true" in answer.headers["WWW-Authenticate"]


def test_mcp_adapters_take_digest_too(urls) -> None:
    url = f"{urls['digest-mcp']}/mcp"
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    assert httpx.post(url, json=body, headers=headers).status_code == 401
    answer = httpx.post(url, json=body, headers=headers, auth=httpx.DigestAuth(USER, PASSWORD))
    assert answer.status_code == 200, answer.text


def test_a_cors_preflight_needs_no_credentials(serve_capability, monkeypatch) -> None:
    monkeypatch.setenv("MEANT_DIGEST_USER", USER)
    monkeypatch.setenv("MEANT_DIGEST_PASS", PASSWORD)
    url = serve_capability(DIGEST, cors_origins=("https://app.example",))["digest-rest"]
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    assert httpx.options(f"{url}/hi", headers=preflight).status_code == 204
    assert httpx.get(f"{url}/hi", headers={"Origin": "https://app.example"}).status_code == 401
