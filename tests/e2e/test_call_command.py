"""`naftiko call` end to end: the installed command against local upstreams."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import KOMBO, clean_env, naftiko_cli
from upstreams import KOMBO_KEY, kombo

KOMBO_GENERAL = KOMBO / "kombo-general.yaml"


def call_kombo(upstream_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`naftiko call` on kombo-general.yaml with the key set and the upstream pointed at."""
    return naftiko_cli(
        "call",
        str(KOMBO_GENERAL),
        *args,
        "--base-uri",
        f"kombo-general={upstream_url}/v1",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )


def test_consumed_operation_reaches_upstream_with_bearer(serve) -> None:
    upstream = serve(kombo)
    done = call_kombo(
        upstream.url,
        "kombo-general.getintegrationsintegrationid",
        "-p",
        "integration_id=abc",
    )
    assert done.returncode == 0, done.stderr
    assert upstream.last.method == "GET"
    assert upstream.last.path == "/v1/integrations/abc"
    assert upstream.last.headers["Authorization"] == f"Bearer {KOMBO_KEY}"
    assert json.loads(done.stdout)["data"]["id"] == "abc"


def test_exposed_tool_with_tools_dialect(serve) -> None:
    upstream = serve(kombo)
    done = call_kombo(
        upstream.url,
        "kombo-general-mcp.get-integration-details",
        "-p",
        "integration_id=abc",
    )
    assert done.returncode == 0, done.stderr
    assert upstream.last.path == "/v1/integrations/abc"
    assert json.loads(done.stdout) == {
        "status": "success",
        "data": {"id": "abc", "tool": {"id": "personio"}, "category": "HRIS"},
    }


def test_base_uri_from_environment_variable(serve) -> None:
    upstream = serve(kombo)
    done = naftiko_cli(
        "call",
        str(KOMBO_GENERAL),
        "kombo-general.getcheckapikey",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY, NAFTIKO_BASE_URI_KOMBO_GENERAL=f"{upstream.url}/v1"),
    )
    assert done.returncode == 0, done.stderr
    assert upstream.last.path == "/v1/check-api-key"


def test_post_body_input_arrives_as_json_body(serve) -> None:
    upstream = serve(kombo)
    body = {"type": "FULL", "nested": {"list": [1, 2, 3]}, "text": 'héllo "q"'}
    done = call_kombo(
        upstream.url,
        "kombo-general-rest.postforcesync",
        "--json",
        json.dumps({"X-Integration-Id": "int-1", "body": body}),
    )
    assert done.returncode == 0, done.stderr
    assert upstream.last.method == "POST"
    assert upstream.last.headers["X-Integration-Id"] == "int-1"
    assert upstream.last.headers["Content-Type"].startswith("application/json")
    assert json.loads(upstream.last.body) == body


def test_upstream_error_keeps_kombo_error_code(serve) -> None:
    upstream = serve(kombo)
    done = call_kombo(
        upstream.url,
        "kombo-general-mcp.trigger-sync",
        "-p",
        "X-Integration-Id=setup-incomplete",
    )
    assert done.returncode == 1
    assert "answered 409" in done.stderr
    assert "INTEGRATION.SETUP_INCOMPLETE" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_bind_names_variable_namespace_and_source() -> None:
    done = naftiko_cli(
        "call",
        str(KOMBO_GENERAL),
        "kombo-general.getcheckapikey",
        "--base-uri",
        "kombo-general=http://127.0.0.1:9/v1",
    )
    assert done.returncode == 1
    assert "KOMBO_API_KEY" in done.stderr
    assert "'env'" in done.stderr
    assert "environment variable" in done.stderr
    assert "kombo-general.yaml:13:" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "integration_id (in: path): is required"),
        (("-p", "integration_id=../x"), None),
        (("-p", "integration_id=.."), "must not be '.' or '..'"),
    ],
)
def test_bad_path_inputs_are_refused_or_encoded(serve, args, expected) -> None:
    upstream = serve(kombo)
    done = call_kombo(
        upstream.url,
        "kombo-general.getintegrationsintegrationid",
        *args,
    )
    if expected is None:
        assert done.returncode == 0, done.stderr
        assert upstream.last.path == "/v1/integrations/..%2Fx"
        return
    assert done.returncode == 1
    assert expected in done.stderr
    assert not upstream.requests
    assert "Traceback" not in done.stderr


def test_unreachable_upstream_is_a_clear_error() -> None:
    done = naftiko_cli(
        "call",
        str(KOMBO_GENERAL),
        "kombo-general.getcheckapikey",
        "--base-uri",
        "kombo-general=http://127.0.0.1:9/v1",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )
    assert done.returncode == 1
    assert "unreachable" in done.stderr
    assert "Traceback" not in done.stderr


def test_timeout_is_a_clear_error(serve) -> None:
    import asyncio

    from aiohttp import web

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.json_response({})

    upstream = serve(slow)
    done = call_kombo(
        upstream.url,
        "kombo-general.getcheckapikey",
        "--timeout",
        "0.5",
    )
    assert done.returncode == 1
    assert "did not answer within 0.5s" in done.stderr
    assert "Traceback" not in done.stderr


def test_non_json_body_is_a_clear_error(serve) -> None:
    from aiohttp import web

    upstream = serve(
        lambda request: web.Response(text="<html>oops</html>", content_type="text/html")
    )
    done = call_kombo(
        upstream.url,
        "kombo-general.getcheckapikey",
    )
    assert done.returncode == 1
    assert "not JSON (text/html)" in done.stderr
    assert "Traceback" not in done.stderr


def test_secret_never_in_debug_logs_or_errors(serve) -> None:
    from aiohttp import web

    upstream = serve(
        lambda request: web.json_response(
            {"echo": request.headers.get("Authorization")}, status=500
        )
    )
    done = naftiko_cli(
        "--log-level",
        "debug",
        "call",
        str(KOMBO_GENERAL),
        "kombo-general.getcheckapikey",
        "--base-uri",
        f"kombo-general={upstream.url}/v1",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )
    assert done.returncode == 1
    assert upstream.last.headers["Authorization"] == f"Bearer {KOMBO_KEY}"
    assert "kombo-general -> GET" in done.stderr  # the debug log did run
    assert KOMBO_KEY not in done.stderr
    assert KOMBO_KEY not in done.stdout


def test_unknown_target_suggests_close_names() -> None:
    done = naftiko_cli(
        "call",
        str(KOMBO_GENERAL),
        "kombo-general-mcp.get-integration-detail",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )
    assert done.returncode == 1
    assert "did you mean kombo-general-mcp.get-integration-details" in done.stderr
