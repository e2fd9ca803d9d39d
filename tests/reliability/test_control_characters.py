"""A control character bound for an upstream header is refused as the input (or value) it
is, never a protocol error with a traceback."""

from __future__ import annotations

import httpx
import pytest

from conftest import FIXTURES, clean_env
from upstreams import echo

HEADERS = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-03-26"}


def call(url: str, arguments: dict[str, str]) -> dict:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    body["params"] = {"name": "get-item", "arguments": arguments}
    answer = httpx.post(url + "/mcp", json=body, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("character", ["\x7f", "\x01", "\x1b", "\n", "\x00"])
def test_a_control_character_in_a_header_argument_is_an_input_error(
    serve, naftiko_run, character: str
) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "headers.yaml"), "--mcp-stateless", f"--base-uri=echo={upstream.url}"
    )
    found = call(running.urls["hdr-mcp"], {"tag": f"a{character}b"})
    assert "error" not in found, found
    assert found["result"]["isError"] is True
    assert "control characters" in found["result"]["content"][0]["text"]
    assert not upstream.requests
    assert "Traceback" not in running.log()


def test_a_tab_in_a_header_argument_is_sent(serve, naftiko_run) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "headers.yaml"), "--mcp-stateless", f"--base-uri=echo={upstream.url}"
    )
    assert call(running.urls["hdr-mcp"], {"tag": "a\tb"})["result"]["isError"] is False


def test_a_bound_credential_with_a_control_character_is_a_typed_error(serve, naftiko_run) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "echoing.yaml"),
        "--mcp-stateless",
        f"--base-uri=echo={upstream.url}",
        env=clean_env(ECHOING_TOKEN="secret\x7fvalue"),
    )
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    body["params"] = {"name": "get-item", "arguments": {"id": "1"}}
    found = httpx.post(running.urls["echoing"] + "/mcp", json=body, headers=HEADERS).json()
    assert found["result"]["isError"] is True, found
    assert "cannot be written" in found["result"]["content"][0]["text"]
    assert "secret" not in found["result"]["content"][0]["text"]
    assert "Traceback" not in running.log()
    assert "secret" not in running.log()
