"""Which OpenAPI document beside a capability describes each of its upstreams.

A document in the capability's folder (JSON or YAML, with a top-level `openapi` or `swagger`
key) describes a consumes namespace when one of its `servers` URLs is the namespace's
`baseUri`, or starts it (`https://api.kombo.dev/v1` for `https://api.kombo.dev/v1/`). The first
match wins, in name order; `naftiko dev` mocks what is found this way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from naftiko import yamlio
from naftiko.errors import NaftikoError
from naftiko.spec.model import Capability

_SUFFIXES = (".json", ".yaml", ".yml")
_LARGEST = 20 * 1024 * 1024  # a document larger than this is not read


def described(capability: Capability) -> dict[str, Path]:
    """Consumes namespace -> the OpenAPI document beside the capability that describes it."""
    folder = capability.path.parent
    found: dict[str, Path] = {}
    documents = [
        (path, _servers(path))
        for path in sorted(folder.iterdir())
        if path.suffix in _SUFFIXES and path.resolve() != capability.path.resolve()
    ]
    for consumes in capability.consumes:
        base = consumes.base_uri.rstrip("/")
        for path, servers in documents:
            if any(base == s or base.startswith(s + "/") for s in servers):
                found[consumes.namespace] = path
                break
    return found


def _servers(path: Path) -> list[str]:
    """The server URLs of an OpenAPI document (Swagger 2: scheme, host and basePath); none
    when the file is not one."""
    try:
        if path.stat().st_size > _LARGEST:
            return []
        text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text) if path.suffix == ".json" else yamlio.loads(text)
    except (OSError, ValueError, yaml.YAMLError, NaftikoError):
        return []
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        return []
    urls = [
        str(s["url"]).rstrip("/")
        for s in data.get("servers") or []
        if isinstance(s, dict) and isinstance(s.get("url"), str)
    ]
    if "swagger" in data and isinstance(data.get("host"), str):
        scheme = (data.get("schemes") or ["https"])[0]
        urls.append(f"{scheme}://{data['host']}{data.get('basePath', '')}".rstrip("/"))
    return urls
