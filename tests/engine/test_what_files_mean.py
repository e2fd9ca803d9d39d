"""Real files do what their authors meant: each reading of an ambiguous or loose file, shown
on fixtures of our own (tests/fixtures/meant/) and, where the corpus has one, a real file."""

from __future__ import annotations

import asyncio
import json
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


IMPLIED = MEANT / "implied-inputs.yaml"


def echo_body(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def test_body_template_inputs_join_the_signature() -> None:
    found = signature(IMPLIED, "hub-mcp.create-hook")
    assert found == {"projectId": True, "name": False, "on": False}


def test_unfilled_path_placeholders_are_required_inputs() -> None:
    assert signature(IMPLIED, "hub-mcp.list-issues") == {"owner": True, "repo": True}


def test_a_with_key_for_no_declared_parameter_names_an_input() -> None:
    found = signature(IMPLIED, "hub-mcp.get-issue")
    assert found == {"issue": True, "owner": True, "repo": True}


def test_implied_inputs_reach_the_upstream_where_the_file_puts_them(serve) -> None:
    upstream = serve(echo_body)
    invoke(IMPLIED, upstream.url, "hub-mcp.get-issue", {"owner": "o", "repo": "r", "issue": 7})
    assert upstream.last.path == "/repos/o/r/issues/7"
    inputs = {"projectId": "p1", "name": "n", "on": "push"}
    invoke(IMPLIED, upstream.url, "hub-mcp.create-hook", inputs)
    assert upstream.last.path == "/projects/p1/hooks"
    assert json.loads(upstream.last.body) == {"name": "n", "on": "push", "yes": "fixed"}


def test_yaml_1_1_boolean_keys_stay_the_text_written(serve) -> None:
    upstream = serve(echo_body)
    invoke(IMPLIED, upstream.url, "hub.create-hook", {"projectId": "p1"})
    assert set(json.loads(upstream.last.body)) == {"name", "on", "yes"}


def test_sanity_webhook_tool_asks_for_every_body_field(corpus, serve) -> None:
    path = corpus / "api-evangelist-sanity" / "content-management.yaml"
    env = {"SANITY_API_TOKEN": "t", "SANITY_PROJECT_ID": "p"}
    target = "sanity-content-management-mcp.create-webhook"
    assert signature(path, target, **env) == {
        "projectId": True,
        "name": False,
        "url": False,
        "dataset": False,
        "on": False,
    }
    upstream = serve(echo_body)
    inputs = {"projectId": "p1", "name": "n", "url": "https://h", "dataset": "d", "on": "create"}
    invoke(path, upstream.url, target, inputs, **env)
    body = json.loads(upstream.last.body)
    assert body == {"name": "n", "url": "https://h", "dataset": "d", "true": "create"}


PATHS = MEANT / "operation-paths.yaml"


def sent_path(serve, target: str, inputs: dict[str, Any], path: Path = PATHS, **env: str) -> str:
    upstream = serve(ok)
    invoke(path, upstream.url, target, inputs, **env)
    return upstream.last.path


def test_operation_paths_starting_with_the_resource_path_are_whole_paths(serve) -> None:
    assert sent_path(serve, "hooks.get-hook-config", {}) == "/app/hook/config"
    assert sent_path(serve, "hooks.get-app", {}) == "/app"
    assert sent_path(serve, "hooks.get-hook", {}) == "/app/hook"


def test_operation_paths_otherwise_extend_the_resource_path(serve) -> None:
    assert sent_path(serve, "objects.get-record", {"sobjectType": "Account", "id": "1"}) == (
        "/sobjects/Account/1"
    )
    assert sent_path(serve, "objects.list-types", {}) == "/sobjects"


def test_placeholders_of_an_operation_path_are_inputs_of_its_tools(serve) -> None:
    assert signature(PATHS, "paths-mcp.get-record") == {"sobjectType": True, "id": True}
    assert signature(PATHS, "paths-mcp.list-attempts") == {"delivery_id": True}
    assert sent_path(serve, "paths-mcp.list-attempts", {"delivery_id": "d/1"}) == (
        "/app/hook/deliveries/d%2F1/attempts"
    )


def test_an_operation_path_is_not_an_unknown_key_but_a_named_convention() -> None:
    from naftiko.pipeline import load as load_file

    warnings = load_file(PATHS).warnings
    assert warnings and {d.code for d in warnings} == {"path-convention"}
    assert any("requests go to /app/hook/config" in d.message for d in warnings)


def test_github_operation_paths_are_sent_whole(corpus, serve) -> None:
    path = corpus / "api-evangelist-github" / "ci-cd.yaml"
    inputs = {"owner": "o", "repo": "r", "run_id": "5"}
    target = "github-actions.listWorkflowRunArtifacts"
    found = sent_path(serve, target, inputs, path, GITHUB_TOKEN="t")
    assert found == "/repos/o/r/actions/runs/5/artifacts"


def test_salesforce_operation_paths_extend_their_resource(corpus, serve) -> None:
    path = corpus / "api-evangelist-salesforce" / "marketing-automation.yaml"
    found = sent_path(serve, "salesforce-mc.get-access-token", {}, path, **SALESFORCE_ENV)
    assert found == "/v2/token"


SALESFORCE_ENV = {
    "SALESFORCE_MC_CLIENT_ID": "i",
    "SALESFORCE_MC_CLIENT_SECRET": "s",
    "SALESFORCE_MC_ACCESS_TOKEN": "t",
}


LOOSE = MEANT / "loose-params.yaml"


def test_a_path_parameter_without_a_placeholder_is_the_next_segment(serve) -> None:
    assert sent_path(serve, "tracker-mcp.get-issue", {"key": "PRJ-1"}, LOOSE) == "/issue/PRJ-1"


def test_a_tool_declaring_its_inputs_still_gets_the_path_ones_nothing_fills(serve) -> None:
    assert signature(LOOSE, "tracker-mcp.list-rules") == {"cursor": False, "org": True}
    path = sent_path(serve, "tracker-mcp.list-rules", {"org": "acme"}, LOOSE)
    assert path == "/organizations/acme/alert-rules/"


def test_declared_parameters_with_does_not_feed_are_inputs_under_their_own_name(serve) -> None:
    found = signature(LOOSE, "tracker-rest.clone-key")
    assert found == {"appId": True, "keyId": True, "targetAid": True}
    upstream = serve(ok)
    inputs = {"appId": "a", "keyId": "k", "targetAid": "t"}
    invoke(LOOSE, upstream.url, "tracker-rest.clone-key", inputs)
    assert (upstream.last.path, upstream.last.query) == ("/apps/a/keys/k/clone", {"targetAid": "t"})
