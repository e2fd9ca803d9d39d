"""Malformed and adversarial JSON-RPC against both MCP transports: every message is answered
or refused as the spec says, and the server keeps serving."""

from __future__ import annotations

import json
import subprocess

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, clean_env, naftiko_command
from upstreams import echo

CATALOG = FIXTURES / "catalog.yaml"
METHODS = [
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "prompts/list",
    "prompts/get",
    "logging/setLevel",
    "server/discover",
    "notifications/initialized",
    "nope",
]
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
messages = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "1.0"]) | values,
        "id": st.integers() | st.text(max_size=10) | values,
        "method": st.sampled_from(METHODS) | values,
        "params": st.fixed_dictionaries(
            {},
            optional={
                "name": st.sampled_from(["hello", "get-item", "summarize", "x"]) | values,
                "arguments": values,
                "uri": st.sampled_from(["docs://shop/readme.md", "items://1", "docs://shop/.."])
                | values,
                "cursor": values,
                "protocolVersion": st.sampled_from(["2025-03-26", "2026-07-28"]) | values,
                "_meta": values,
            },
        )
        | values,
    },
)
bodies = (
    messages.map(json.dumps).map(str.encode)
    | st.binary(max_size=200)
    | (st.lists(messages, max_size=3).map(json.dumps).map(str.encode))
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def is_answer(value: object) -> bool:
    if isinstance(value, list):
        return all(is_answer(v) for v in value)
    return (
        isinstance(value, dict)
        and value.get("jsonrpc") == "2.0"
        and (("result" in value) != ("error" in value))
    )


@FUZZ
@given(
    body=bodies,
    version=st.sampled_from(["2025-03-26", "2026-07-28", "bogus", None]),
    in_session=st.booleans(),
)
def test_http_answers_or_refuses_every_body(
    serve, serve_capability, body: bytes, version, in_session: bool
) -> None:
    url, session = _endpoint(serve, serve_capability)
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if in_session:
        headers["Mcp-Session-Id"] = session
    if version:
        headers["MCP-Protocol-Version"] = version
    answer = httpx.post(url, content=body, headers=headers, timeout=20)
    assert answer.status_code in (200, 202, 400, 404), answer.text
    if answer.status_code == 200:
        assert is_answer(answer.json())
    if answer.status_code == 202:
        assert answer.content == b""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    alive = httpx.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}},
        headers={**headers, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover"},
        timeout=20,
    )
    assert "result" in alive.json()


_started: dict[str, tuple[str, str]] = {}


def _endpoint(serve, serve_capability) -> tuple[str, str]:
    """One server and session per test run (hypothesis reuses function-scoped fixtures)."""
    key = str(id(serve_capability))
    if key not in _started:
        upstream = serve(echo)
        url = serve_capability(CATALOG, base_uris={"echo": upstream.url})["catalog"] + "/mcp"
        init = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {}}
        session = httpx.post(url, json=init).headers["Mcp-Session-Id"]
        _started.clear()
        _started[key] = (url, session)
    return _started[key]


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(bodies, min_size=20, max_size=40))
def test_stdio_survives_any_lines(serve, lines: list[bytes]) -> None:
    upstream = serve(echo)
    process = subprocess.Popen(
        [*naftiko_command(), "run", str(CATALOG), "--mcp-stdio", f"--base-uri=echo={upstream.url}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=clean_env(),
    )
    flat = [body.replace(b"\n", b" ") for body in lines]
    ping = json.dumps({"jsonrpc": "2.0", "id": "last", "method": "ping"}).encode()
    out, _ = process.communicate(b"\n".join([*flat, ping]) + b"\n", timeout=60)
    assert process.returncode == 0
    answers = [json.loads(text) for text in out.decode().splitlines()]
    assert all(is_answer(a) for a in answers)
    assert len(answers) <= len(flat) + 1
    assert any(a.get("id") == "last" and a.get("result") == {} for a in answers)
