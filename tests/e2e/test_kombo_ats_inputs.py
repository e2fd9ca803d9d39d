"""Kombo's published ATS capability types `page_size` as a string; callers send numbers.

Over MCP (the official client) and REST, `page_size: 2` reaches the upstream as `2`.
"""

from __future__ import annotations

import httpx
import pytest

from conftest import ROOT
from mcp_client import stateless_request, wire, with_client
from upstreams import echo

ATS = ROOT / "capabilities" / "kombo" / "kombo-unified-ats-api.yaml"


def serve_ats(serve, serve_capability, monkeypatch) -> tuple[dict[str, str], object]:
    monkeypatch.setenv("KOMBO_API_KEY", "kombo-ats-key-1234")
    upstream = serve(echo)
    urls = serve_capability(
        ATS,
        ports={"kombo-unified-ats-api-rest": 0, "kombo-unified-ats-api-mcp": 0},
        base_uris={"kombo-unified-ats-api": upstream.url},
    )
    return urls, upstream


def test_a_number_for_a_string_parameter_is_sent_as_its_text_over_mcp(
    serve, serve_capability, monkeypatch
) -> None:
    urls, upstream = serve_ats(serve, serve_capability, monkeypatch)

    async def work(client):
        arguments = {"X-Integration-Id": "acme", "page_size": 2, "include_deleted": "true"}
        return wire(await client.call_tool("get-jobs", arguments))

    result = with_client(urls["kombo-unified-ats-api-mcp"] + "/mcp", work)
    assert result["isError"] is False, result
    assert upstream.last.path == "/ats/jobs"
    assert upstream.last.query["page_size"] == "2"
    assert upstream.last.headers["X-Integration-Id"] == "acme"


def test_a_value_that_cannot_convert_is_refused_naming_the_field(
    serve, serve_capability, monkeypatch
) -> None:
    urls, upstream = serve_ats(serve, serve_capability, monkeypatch)

    async def work(client):
        arguments = {"X-Integration-Id": "acme", "page_size": {"n": 2}}
        return wire(await client.call_tool("get-jobs", arguments))

    result = with_client(urls["kombo-unified-ats-api-mcp"] + "/mcp", work)
    assert result["isError"] is True
    assert "page_size: must be a string, got an object" in result["content"][0]["text"]
    assert not upstream.requests


def test_page_size_two_passes_over_rest(serve, serve_capability, monkeypatch) -> None:
    urls, upstream = serve_ats(serve, serve_capability, monkeypatch)
    answer = httpx.get(
        urls["kombo-unified-ats-api-rest"] + "/v1/ats/jobs",
        params={"page_size": 2},
        headers={"X-Integration-Id": "acme"},
    )
    assert answer.status_code == 200, answer.text
    assert upstream.last.query["page_size"] == "2"


def test_a_header_input_is_declared_for_mirroring(serve, serve_capability, monkeypatch) -> None:
    urls, _ = serve_ats(serve, serve_capability, monkeypatch)

    async def work(client):
        return {t.name: wire(t) for t in (await client.list_tools()).tools}

    tools = with_client(urls["kombo-unified-ats-api-mcp"] + "/mcp", work)
    schema = tools["get-jobs"]["inputSchema"]["properties"]["X-Integration-Id"]
    assert schema["x-mcp-header"] == "X-Integration-Id"


@pytest.mark.parametrize(
    ("mirror", "status"),
    [
        (None, 400),
        ("acme", 200),
        ("=?base64?YWNtZQ==?=", 200),
        ("=?base64?YWNtZQ?=", 400),
        ("other", 400),
    ],
    ids=["missing", "plain", "base64", "bad-base64", "different"],
)
def test_the_mirrored_header_must_agree_on_the_stateless_wire(
    serve, serve_capability, monkeypatch, mirror, status
) -> None:
    urls, _ = serve_ats(serve, serve_capability, monkeypatch)
    body, headers = stateless_request(
        "tools/call", name="get-jobs", arguments={"X-Integration-Id": "acme"}
    )
    if mirror is not None:
        headers["Mcp-Param-X-Integration-Id"] = mirror
    answer = httpx.post(urls["kombo-unified-ats-api-mcp"] + "/mcp", json=body, headers=headers)
    assert answer.status_code == status, answer.text
    if status == 400:
        assert answer.json()["error"]["code"] == -32020
