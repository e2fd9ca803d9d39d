"""`naftiko run` of Kombo's published general capability, called over REST with httpx."""

from __future__ import annotations

import json
import re
import socket

import httpx
import pytest

from conftest import KOMBO, Running, clean_env
from upstreams import KOMBO_KEY, kombo

KOMBO_GENERAL = KOMBO / "kombo-general.yaml"
REST = "kombo-general-rest"


@pytest.fixture
def kombo_rest(serve, naftiko_run):
    """(running naftiko, upstream) with the REST adapter on a free port."""
    upstream = serve(kombo)
    running = start(naftiko_run, f"{upstream.url}/v1")
    return running, upstream


def start(naftiko_run, base: str) -> Running:
    return naftiko_run(
        str(KOMBO_GENERAL),
        "--port",
        f"{REST}=0",
        "--port",
        "kombo-general-mcp=0",
        "--base-uri",
        f"kombo-general={base}",
        env=clean_env(KOMBO_API_KEY=KOMBO_KEY),
    )


def test_check_api_key_returns_the_upstream_body(kombo_rest) -> None:
    running, upstream = kombo_rest
    answer = httpx.get(f"{running.urls[REST]}/v1/check-api-key")
    assert answer.status_code == 200
    assert answer.json()["data"]["environment_id"] == "env-1"
    assert upstream.last.headers["Authorization"] == f"Bearer {KOMBO_KEY}"


def test_path_variable_with_dash_feeds_underscore_parameter(kombo_rest) -> None:
    running, upstream = kombo_rest
    answer = httpx.get(f"{running.urls[REST]}/v1/integrations/abc")
    assert answer.status_code == 200
    assert upstream.last.path == "/v1/integrations/abc"
    assert answer.json()["data"]["id"] == "abc"


def test_force_sync_passes_header_and_body_unchanged(kombo_rest) -> None:
    running, upstream = kombo_rest
    body = {"sync": {"type": "FULL", "ids": [1, 2.5, None]}, "note": "ünïcode"}
    answer = httpx.post(
        f"{running.urls[REST]}/v1/force-sync",
        headers={"X-Integration-Id": "personio:8d1hpPsHRJ4xDP3rAG3ppKfr"},
        json=body,
    )
    assert answer.status_code == 200, answer.text
    assert upstream.last.headers["X-Integration-Id"] == "personio:8d1hpPsHRJ4xDP3rAG3ppKfr"
    assert json.loads(upstream.last.body) == body
    assert upstream.last.headers["Content-Type"].startswith("application/json")


def test_upstream_conflict_comes_back_with_its_status_and_body(kombo_rest) -> None:
    running, _ = kombo_rest
    answer = httpx.post(
        f"{running.urls[REST]}/v1/force-sync",
        headers={"X-Integration-Id": "setup-incomplete"},
        json={},
    )
    assert answer.status_code == 409
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "INTEGRATION.SETUP_INCOMPLETE"
    assert answer.json()["status"] == "error"


def test_unreachable_upstream_gives_502_problem(naftiko_run) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    running = start(naftiko_run, f"http://127.0.0.1:{closed}/v1")
    answer = httpx.get(f"{running.urls[REST]}/v1/check-api-key")
    assert answer.status_code == 502
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 502
    assert "kombo-general" in problem["detail"]
    assert KOMBO_KEY not in answer.text


def test_every_exported_route_reaches_the_upstream(kombo_rest) -> None:
    running, upstream = kombo_rest
    base = running.urls[REST]
    document = httpx.get(f"{base}/openapi.json").json()
    calls = 0
    for template, item in document["paths"].items():
        for method, operation in item.items():
            path = re.sub(r"\{[^}]+\}", "abc", template)
            headers = {
                p["name"]: "int-1"
                for p in operation.get("parameters", [])
                if p["in"] == "header" and p.get("required")
            }
            body = {} if "requestBody" in operation else None
            before = len(upstream.requests)
            answer = httpx.request(method.upper(), base + path, headers=headers, json=body)
            assert answer.headers.get("Content-Type") != "application/problem+json", (
                method,
                path,
                answer.text,
            )
            assert len(upstream.requests) == before + 1
            assert upstream.last.method == method.upper()
            assert upstream.last.path == path
            calls += 1
    assert calls == 13
