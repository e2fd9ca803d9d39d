"""The SKILL adapter (`type: skill`): a read-only catalog of skills for agents.

Routes, GET only: `/skills` (the catalog), `/skills/{name}` (one skill and its tools),
`/skills/{name}/contents` (its files), `/skills/{name}/contents/{path...}` (one file) and
`/skills/{name}/download` (its directory as a zip). Tools are either drawn from a sibling
REST or MCP adapter (`from`) or an instruction file; nothing is executed here. References
are checked when the file loads (spec/rules.py).
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko import jsonio
from naftiko.expose.auth import InboundAuth
from naftiko.expose.files import UnsafePath, inside, listing, media_type
from naftiko.expose.guard import HostGuard, forbidden
from naftiko.expose.httpserver import DEFAULT_LIMITS, Handler, Limits, low_level_server
from naftiko.expose.problem import problem
from naftiko.spec.imports import location_path
from naftiko.spec.model import Adapter, Capability, Skill


@dataclass(frozen=True)
class _Skill:
    summary: dict[str, Any]
    detail: dict[str, Any]
    root: Path | None


class SkillAdapter:
    def __init__(
        self,
        capability: Capability,
        adapter: Adapter,
        auth: InboundAuth | None = None,
        guard: HostGuard | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.adapter = adapter
        self.limits = limits
        self.auth = auth
        self.guard = guard or HostGuard("")
        modes = {a.namespace: a.type for a in capability.exposes if a.type in ("rest", "mcp")}
        self.skills: dict[str, _Skill] = {}
        for declared in adapter.skills:
            self.skills[declared.name] = _compile(declared, modes, capability.base_dir)
        catalog = [s.summary for s in self.skills.values()]
        self._catalog = jsonio.dumps({"count": len(catalog), "skills": catalog})

    def server(self, handler: Handler | None = None) -> web.Server:
        return low_level_server(
            handler or self.handle,
            self.limits,
            challenge=self.auth.oversized if self.auth else None,
        )

    def listening(self, url: str) -> str:
        return (
            f"skill adapter '{self.adapter.namespace}' listening on {url} "
            f"({len(self.skills)} skill(s); catalog at {url}/skills)"
        )

    async def handle(self, request: BaseRequest) -> web.StreamResponse:
        if not self.guard.allows(request.headers):
            return forbidden()
        if self.auth is not None and (rejected := await self.auth.check(request)):
            return self.auth.refusal(request, rejected)
        if request.method not in ("GET", "HEAD"):
            return problem(
                405, "Method Not Allowed", "skills are read-only", headers={"Allow": "GET"}
            )
        parts = [unquote(p) for p in request.rel_url.raw_path.strip("/").split("/") if p]
        if parts == ["skills"]:
            return web.Response(body=self._catalog, content_type="application/json")
        if len(parts) < 2 or parts[0] != "skills" or parts[1] not in self.skills:
            return problem(404, "Not Found", f"no skill at {request.path}", hint="GET /skills")
        skill = self.skills[parts[1]]
        rest = parts[2:]
        if not rest:
            return web.Response(body=jsonio.dumps(skill.detail), content_type="application/json")
        if rest[0] not in ("contents", "download") or (rest[0] == "download" and len(rest) > 1):
            return problem(404, "Not Found", f"no such resource: {request.path}")
        if skill.root is None or not skill.root.exists():
            return problem(404, "Not Found", f"skill '{parts[1]}' has no files")
        if rest == ["download"]:
            archive = await asyncio.to_thread(_zip, skill.root)
            return web.Response(
                body=archive,
                content_type="application/zip",
                headers={"Content-Disposition": f'attachment; filename="{parts[1]}.zip"'},
            )
        if len(rest) == 1:
            files = [
                {
                    "path": path.relative_to(skill.root).as_posix(),
                    "size": path.stat().st_size,
                    "type": media_type(path),
                }
                for path in listing(skill.root)
            ]
            body = jsonio.dumps({"name": parts[1], "files": files})
            return web.Response(body=body, content_type="application/json")
        try:
            target = inside(skill.root, rest[1:])
        except UnsafePath as exc:
            return problem(400, "Bad Request", str(exc))
        if not target.is_file():
            return problem(404, "Not Found", f"no file {'/'.join(rest[1:])}")
        data = await asyncio.to_thread(target.read_bytes)
        return web.Response(body=data, content_type=media_type(target))


def _compile(declared: Skill, modes: dict[str, str], base: Path) -> _Skill:
    tools = []
    for tool in declared.tools:
        entry: dict[str, Any] = {"name": tool.name, "description": tool.description}
        if tool.derived:
            entry["type"] = "derived"
            entry["invocationRef"] = {
                "targetNamespace": tool.source,
                "action": tool.action,
                "mode": modes.get(tool.source, "mcp"),
            }
        else:
            entry["type"] = "instruction"
            entry["instruction"] = tool.instruction
        tools.append(entry)
    summary: dict[str, Any] = {"name": declared.name, "description": declared.description}
    if declared.details.get("license"):
        summary["license"] = declared.details["license"]
    summary["tools"] = [t["name"] for t in tools]
    detail: dict[str, Any] = {"name": declared.name, "description": declared.description}
    detail.update(declared.details)
    detail["tools"] = tools
    location = declared.location
    root = location_path(location, base) if location else None
    return _Skill(summary, detail, root)


def _zip(root: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in listing(root):
            archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()
