"""`naftiko mock`: an OpenAPI document served as a local upstream, for offline runs and tests.

Each operation answers its first success response: the declared example (`example`, the first
of `examples`, a schema `example`), or one generated from the schema. Requests are checked as
a strict upstream would: the path and method (404, 405), required path, query and header
parameters and a required body (400), and the security scheme (401 without credentials; any
value is accepted). Paths answer with and without the first server's base path (`/v1`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko import jsonio, yamlio
from naftiko.errors import NaftikoError
from naftiko.jsontypes import JSON
from naftiko.openapi.refs import inlined
from naftiko.openapi.resolver import Resolver
from naftiko.routes import BadPath, Router

log = logging.getLogger("naftiko.mock")

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def read_document(path: str | Path) -> dict[str, JSON]:
    """An OpenAPI (or Swagger 2.0) document from JSON or YAML, its refs to other files
    inlined."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else yamlio.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise NaftikoError(f"{path}: not JSON or YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise NaftikoError(f"{path}: not an OpenAPI document (no `paths`)")
    return inlined(document, Path(path))


@dataclass(frozen=True)
class MockOperation:
    method: str
    required: tuple[tuple[str, str], ...]  # (in, name)
    body_required: bool
    secured: tuple[tuple[str, str, str], ...]  # (kind, in, name) alternatives
    status: int
    content_type: str
    body: bytes


class MockApi:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.resolver = Resolver(document)
        servers = document.get("servers") or []
        first = servers[0].get("url", "") if servers and isinstance(servers[0], dict) else ""
        self.base_path = urlsplit(first).path.rstrip("/") if first else ""
        if not self.base_path and isinstance(document.get("basePath"), str):
            self.base_path = document["basePath"].rstrip("/")
        schemes = (
            (document.get("components") or {}).get("securitySchemes")
            or document.get("securityDefinitions")
            or {}
        )
        default_security = document.get("security") or []
        self.router: Router[dict[str, MockOperation]] = Router()
        self.count = 0
        for path, item in document["paths"].items():
            if not isinstance(item, dict):
                continue
            item, _ = self.resolver.deref(item)
            operations: dict[str, MockOperation] = {}
            for method in METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    security = operation.get("security", default_security)
                    operations[method.upper()] = self._operation(
                        method, item, operation, security, schemes
                    )
                    self.count += 1
            self.router.add(path, operations)

    def _operation(
        self,
        method: str,
        item: Mapping[str, Any],
        operation: Mapping[str, Any],
        security: Any,
        schemes: Mapping[str, Any],
    ) -> MockOperation:
        required = []
        for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
            param, _ = self.resolver.deref(raw)
            checked = isinstance(param, dict) and param.get("in") in ("query", "header")
            if checked and param.get("required"):
                required.append((str(param["in"]), str(param.get("name"))))
        body, _ = self.resolver.deref(operation.get("requestBody") or {})
        status, content_type, payload = self._response(operation)
        return MockOperation(
            method=method.upper(),
            required=tuple(required),
            body_required=bool(isinstance(body, dict) and body.get("required")),
            secured=_security(security, schemes),
            status=status,
            content_type=content_type,
            body=payload,
        )

    def _response(self, operation: Mapping[str, Any]) -> tuple[int, str, bytes]:
        responses = operation.get("responses") or {}
        codes = sorted((c for c in responses if str(c).isdigit() and 200 <= int(c) < 300), key=int)
        if not codes:
            return 200, "application/json", b"{}"
        code = codes[0]
        response, _ = self.resolver.deref(responses[code])
        content = response.get("content") if isinstance(response, dict) else None
        if not content:
            schema = response.get("schema") if isinstance(response, dict) else None
            if schema is None:
                return int(code), "", b""
            return int(code), "application/json", jsonio.dumps(self.resolver.sample(schema))
        media = next((m for m in content if "json" in m), next(iter(content)))
        entry, _ = self.resolver.deref(content[media])
        value: Any
        examples = entry.get("examples") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and "example" in entry:
            value = entry["example"]
        elif isinstance(examples, dict) and examples:
            first, _ = self.resolver.deref(next(iter(examples.values())))
            value = first.get("value") if isinstance(first, dict) else None
        else:
            schema = entry.get("schema", {}) if isinstance(entry, dict) else {}
            value = self.resolver.sample(schema)
        if "json" in media:
            return int(code), media, jsonio.dumps(value)
        return int(code), media, str(value if value is not None else "").encode()

    def server(self) -> web.Server:
        return web.Server(self.handle, keepalive_timeout=75.0)

    async def serve(self, host: str, port: int, stop: asyncio.Event) -> AsyncIterator[int]:
        """Listen, yield the bound port once accepting, serve until ``stop`` is set."""
        runner = web.ServerRunner(self.server(), handle_signals=False, shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise NaftikoError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        try:
            yield runner.addresses[0][1]
            await stop.wait()
        finally:
            await runner.cleanup()

    async def handle(self, request: BaseRequest) -> web.StreamResponse:
        path = request.rel_url.raw_path
        if self.base_path and (path == self.base_path or path.startswith(self.base_path + "/")):
            path = path[len(self.base_path) :] or "/"
        try:
            found = self.router.match(path)
        except BadPath as exc:
            return _error(400, "INPUT_INVALID", str(exc))
        if found is None:
            return _error(404, "NOT_FOUND", f"no operation at {request.path}")
        operation = found.target.get(request.method)
        if operation is None:
            allow = ", ".join(found.target)
            return _error(405, "METHOD_NOT_ALLOWED", f"allowed: {allow}", {"Allow": allow})
        if operation.secured and not any(_has(request, s) for s in operation.secured):
            return _error(401, "UNAUTHORIZED", "missing credentials")
        missing = [
            f"{where} {name}"
            for where, name in operation.required
            if (request.query if where == "query" else request.headers).get(name) is None
        ]
        if operation.body_required and not request.body_exists:
            missing.append("request body")
        if missing:
            return _error(400, "INPUT_INVALID", "missing required " + ", ".join(missing))
        if not operation.body:
            return web.Response(status=operation.status)
        return web.Response(
            status=operation.status,
            body=operation.body,
            headers={"Content-Type": operation.content_type},
        )


def _security(requirements: Any, schemes: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    found = []
    for requirement in requirements if isinstance(requirements, list) else []:
        if not isinstance(requirement, dict) or not requirement:
            return ()  # an empty requirement makes security optional
        for name in requirement:
            scheme = schemes.get(name)
            if not isinstance(scheme, dict):
                continue
            kind = str(scheme.get("type", ""))
            if kind == "apiKey":
                found.append(("apiKey", str(scheme.get("in", "header")), str(scheme.get("name"))))
            elif kind in ("http", "basic", "oauth2", "openIdConnect"):
                found.append(("http", "header", "Authorization"))
    return tuple(found)


def _has(request: BaseRequest, scheme: tuple[str, str, str]) -> bool:
    kind, where, name = scheme
    if where == "query":
        return bool(request.query.get(name))
    if where == "cookie":
        return bool(request.cookies.get(name))
    value = request.headers.get(name, "")
    return bool(value.split(" ", 1)[-1].strip()) if kind == "http" else bool(value)


def _error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    body = {"status": "error", "error": {"code": f"MOCK.{code}", "message": message}}
    return web.Response(
        status=status, body=jsonio.dumps(body), content_type="application/json", headers=headers
    )
