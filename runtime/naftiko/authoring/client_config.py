"""The JSON snippet that adds a capability's MCP adapter to a desktop client.

Claude Desktop and Cursor read `mcpServers`, VS Code reads `servers`. By default the client
launches `naftiko run FILE --mcp-stdio NS`; with a URL it connects over streamable HTTP.
Secrets are never written: each bound environment variable gets a placeholder to fill in.
`install` merges the snippet into the client's own config file, after a backup.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from naftiko.bind.sources import placeholder
from naftiko.errors import NaftikoError
from naftiko.jsontypes import JSON
from naftiko.spec.model import Adapter, Capability, pick_adapter


def mcp_adapter(capability: Capability, namespace: str | None) -> Adapter:
    return pick_adapter(capability.exposes, "mcp", namespace, str(capability.path))


def launcher() -> list[str]:
    """A command a client can start whatever its PATH: this interpreter, by absolute path
    (not resolved, so that a virtual environment stays the one that has naftiko)."""
    return [os.path.abspath(sys.executable), "-m", "naftiko"]


def client_config(
    capability: Capability,
    adapter: Adapter,
    client: str,
    url: str | None = None,
    extra: Sequence[str] = (),
) -> dict[str, JSON]:
    """``extra``: more `run` arguments for a launched server (`--mock NS=SPEC`...)."""
    env: dict[str, JSON] = {
        variable: placeholder(variable)
        for bind in capability.binds
        if bind.location is None
        for variable in bind.keys.values()
    }
    entry: dict[str, JSON]
    if url is None:
        command, *prefix = launcher()
        path = str(capability.path.resolve())
        args: list[JSON] = [*prefix, "run", path, "--mcp-stdio", adapter.namespace, *extra]
        entry = {"command": command, "args": args}
        if env:
            entry["env"] = env
        if client == "vscode":
            entry = {"type": "stdio", **entry}
    elif client == "vscode":
        entry = {"type": "http", "url": url}
    elif client == "cursor":
        entry = {"url": url}
    else:  # Claude Desktop reaches remote servers through the mcp-remote bridge
        entry = {"command": "npx", "args": ["-y", "mcp-remote", url]}
    key = "servers" if client == "vscode" else "mcpServers"
    return {key: {adapter.namespace: entry}}


def default_url(adapter: Adapter) -> str:
    host = adapter.address if adapter.address not in (None, "0.0.0.0", "::") else "127.0.0.1"
    return f"http://{host}:{adapter.port or 0}/mcp"


def config_path(client: str, environ: Mapping[str, str], home: Path, system: str) -> Path:
    """Where each client reads its MCP servers (VS Code: the workspace's `.vscode/mcp.json`)."""
    if client == "vscode":
        return Path(".vscode") / "mcp.json"
    if client == "cursor":
        return home / ".cursor" / "mcp.json"
    if system == "Darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if system == "Windows":
        base = Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
        return base / "Claude" / "claude_desktop_config.json"
    base = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    return base / "Claude" / "claude_desktop_config.json"


def install(snippet: Mapping[str, JSON], path: Path) -> tuple[bool, Path | None]:
    """Merge ``snippet`` into the client's config file, keeping everything else in it.

    Returns whether an entry of that name was replaced, and the backup of the old file
    (None when there was none). The new file replaces the old in one rename, so a client
    never reads half of it; a file that is not a JSON object is left untouched."""
    current: dict[str, JSON] = {}
    backup = None
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            parsed = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise NaftikoError(
                f"{path} is not plain JSON ({exc.msg} at line {exc.lineno}); it was not changed",
                hint="remove its comments, or add the snippet `naftiko mcp-config` prints by hand",
            ) from None
        if not isinstance(parsed, dict):
            raise NaftikoError(f"{path} does not hold a JSON object; it was not changed")
        current = parsed
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.name}.{stamp}.bak")
        for number in range(1, 100):  # never overwrite an earlier backup
            if not backup.exists():
                break
            backup = path.with_name(f"{path.name}.{stamp}-{number}.bak")
        shutil.copy2(path, backup)
    replaced = False
    for key, servers in snippet.items():
        section = current.setdefault(key, {})
        if not isinstance(servers, dict):
            raise TypeError(f"the snippet's '{key}' is not an object")
        if not isinstance(section, dict):
            raise NaftikoError(f"{path}: '{key}' is not an object; it was not changed")
        replaced = replaced or any(name in section for name in servers)
        section.update(servers)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return replaced, backup
