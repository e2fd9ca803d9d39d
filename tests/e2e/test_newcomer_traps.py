"""The small traps a new user falls into: each says what is true and what to do."""

from __future__ import annotations

import json
import socket
import subprocess
import time

from conftest import FIXTURES, KOMBO, ROOT, clean_env, naftiko_cli, naftiko_command

QUICKSTART = ROOT / "examples" / "quickstart.yaml"
FORWARD = ROOT / "examples" / "forward.yaml"
KOMBO_GENERAL = KOMBO / "kombo-general.yaml"
KOMBO_SPEC = KOMBO / "kombo-openapi.json"
FREE_PORTS = ("--port", "quickstart-rest=0", "--port", "quickstart=0")


def test_log_options_work_after_the_command(naftiko_run) -> None:
    running = naftiko_run(str(QUICKSTART), *FREE_PORTS, "--log-format", "json")
    lines = [line for line in running.log().splitlines() if line.startswith("{")]
    assert any(json.loads(line)["message"].startswith("ready") for line in lines)


def test_log_level_after_the_command_filters_logs() -> None:
    done = naftiko_cli("validate", str(QUICKSTART), "--log-level", "error")
    assert done.returncode == 0, done.stderr
    assert "INFO" not in done.stderr


def test_log_level_flag_beats_its_variable_wherever_it_is_written(naftiko_run) -> None:
    running = naftiko_run(
        str(QUICKSTART),
        *FREE_PORTS,
        "--log-level",
        "info",
        env=clean_env(NAFTIKO_LOG_LEVEL="error"),
    )
    assert "ready: 2 adapter(s) listening" in running.log()


def stdio_exchange(args: list[str], *messages: dict[str, object], env=None) -> list[dict]:
    """Send JSON-RPC lines to `naftiko run ... --mcp-stdio` and read the answers to EOF."""
    text = "".join(json.dumps(m) + "\n" for m in messages)
    done = subprocess.run(
        [*naftiko_command(), "run", *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        env=env or clean_env(),
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18"},
}


def test_mcp_stdio_written_before_the_file_takes_the_file() -> None:
    answers = stdio_exchange(
        ["--mcp-stdio", str(QUICKSTART)],
        INIT,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    )
    tools = {t["name"] for t in answers[-1]["result"]["tools"]}
    assert tools == {"greet", "get-ship"}


def test_mcp_stdio_serves_mocks_instead_of_the_real_upstream() -> None:
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "get-integration-details", "arguments": {"integration_id": "abc"}},
    }
    answers = stdio_exchange(
        [str(KOMBO_GENERAL), "--mcp-stdio", "--mock", f"kombo-general={KOMBO_SPEC}"],
        INIT,
        call,
        env=clean_env(KOMBO_API_KEY="any"),
    )
    result = answers[-1]["result"]
    assert not result.get("isError"), result
    assert "factorial" in result["content"][0]["text"]  # Kombo's documented example


def test_mcp_stdio_naming_an_unknown_adapter_lists_the_real_one() -> None:
    done = naftiko_cli("run", str(QUICKSTART), "--mcp-stdio", "nope")
    assert done.returncode == 1
    assert "no MCP adapter 'nope'" in done.stderr
    assert "adapters: quickstart" in done.stderr


def test_mcp_config_of_a_file_without_mcp_says_so_and_how_to_add_one() -> None:
    done = naftiko_cli("mcp-config", str(FORWARD))
    assert done.returncode == 1
    assert "declares no MCP adapter" in done.stderr
    assert "type: mcp" in done.stderr
    assert "none" not in done.stderr


def test_the_same_file_twice_is_a_usage_error_not_a_port_clash() -> None:
    done = naftiko_cli("run", str(QUICKSTART), str(QUICKSTART.relative_to(ROOT)), cwd=ROOT)
    assert done.returncode == 2
    assert "is given twice" in done.stderr
    assert "port" not in done.stderr


def test_run_without_a_file_says_what_to_give() -> None:
    done = naftiko_cli("run")
    assert done.returncode == 2
    assert "naftiko run FILE" in done.stderr


def test_a_port_in_use_is_named_and_nothing_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = naftiko_cli("run", str(QUICKSTART), "--port", f"quickstart={port}", timeout=30)
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr
    assert "already listens there" in done.stderr
    assert "--port quickstart=PORT" in done.stderr
    assert "draining" not in done.stderr
    assert "listening on" not in done.stderr.split("cannot listen")[-1]


def test_call_answers_from_a_mock() -> None:
    done = naftiko_cli(
        "call",
        str(KOMBO_GENERAL),
        "kombo-general-mcp.get-integration-details",
        "-p",
        "integration_id=abc",
        "--mock",
        f"kombo-general={KOMBO_SPEC}",
        env=clean_env(KOMBO_API_KEY="any"),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"]["tool"]["id"] == "factorial"


def test_call_mock_of_an_unknown_namespace_lists_the_real_ones() -> None:
    done = naftiko_cli("call", str(QUICKSTART), "quickstart.greet", "--mock", f"nope={KOMBO_SPEC}")
    assert done.returncode == 2
    assert "namespaces: registry" in done.stderr


def test_call_reads_its_timeout_from_naftiko_timeout(serve) -> None:
    import asyncio

    from aiohttp import web

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    upstream = serve(slow)
    started = time.monotonic()
    done = naftiko_cli(
        "call",
        str(QUICKSTART),
        "registry.get-ship",
        "-p",
        "imo=1",
        "--base-uri",
        f"registry={upstream.url}",
        env=clean_env(NAFTIKO_TIMEOUT="0.5"),
    )
    assert done.returncode == 1
    assert "did not answer within 0.5s" in done.stderr
    assert time.monotonic() - started < 4


def test_call_without_a_target_lists_the_targets_and_their_inputs() -> None:
    done = naftiko_cli("call", str(QUICKSTART))
    assert done.returncode == 0, done.stderr
    assert "quickstart.greet" in done.stdout
    assert "name*: string, times: integer" in done.stdout
    assert "registry.get-ship" in done.stdout
    assert "naftiko call" in done.stdout


def test_call_without_a_target_needs_no_secrets() -> None:
    done = naftiko_cli("call", str(FIXTURES / "shop.yaml"))
    assert done.returncode == 0, done.stderr
    assert "shop.get-item" in done.stdout
