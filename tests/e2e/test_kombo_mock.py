"""Kombo's published capabilities against `naftiko mock kombo-openapi.json`: every REST route
and every MCP tool once; nothing fails but as Kombo's own API would."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from conftest import clean_env
from mcp_client import wire, with_client

FILES = ["kombo-general.yaml", "kombo-unified-ats-api.yaml", "kombo-kombo-connect.yaml"]
SAMPLE = {"string": "x-1", "integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}


@pytest.fixture(params=FILES)
def kombo(request, corpus: Path, naftiko_mock, naftiko_run):
    from naftiko.spec import load

    folder = corpus / "api-evangelist-kombo"
    mock = naftiko_mock(folder / "kombo-openapi.json")
    path = folder / request.param
    capability = load(path)
    ports = [f"--port={a.namespace}=0" for a in capability.exposes]
    bases = [f"--base-uri={c.namespace}={mock}/v1" for c in capability.consumes]
    running = naftiko_run(str(path), *ports, *bases, env=clean_env(KOMBO_API_KEY="mock-key"))
    rest = next(a.namespace for a in capability.exposes if a.type == "rest")
    mcp = next(a.namespace for a in capability.exposes if a.type == "mcp")
    return running.urls[rest], running.urls[mcp] + "/mcp"


def test_every_rest_route_answers_as_the_upstream_would(kombo) -> None:
    rest, _ = kombo
    document = httpx.get(f"{rest}/openapi.json").json()
    calls = 0
    for template, item in document["paths"].items():
        for method, operation in item.items():
            path = re.sub(r"\{[^}]+\}", "x-1", template)
            headers = {
                p["name"]: "x-1"
                for p in operation.get("parameters", [])
                if p["in"] == "header" and p.get("required")
            }
            body = {} if "requestBody" in operation else None
            answer = httpx.request(method.upper(), rest + path, headers=headers, json=body)
            assert answer.headers.get("Content-Type") != "application/problem+json", (
                method,
                path,
                answer.text,
            )
            calls += 1
    assert calls >= 3


def test_every_mcp_tool_answers_as_the_upstream_would(kombo) -> None:
    _, mcp = kombo

    async def work(client):
        tools = [wire(t) for t in (await client.list_tools()).tools]
        results = []
        for tool in tools:
            schema = tool["inputSchema"]
            arguments = {
                name: SAMPLE.get(schema["properties"][name].get("type"), "x-1")
                for name in schema.get("required", [])
            }
            results.append((tool["name"], wire(await client.call_tool(tool["name"], arguments))))
        return results

    results = with_client(mcp, work)
    assert results
    for name, result in results:
        if result["isError"]:
            assert "status" in result["structuredContent"], (name, result)
