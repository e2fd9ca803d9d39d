"""One error boundary per face: every entry point answers every failure class in its own
typed way (problem+json, an isError result, a typed JSON-RPC error with data), never with
-32603 or a logged traceback."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, clean_env

HEADERS = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}
# the failure classes an upstream gives, by the item id that asks for each
UPSTREAM_FAILURES = {
    "404": 404,  # an error answer: passed on as it came
    "500": 500,
    "invalid": 502,  # an answer that cannot be passed on
    "slow": 504,  # no answer in time
    "refused": 502,  # no upstream at all (another process, base URI on a closed port)
}


async def upstream(request: web.Request) -> web.Response:
    last = request.path.rsplit("/", 1)[-1]
    if last == "404":
        return web.json_response({"error": "no such item"}, status=404)
    if last == "500":
        return web.json_response({"error": "it broke"}, status=500)
    if last == "invalid":
        return web.Response(body=b"{not json", content_type="application/json")
    if last == "slow":
        await asyncio.sleep(3)
    return web.json_response({"path": request.path, "method": request.method})


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    """The catalog (MCP tools, resources, prompts), the shop (REST operations, a forward)
    and the skills (skill adapter and a control port), each against the failing upstream
    and against none."""
    import conftest

    threads: list[Any] = []
    runs: list[Any] = []
    server = conftest._ServerThread()
    threads.append(server)
    app = web.Application()
    app.router.add_route("*", r"/{tail:[\s\S]*}", upstream)
    url = server.start(app)
    found: dict[str, dict[str, str]] = {}
    logs = tmp_path_factory.mktemp("boundaries")
    for key, base in (("up", url), ("down", "http://127.0.0.1:9")):
        for name, file, extra in (
            ("catalog", "catalog.yaml", ["--mcp-stateless"]),
            ("shop", "shop.yaml", []),
            ("skills", "skills.yaml", ["--mcp-stateless", "--control-port=0"]),
        ):
            running = conftest.start_naftiko(
                [str(FIXTURES / file), f"--base-uri=echo={base}", "--timeout=0.5", *extra],
                logs / f"{name}-{key}.log",
                clean_env(SHOP_UPSTREAM_TOKEN="shop-token-1234"),
            )
            runs.append(running)
            found.update({f"{n}:{key}": u for n, u in running.urls.items()})
    yield found, runs
    for running in runs:
        running.stop()
    server.stop()


def rpc(url: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    answer = httpx.post(url + "/mcp", json=body, headers=HEADERS, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def at(faces, adapter: str, failure: str) -> tuple[str, str]:
    """The adapter's URL, and the item id that asks for ``failure``."""
    urls, _ = faces
    return urls[f"{adapter}:{'down' if failure == 'refused' else 'up'}"], failure


@pytest.mark.parametrize("failure", UPSTREAM_FAILURES)
def test_tools_call_answers_an_is_error_result(faces, failure: str) -> None:
    url, item = at(faces, "catalog", failure)
    found = rpc(url, "tools/call", {"name": "get-item", "arguments": {"id": item}})
    assert "error" not in found, found
    assert found["result"]["isError"] is True


@pytest.mark.parametrize("failure", UPSTREAM_FAILURES)
def test_resources_read_answers_a_typed_error_with_data(faces, failure: str) -> None:
    url, item = at(faces, "catalog", failure)
    found = rpc(url, "resources/read", {"uri": f"items://{item}"})
    assert found["error"]["code"] == -32000, found
    assert found["error"]["data"]["status"] == UPSTREAM_FAILURES[failure]
    assert "upstream 'echo'" in found["error"]["message"]


@pytest.mark.parametrize(
    "params", [{"name": "nope"}, {"name": "summarize"}, {"name": "summarize", "arguments": 3}]
)
def test_prompts_get_answers_invalid_params(faces, params: dict[str, Any]) -> None:
    url, _ = at(faces, "catalog", "404")
    assert rpc(url, "prompts/get", params)["error"]["code"] == -32602


@pytest.mark.parametrize("failure", UPSTREAM_FAILURES)
def test_a_rest_operation_answers_a_problem(faces, failure: str) -> None:
    url, item = at(faces, "shop", failure)
    answer = httpx.get(f"{url}/whole/{item}", timeout=30)
    assert answer.status_code == UPSTREAM_FAILURES[failure]
    if failure not in ("404", "500"):  # an upstream's own error answer passes as it came
        assert answer.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("failure", ["404", "500", "slow", "refused"])
def test_a_forward_answers_a_problem_or_the_upstreams_answer(faces, failure: str) -> None:
    url, item = at(faces, "shop", failure)
    answer = httpx.get(f"{url}/proxy/items/{item}", timeout=30)
    assert answer.status_code == UPSTREAM_FAILURES[failure]


def test_a_rest_input_error_is_a_400_problem(faces) -> None:
    url, _ = at(faces, "shop", "404")
    answer = httpx.post(f"{url}/items", json={"name": 3})
    assert answer.status_code == 400
    assert answer.json()["errors"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/skills/nope", 404), ("POST", "/skills", 405), ("GET", "/nowhere", 404)],
)
def test_the_skill_adapter_answers_a_problem(faces, method: str, path: str, status: int) -> None:
    urls, _ = faces
    answer = httpx.request(method, urls["shop-skills:up"] + path)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/nowhere", 404), ("POST", "/status", 405)]
)
def test_the_control_port_answers_a_problem(faces, method: str, path: str, status: int) -> None:
    urls, _ = faces
    answer = httpx.request(method, urls["control:up"] + path)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("application/problem+json")


def test_no_face_logged_a_traceback_or_answered_internal_error(faces) -> None:
    _, runs = faces
    for running in runs:
        log = running.log()
        assert "Traceback" not in log, log[-3000:]
        assert "-32603" not in log and "Internal error" not in log
