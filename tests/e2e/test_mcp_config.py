"""`naftiko mcp-config`: client snippets that launch or reach the MCP adapter, no secrets."""

from __future__ import annotations

import json
import os
import subprocess

from conftest import FIXTURES, ROOT, clean_env, naftiko_cli, naftiko_command

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
    assert entry["args"][3] == str((FIXTURES / "catalog.yaml").resolve())


def test_the_launched_command_works_without_naftiko_on_path(tmp_path) -> None:
    entry = config(str(FIXTURES / "catalog.yaml"))["mcpServers"]["catalog"]
    assert os.path.isabs(entry["command"])
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    done = subprocess.run(
        [entry["command"], *entry["args"]],
        input=json.dumps(hello) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(tmp_path), "HOME": str(tmp_path)},  # no naftiko on this PATH
        check=False,
    )
    answer = json.loads(done.stdout.splitlines()[0])
    assert answer["result"]["serverInfo"], done.stderr


def test_mocks_and_base_uris_go_into_the_launched_command() -> None:
    spec = ROOT / "examples" / "registry.openapi.yaml"
    found = config(str(QUICKSTART), "--mock", f"registry={spec}")
    args = found["mcpServers"]["quickstart"]["args"]
    assert f"--mock=registry={spec.resolve()}" in args
    found = config(str(QUICKSTART), "--base-uri", "registry=http://127.0.0.1:9/v1")
    assert "--base-uri=registry=http://127.0.0.1:9/v1" in found["mcpServers"]["quickstart"]["args"]


def test_a_mock_for_an_unknown_namespace_is_refused_naming_the_real_ones() -> None:
    done = naftiko_cli("mcp-config", str(QUICKSTART), "--mock", "regsitry=x.yaml")
    assert done.returncode == 2
    assert "regsitry" in done.stderr and "registry" in done.stderr


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
    done = naftiko_cli("mcp-config", str(path))
    assert done.returncode == 1
    assert "catalog, other" in done.stderr
    assert config(str(path), "--adapter", "other")["mcpServers"]["other"]


def install(*args: str, cwd=None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*naftiko_command(), "mcp-config", str(QUICKSTART), "--install", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(**env),
        cwd=cwd,
        check=False,
    )


def test_install_merges_into_the_config_and_keeps_a_backup(tmp_path) -> None:
    path = tmp_path / "claude_desktop_config.json"
    before = {"mcpServers": {"other": {"command": "x"}}, "theme": "dark"}
    path.write_text(json.dumps(before), encoding="utf-8")
    done = install("--config-file", str(path))
    assert done.returncode == 0, done.stderr
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["theme"] == "dark"
    assert set(after["mcpServers"]) == {"other", "quickstart"}
    assert after["mcpServers"]["quickstart"]["args"][-2:] == ["--mcp-stdio", "quickstart"]
    backups = list(tmp_path.glob("claude_desktop_config.json.*.bak"))
    assert len(backups) == 1
    assert json.loads(backups[0].read_text(encoding="utf-8")) == before
    assert "added MCP server 'quickstart'" in done.stderr


def test_install_twice_replaces_the_entry(tmp_path) -> None:
    path = tmp_path / "c.json"
    assert install("--config-file", str(path)).returncode == 0
    done = install("--config-file", str(path))
    assert "replaced MCP server 'quickstart'" in done.stderr
    assert list(json.loads(path.read_text(encoding="utf-8"))["mcpServers"]) == ["quickstart"]


def test_install_finds_claude_desktops_file_on_linux(tmp_path) -> None:
    done = install(XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    assert done.returncode == 0, done.stderr
    path = tmp_path / "Claude" / "claude_desktop_config.json"
    assert "quickstart" in json.loads(path.read_text(encoding="utf-8"))["mcpServers"]


def test_install_for_vscode_writes_the_workspace_file(tmp_path) -> None:
    done = install("--client", "vscode", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads((tmp_path / ".vscode" / "mcp.json").read_text(encoding="utf-8"))
    assert found["servers"]["quickstart"]["type"] == "stdio"


def test_install_leaves_a_file_with_comments_untouched(tmp_path) -> None:
    path = tmp_path / "mcp.json"
    text = '{\n  // mine\n  "servers": {}\n}\n'
    path.write_text(text, encoding="utf-8")
    done = install("--client", "vscode", "--config-file", str(path))
    assert done.returncode == 1
    assert "not plain JSON" in done.stderr and "was not changed" in done.stderr
    assert path.read_text(encoding="utf-8") == text
    assert not list(tmp_path.glob("*.bak"))


def test_install_asks_to_fill_the_placeholders_never_writes_secrets(tmp_path) -> None:
    path = tmp_path / "c.json"
    kombo = ROOT / "capabilities" / "kombo" / "kombo-general.yaml"
    done = subprocess.run(
        [*naftiko_command(), "mcp-config", str(kombo), "--install", "--config-file", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(KOMBO_API_KEY="s3cret-kombo"),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "fill in each <your VARIABLE>" in done.stderr
    text = path.read_text(encoding="utf-8")
    assert "<your KOMBO_API_KEY>" in text and "s3cret-kombo" not in text


def test_a_placeholder_left_unfilled_is_refused_at_start_naming_the_variable() -> None:
    done = subprocess.run(
        [*naftiko_command(), "run", str(FIXTURES / "ships.yaml"), "--mcp-stdio"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(SHIPS_REGISTRY_TOKEN="<your SHIPS_REGISTRY_TOKEN>"),
        check=False,
    )
    assert done.returncode == 1
    assert "SHIPS_REGISTRY_TOKEN" in done.stderr
    assert "still holds the placeholder" in done.stderr
