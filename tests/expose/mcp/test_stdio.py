"""MCP over stdio as desktop clients launch it: `naftiko run FILE --mcp-stdio`."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from aiohttp import web

from conftest import FIXTURES, clean_env, naftiko_command
from upstreams import echo

CATALOG = FIXTURES / "catalog.yaml"


def start(upstream_url: str, capability: Path = CATALOG) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *naftiko_command(),
            "run",
            str(capability),
            "--mcp-stdio",
            "--base-uri",
            f"echo={upstream_url}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    )


def line(message: object) -> bytes:
    return json.dumps(message).encode() + b"\n"


def test_answers_every_request_and_exits_at_eof(serve) -> None:
    upstream = serve(echo)
    process = start(upstream.url)
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18"},
    }
    messages = [
        line(init),
        b"\n",
        line({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        b"{not json\n",
        line(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "get-item", "arguments": {"id": "7"}},
            }
        ),
        line({"jsonrpc": "2.0", "id": 3, "method": "ping"}),
        line({"jsonrpc": "2.0", "id": 4, "method": "nope"}),
    ]
    started = time.monotonic()
    out, err = process.communicate(b"".join(messages), timeout=30)
    assert process.returncode == 0, err.decode()
    assert time.monotonic() - started < 15
    answers = [json.loads(text) for text in out.decode().splitlines()]
    by_id = {a.get("id"): a for a in answers}
    assert by_id[1]["result"]["protocolVersion"] == "2025-06-18"
    assert by_id[2]["result"]["structuredContent"] == {"path": "/items/7", "method": "GET"}
    assert by_id[3]["result"] == {}
    assert by_id[4]["error"]["code"] == -32601
    assert by_id[None]["error"]["code"] == -32700
    assert len(answers) == 5
    assert b"serving on stdio" in err


def test_a_file_with_several_mcp_adapters_needs_a_name(tmp_path) -> None:
    text = CATALOG.read_text(encoding="utf-8")
    second = text.split("  exposes:\n")[1].replace("namespace: catalog", "namespace: other")
    path = tmp_path / "two.yaml"
    path.write_text(text + second, encoding="utf-8")
    done = subprocess.run(
        [*naftiko_command(), "run", str(path), "--mcp-stdio"],
        input=b"",
        capture_output=True,
        timeout=30,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 1
    assert b"catalog, other" in done.stderr
    assert done.stdout == b""


PASSING_ON = """\
naftiko: "1.0.0-alpha2"
info:
  label: Pass on
  description: One tool whose answer is the upstream's body as it came.
capability:
  consumes:
    - namespace: echo
      type: http
      baseUri: "http://127.0.0.1:9"
      resources:
        - name: item
          path: "/items/{{id}}"
          operations:
            - name: get-item
              method: GET
              inputParameters:
                - name: id
                  in: path
  exposes:
    - type: mcp
      namespace: catalog
      port: 0
      description: One tool.
      tools:
        - name: get-item
          description: One item, as the upstream sends it.
          inputParameters:
            - name: id
              type: string
              required: true
              description: Item id.
          call: echo.get-item
          with:
            id: catalog.id
          outputParameters:
            - type: object
              mapping: "$."
"""


def test_a_pretty_printed_answer_stays_one_message_on_one_line(serve, tmp_path) -> None:
    """An upstream that indents its JSON, passed on whole: the tool's answer is still one
    line of stdout, its structured content the object the upstream sent."""
    sent = {"id": "7", "tags": ["a", "b"], "nested": {"deep": True}}

    def pretty(request: web.Request) -> web.Response:
        return web.Response(text=json.dumps(sent, indent=2), content_type="application/json")

    capability = tmp_path / "pass-on.yaml"
    capability.write_text(PASSING_ON, encoding="utf-8")
    process = start(serve(pretty).url, capability)
    init = {"protocolVersion": "2025-06-18"}
    call = {"name": "get-item", "arguments": {"id": "7"}}
    messages = [
        line({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}),
        line({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}),
    ]
    out, err = process.communicate(b"".join(messages), timeout=30)
    assert process.returncode == 0, err.decode()
    answers = [json.loads(text) for text in out.decode().splitlines()]
    assert len(answers) == 2
    result = {a["id"]: a for a in answers}[2]["result"]
    assert result["structuredContent"] == sent
    assert json.loads(result["content"][0]["text"]) == sent
