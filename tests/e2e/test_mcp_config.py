"""`naftiko mcp-config`: client snippets that launch or reach the MCP adapter, no secrets."""

from __future__ import annotations

import json
import subprocess

from conftest import FIXTURES, ROOT, clean_env, naftiko_command

QUICKSTART = ROOT / "examples" / "quickstart.yaml"


def config(*args: str, **env: str) -> dict:
    done = subprocess.run(
        [*naftiko_command(), "mcp-config", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(**env),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_claude_launches_the_adapter_over_stdio() -> None:
    found = config(str(FIXTURES / "catalog.yaml"))
    entry = found["mcpServers"]["catalog"]
    assert entry["args"][-2:] == ["--mcp-stdio", "catalog"]
    assert entry["args"][1] == str((FIXTURES / "catalog.yaml").resolve())


def test_vscode_over_http_uses_the_adapter_address() -> None:
    found = config(str(QUICKSTART), "--client", "vscode", "--http")
    assert found == {
        "servers": {"quickstart": {"type": "http", "url": "http://127.0.0.1:3001/mcp"}}
    }


def test_cursor_with_an_explicit_url() -> None:
    found = config(str(QUICKSTART), "--client", "cursor", "--http", "https://mcp.example.com/mcp")
    assert found == {"mcpServers": {"quickstart": {"url": "https://mcp.example.com/mcp"}}}


def test_secrets_are_named_never_written() -> None:
    found = config(str(FIXTURES / "ships.yaml"), SHIPS_REGISTRY_TOKEN="real-secret-value")
    text = json.dumps(found)
    assert "real-secret-value" not in text
    assert "<your SHIPS_REGISTRY_TOKEN>" in text


def test_several_mcp_adapters_need_a_choice(tmp_path) -> None:
    text = (FIXTURES / "catalog.yaml").read_text(encoding="utf-8")
    second = text.split("  exposes:\n")[1].replace("namespace: catalog", "namespace: other")
    path = tmp_path / "two.yaml"
    path.write_text(text + second, encoding="utf-8")
    done = subprocess.run(
        [*naftiko_command(), "mcp-config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 1
    assert "catalog, other" in done.stderr
    assert config(str(path), "--adapter", "other")["mcpServers"]["other"]
