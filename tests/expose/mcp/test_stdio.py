"""MCP over stdio as desktop clients launch it: `naftiko run FILE --mcp-stdio`."""

from __future__ import annotations

import json
import subprocess
import time

from conftest import FIXTURES, clean_env, naftiko_command
from upstreams import echo

CATALOG = FIXTURES / "catalog.yaml"


def start(upstream_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *naftiko_command(),
            "run",
            str(CATALOG),
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
