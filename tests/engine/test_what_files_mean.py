"""Real files do what their authors meant: each reading of an ambiguous or loose file, shown
on fixtures of our own (tests/fixtures/meant/) and, where the corpus has one, a real file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from conftest import FIXTURES
from naftiko.engine import Engine, ExposedPlan
from naftiko.spec import load

MEANT = FIXTURES / "meant"


def engine_for(path: Path, upstream: str, environ: dict[str, str] | None = None) -> Engine:
    capability = load(path)
    bases = {c.namespace: upstream for c in capability.consumes}
    return Engine(capability, base_uris=bases, environ=environ or {})


def invoke(path: Path, upstream: str, target: str, inputs: dict[str, Any], **env: str) -> Any:
    async def run() -> Any:
        engine = engine_for(path, upstream, env)
        try:
            return (await engine.invoke(target, inputs)).data
        finally:
            await engine.close()

    return asyncio.run(run())


def signature(path: Path, target: str, **env: str) -> dict[str, bool]:
    plan = engine_for(path, "http://127.0.0.1:9", env).plans[target]
    assert isinstance(plan, ExposedPlan)
    return {i.name: i.required for i in plan.signature}


def ok(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def test_a_path_parameter_value_fills_its_placeholder_from_a_bind(serve) -> None:
    upstream = serve(ok)
    path = MEANT / "path-values.yaml"
    invoke(path, upstream.url, "ci-mcp.list-builds", {"pipeline": "p 1"}, MEANT_ORG_SLUG="acme")
    assert upstream.last.path == "/v2/organizations/acme/pipelines/p%201/builds"


def test_a_path_parameter_with_a_value_is_not_asked_of_the_caller() -> None:
    found = signature(MEANT / "path-values.yaml", "ci-mcp.list-builds", MEANT_ORG_SLUG="acme")
    assert found == {"pipeline": True}


def test_buildkite_org_comes_from_its_bind(corpus, serve) -> None:
    upstream = serve(ok)
    path = corpus / "api-evangelist-buildkite-com" / "builds.yaml"
    env = {"BUILDKITE_API_TOKEN": "t", "BUILDKITE_ORG_SLUG": "acme"}
    invoke(path, upstream.url, "builds-mcp.buildkite-list-builds", {"pipeline": "web"}, **env)
    assert upstream.last.path == "/v2/organizations/acme/pipelines/web/builds"
