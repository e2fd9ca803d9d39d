"""The JSON snippet that adds a capability's MCP adapter to a desktop client.

Claude Desktop and Cursor read `mcpServers`, VS Code reads `servers`. By default the client
launches `naftiko run FILE --mcp-stdio NS`; with a URL it connects over streamable HTTP.
Secrets are never written: each bound environment variable gets a placeholder to fill in.
"""

from __future__ import annotations

import shutil
from typing import Any

from naftiko.spec.model import Adapter, Capability, pick_adapter


def mcp_adapter(capability: Capability, namespace: str | None) -> Adapter:
    return pick_adapter(capability.exposes, "mcp", namespace, str(capability.path))


def client_config(
    capability: Capability, adapter: Adapter, client: str, url: str | None = None
) -> dict[str, Any]:
    env = {
        variable: f"<your {variable}>"
        for bind in capability.binds
        if bind.location is None
        for variable in bind.keys.values()
    }
    entry: dict[str, Any]
    if url is None:
        command = shutil.which("naftiko") or "naftiko"
        path = str(capability.path.resolve())
        entry = {"command": command, "args": ["run", path, "--mcp-stdio", adapter.namespace]}
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
