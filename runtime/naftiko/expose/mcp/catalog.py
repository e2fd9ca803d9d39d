"""MCP resources and prompts: listings built at load, reads and renders per request.

Static resources serve UTF-8 files under a `location` directory (or one file), with every
path segment checked and the resolved file kept inside it. Call-backed resources run through
``engine.invoke``; a `{x}` in the uri makes a template whose values become inputs.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from naftiko.engine import ExposedPlan, Plan, invoke
from naftiko.expose.files import UnsafePath, inside, listing, media_type
from naftiko.expose.mcp.tools import result_text
from naftiko.routes import pattern_of, variables
from naftiko.spec.imports import location_path
from naftiko.spec.model import Capability, McpPrompt, McpResource
from naftiko.template import fill_known


class ResourceNotFound(LookupError):
    pass


class CatalogError(ValueError):
    """Bad params for a resource or prompt (-32602)."""


@dataclass(frozen=True)
class _Entry:
    resource: McpResource
    pattern: re.Pattern[str] | None
    names: tuple[str, ...]
    plan: ExposedPlan | None
    root: Path | None


class Catalog:
    def __init__(
        self,
        capability: Capability,
        resources: tuple[McpResource, ...],
        prompts: tuple[McpPrompt, ...],
        plans: Mapping[str, Plan],
    ) -> None:
        self._capability = capability
        self._entries: list[_Entry] = []
        self.listed: list[dict[str, Any]] = []
        self.templates: list[dict[str, Any]] = []
        for resource in resources:
            names = tuple(variables(resource.uri))
            plan = plans.get(resource.unit.target) if resource.unit is not None else None
            root = (
                location_path(resource.location, capability.base_dir) if resource.location else None
            )
            pattern = pattern_of(resource.uri) if names else None
            self._entries.append(
                _Entry(
                    resource, pattern, names, plan if isinstance(plan, ExposedPlan) else None, root
                )
            )
            if names:
                self.templates.append(_describe(resource, "uriTemplate", resource.uri))
            elif root is not None:
                self.listed.extend(_files(resource, root))
            else:
                self.listed.append(_describe(resource, "uri", resource.uri))
        self.prompts = {p.name: p for p in prompts}
        self.prompt_list = [_describe_prompt(p) for p in prompts]

    async def read(self, uri: str) -> dict[str, Any]:
        for entry in self._entries:
            resource = entry.resource
            if entry.root is not None:
                if uri == resource.uri or uri.startswith(resource.uri.rstrip("/") + "/"):
                    return await self._read_file(entry, uri)
                continue
            values: dict[str, str] | None = None
            if entry.pattern is not None:
                found = entry.pattern.fullmatch(uri)
                if found is not None:
                    values = {
                        n: unquote(v) for n, v in zip(entry.names, found.groups(), strict=True)
                    }
            elif uri == resource.uri:
                values = {}
            if values is not None and entry.plan is not None:
                result = await invoke(entry.plan, values)
                mime = resource.mime_type or "application/json"
                content = {"uri": uri, "mimeType": mime, "text": result_text(result)}
                if result.binary and result.upstream is not None:  # bytes: a blob
                    blob = base64.b64encode(result.upstream.body).decode()
                    mime = resource.mime_type or result.upstream.content_type or mime
                    content = {"uri": uri, "mimeType": mime, "blob": blob}
                read: dict[str, Any] = {"contents": [content]}
                if result.fresh_for is not None:  # a cached answer: say how long it holds
                    read["ttlMs"] = int(result.fresh_for * 1000)
                return read
        raise ResourceNotFound(uri)

    async def _read_file(self, entry: _Entry, uri: str) -> dict[str, Any]:
        assert entry.root is not None
        rest = uri[len(entry.resource.uri) :].strip("/")
        try:
            target = inside(entry.root, [s for s in rest.split("/") if s] if rest else [])
        except UnsafePath as exc:
            raise CatalogError(f"resource uri: {exc}") from None
        if not target.is_file():
            raise ResourceNotFound(uri)
        text = await asyncio.to_thread(target.read_text, "utf-8")
        mime = media_type(target, entry.resource.mime_type)
        return {"contents": [{"uri": uri, "mimeType": mime, "text": text}]}

    async def prompt(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        prompt = self.prompts.get(name)
        if prompt is None:
            raise CatalogError(f"unknown prompt '{name}'")
        missing = [a.name for a in prompt.arguments if a.required and arguments.get(a.name) is None]
        if missing:
            raise CatalogError(f"prompt '{name}' needs argument(s): {', '.join(missing)}")
        values = {k: str(v) for k, v in arguments.items() if v is not None}
        if prompt.location:
            path = location_path(prompt.location, self._capability.base_dir)
            try:
                text = await asyncio.to_thread(path.read_text, "utf-8")
            except OSError:
                raise CatalogError(f"prompt '{name}': its file cannot be read") from None
            messages = [("user", text)]
        else:
            messages = list(prompt.template)

        def fill(text: str) -> str:
            return fill_known(text, values)

        result: dict[str, Any] = {
            "messages": [
                {"role": role, "content": {"type": "text", "text": fill(text)}}
                for role, text in messages
            ]
        }
        if prompt.description:
            result["description"] = prompt.description
        return result


def _describe(resource: McpResource, key: str, uri: str) -> dict[str, Any]:
    found: dict[str, Any] = {key: uri, "name": resource.name}
    if resource.label:
        found["title"] = resource.label
    if resource.description:
        found["description"] = resource.description
    if resource.mime_type:
        found["mimeType"] = resource.mime_type
    return found


def _files(resource: McpResource, root: Path) -> list[dict[str, Any]]:
    if root.is_file():
        return [{**_describe(resource, "uri", resource.uri), "mimeType": media_type(root)}]
    found = []
    for path in listing(root):
        uri = resource.uri.rstrip("/") + "/" + path.relative_to(root).as_posix()
        mime = media_type(path, resource.mime_type)
        found.append({**_describe(resource, "uri", uri), "mimeType": mime})
    return found


def _describe_prompt(prompt: McpPrompt) -> dict[str, Any]:
    found: dict[str, Any] = {"name": prompt.name}
    if prompt.label:
        found["title"] = prompt.label
    found["description"] = prompt.description or f"The {prompt.name} prompt."
    if prompt.arguments:
        found["arguments"] = [
            {
                "name": a.name,
                **({"title": a.label} if a.label else {}),
                **({"description": a.description} if a.description else {}),
                "required": a.required,
            }
            for a in prompt.arguments
        ]
    return found
