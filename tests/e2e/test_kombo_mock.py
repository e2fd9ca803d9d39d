"""All eight capabilities of capabilities/kombo/ against `naftiko mock kombo-openapi.json`:
each starts, and every REST route and every MCP tool answers once; nothing fails but as Kombo's
own API would (a missing required input is Kombo's 400, never an error of ours)."""

from __future__ import annotations

import re

import httpx
import pytest

from conftest import ROOT, clean_env
from mcp_client import wire, with_client

KOMBO = ROOT / "capabilities" / "kombo"
FILES = sorted(p.name for p in KOMBO.glob("*.yaml"))
SAMPLE = {"string": "x-1", "integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}


def sample(schema: dict, depth: int = 0) -> object:
    """A value the schema accepts: the first enum value, the minimum, the required
    properties of an object (what a careful caller sends, from the published schema)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "object" and depth < 6:
        properties = schema.get("properties", {})
        return {k: sample(properties.get(k, {}), depth + 1) for k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "string" and "pattern" in schema:
        for text in ("https://x.test/1", "1", "x-1", "2024-01-01"):
            if re.search(schema["pattern"], text):
                return text
    if kind == "string" and "format" in schema:
        return {"date-time": "2024-01-01T00:00:00.000Z", "date": "2024-01-01"}.get(
            schema["format"], "x-1"
        )
    return SAMPLE.get(kind, "x-1")


def test_all_121_operations_are_covered() -> None:
    from naftiko.spec import load

    assert len(FILES) == 8
    assert sum(len(load(KOMBO / name).consumes[0].operations) for name in FILES) == 121


@pytest.fixture(params=FILES)
def kombo(request, naftiko_mock, naftiko_run):
    from naftiko.spec import load

    mock = naftiko_mock(KOMBO / "kombo-openapi.json")
    path = KOMBO / request.param
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
            required = [p for p in operation.get("parameters", []) if p.get("required")]
            headers = {p["name"]: str(sample(p["schema"])) for p in required if p["in"] == "header"}
            query = {p["name"]: str(sample(p["schema"])) for p in required if p["in"] == "query"}
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            body = sample(schema) if schema is not None else None
            answer = httpx.request(
                method.upper(), rest + path, headers=headers, params=query, json=body
            )
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
                name: sample(schema["properties"][name]) for name in schema.get("required", [])
            }
            results.append((tool["name"], wire(await client.call_tool(tool["name"], arguments))))
        return results

    results = with_client(mcp, work)
    assert results
    for name, result in results:
        if result["isError"]:
            assert "status" in result["structuredContent"], (name, result)


def test_one_command_brings_kombo_up_offline(naftiko_run) -> None:
    running = naftiko_run(
        str(KOMBO / "kombo-general.yaml"),
        "--mock",
        f"kombo-general={KOMBO / 'kombo-openapi.json'}",
        "--port=kombo-general-rest=0",
        "--port=kombo-general-mcp=0",
        env=clean_env(KOMBO_API_KEY="any"),
    )
    answer = httpx.get(running.urls["kombo-general-rest"] + "/v1/integrations/abc")
    assert answer.status_code == 200
    assert answer.json()["data"]["tool"]["id"] == "factorial"
    assert "mock of" in running.log()
