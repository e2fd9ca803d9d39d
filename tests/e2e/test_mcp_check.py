"""The shared MCP instrument (official SDK client and raw probes, the official conformance
suite, the MCP Inspector) against `naftiko run`: over HTTP, over stdio, and with a token."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
from pathlib import Path

import pytest

from authserver import CLIENT_SECRET, AuthServer
from conftest import CORPUS, FIXTURES, KOMBO, ROOT, clean_env, naftiko_command
from upstreams import KOMBO_KEY, echo, kombo, registry

MCP_CHECK = CORPUS.parent / "tools" / "mcp-check.sh"
KOMBO_GENERAL = KOMBO / "kombo-general.yaml"
TUTORIAL_AUTH = CORPUS / "naftiko-tutorial" / "step-3-shipyard-auth.yml"


@pytest.fixture(autouse=True)
def instrument() -> None:
    if not MCP_CHECK.is_file():
        pytest.skip(f"the MCP instrument {MCP_CHECK} is not installed beside the corpus")


def mcp_check(*args: str, tmp_path: Path) -> str:
    done = subprocess.run(
        ["bash", str(MCP_CHECK), *args, "--out", str(tmp_path / "mcp-check")],
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(),
        check=False,
    )
    output = done.stdout + done.stderr
    verdict = re.findall(r"mcp-check: (\d+) passed, (\d+) failed", output)
    assert verdict, output[-3000:]
    passed, failed = map(int, verdict[-1])
    assert failed == 0 and passed > 0, output[-6000:]
    return output


def test_kombo_over_http_passes_every_check(serve, naftiko_run, tmp_path: Path) -> None:
    upstream = serve(kombo)
    running = naftiko_run(
        str(KOMBO_GENERAL),
        "--port=kombo-general-rest=0",
        "--port=kombo-general-mcp=0",
        f"--base-uri=kombo-general={upstream.url}/v1",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )
    url = running.urls["kombo-general-mcp"] + "/mcp"
    output = mcp_check("--url", url, "--tool", "check-api-key", "--args", "{}", tmp_path=tmp_path)
    assert "PASS dns-rebinding-protection" in output


def test_kombo_over_stdio_passes_every_check(serve, tmp_path: Path) -> None:
    upstream = serve(kombo)
    command = shlex.join(
        [
            *naftiko_command(),
            "run",
            str(KOMBO_GENERAL),
            "--mcp-stdio",
            "--base-uri",
            f"kombo-general={upstream.url}/v1",
        ]
    )
    mcp_check(
        "--stdio",
        command,
        "--env",
        f"KOMBO_API_KEY={KOMBO_KEY}",
        "--tool",
        "check-api-key",
        "--args",
        "{}",
        tmp_path=tmp_path,
    )


def test_tutorial_bearer_adapter_passes_with_its_token(serve, naftiko_run, tmp_path) -> None:
    upstream = serve(registry)
    running = naftiko_run(
        str(TUTORIAL_AUTH),
        "--host=127.0.0.1",
        "--port=shipyard-tools=0",
        f"--base-uri=registry={upstream.url}",
    )
    url = running.urls["shipyard-tools"] + "/mcp"
    output = mcp_check(
        "--url",
        url,
        "--token",
        "sk-mcp-YYYYYYYYYYYY",
        "--tool",
        "get-ship",
        "--args",
        '{"imo": "IMO-9321483"}',
        tmp_path=tmp_path,
    )
    assert "401" in output


def test_kombo_ats_under_its_mock_passes_every_check(naftiko_run, tmp_path: Path) -> None:
    kombo_dir = ROOT / "capabilities" / "kombo"
    running = naftiko_run(
        str(kombo_dir / "kombo-unified-ats-api.yaml"),
        "--port=kombo-unified-ats-api-rest=0",
        "--port=kombo-unified-ats-api-mcp=0",
        f"--mock=kombo-unified-ats-api={kombo_dir / 'kombo-openapi.json'}",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )
    url = running.urls["kombo-unified-ats-api-mcp"] + "/mcp"
    output = mcp_check("--url", url, "--mode", "auto", tmp_path=tmp_path)
    assert "conformance 2026-07-28: 11 passed, 0 failed" in output
    assert "PASS http-custom-header-server-validation [2026-07-28]" in output


def test_resources_and_prompts_pass_every_check(serve, naftiko_run, tmp_path: Path) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "catalog.yaml"), "--port=catalog=0", f"--base-uri=echo={upstream.url}"
    )
    url = running.urls["catalog"] + "/mcp"
    output = mcp_check(
        "--url",
        url,
        "--mode",
        "auto",
        "--tool",
        "hello",
        "--args",
        '{"who": "Ada"}',
        tmp_path=tmp_path,
    )
    for scenario in ("resources-list", "prompts-list", "sep-2164-resource-not-found"):
        era = "2026-07-28" if scenario.startswith("sep-") else "2025-11-25"
        assert f"PASS {scenario} [{era}]" in output, scenario
    assert "PASS prompts-list [2026-07-28]" in output


def test_an_oauth_protected_adapter_passes_with_a_token_from_its_server(
    serve, naftiko_run, tmp_path: Path
) -> None:
    auth = AuthServer()
    auth.issuer = serve(auth).url
    upstream = serve(echo)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    resource = f"http://127.0.0.1:{port}/mcp"
    running = naftiko_run(
        str(FIXTURES / "oauth.yaml"),
        f"--port=inventory-mcp={port}",
        "--port=inventory-rest=0",
        f"--base-uri=inventory={upstream.url}",
        env=clean_env(
            AUTH_ISSUER=auth.issuer,
            MCP_RESOURCE=resource,
            REST_RESOURCE="http://127.0.0.1:1",
            INTROSPECTION_SECRET=CLIENT_SECRET,
            INVENTORY_TOKEN="inventory-upstream-token-31",
        ),
    )
    assert running.urls["inventory-mcp"] + "/mcp" == resource
    token = auth.token(scope="inventory inventory.read inventory.write", audience=resource)
    output = mcp_check(
        "--url",
        resource,
        "--mode",
        "auto",
        "--token",
        token,
        "--tool",
        "get-item",
        "--args",
        '{"id": "42"}',
        tmp_path=tmp_path,
    )
    assert "401" in output
