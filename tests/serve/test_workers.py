"""`naftiko run --workers N`: every worker serves REST and MCP on the same ports, the control
port speaks for them all, SIGTERM drains every worker with no request lost, and a worker
that dies is started again."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES, clean_env, naftiko_cli
from mcp_client import INITIALIZE, wire, with_client
from upstreams import echo

FILE = FIXTURES / "workers.yaml"


@pytest.fixture
def group(serve, naftiko_run):
    upstream = serve(echo)
    running = naftiko_run(
        str(FILE),
        "--workers=2",
        "--control-port=0",
        "--mcp-stateless",
        f"--base-uri=echo={upstream.url}",
    )
    return running, upstream


def served_by(log: str) -> set[str]:
    return set(re.findall(r"\[worker (\d)\] naftiko\.access", log))


def test_both_workers_serve_rest_and_mcp(group) -> None:
    running, _ = group
    rest = running.urls["workers-rest"]
    for n in range(60):  # a new connection each: the kernel spreads them over the workers
        answer = httpx.get(f"{rest}/items/{n}", headers={"Connection": "close"})
        assert answer.status_code == 200
    mcp = running.urls["workers-mcp"] + "/mcp"

    async def work(client):
        return await client.call_tool("get-item", {"id": "7"})

    for _ in range(6):
        assert wire(with_client(mcp, work))["isError"] is False
    assert served_by(running.log()) == {"0", "1"}


def test_the_control_port_speaks_for_every_worker(group) -> None:
    running, _ = group
    rest, control = running.urls["workers-rest"], running.urls["control"]
    for n in range(20):
        httpx.get(f"{rest}/items/{n}", headers={"Connection": "close"})
    status = httpx.get(f"{control}/status").json()
    assert [w["state"] for w in status["workers"]] == ["ready", "ready"]
    assert {a["namespace"] for a in status["adapters"]} == {"workers-rest", "workers-mcp"}
    assert httpx.get(f"{control}/health/ready").status_code == 200
    metrics = httpx.get(f"{control}/metrics").text
    found = re.search(
        r'naftiko_requests_total\{adapter="workers-rest",operation="get-item",status="200"\} '
        r"([\d.]+)",
        metrics,
    )
    assert found is not None and float(found.group(1)) == 20.0
    # a gauge is each worker's own: in flight now, labelled by worker, never summed
    flying = re.findall(
        r'naftiko_requests_in_flight\{adapter="workers-rest",worker="(\d)"\}', metrics
    )
    assert sorted(flying) == ["0", "1"]


def test_sigterm_drains_every_worker_and_loses_nothing(group) -> None:
    running, _ = group
    rest = running.urls["workers-rest"]

    async def main() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:

            async def slow() -> int:
                fresh = {"Connection": "close"}
                return (await client.get(f"{rest}/slow?ms=1500", headers=fresh)).status_code

            calls = [asyncio.ensure_future(slow()) for _ in range(12)]
            await asyncio.sleep(0.5)  # every call is in flight
            running.process.send_signal(signal.SIGTERM)
            return list(await asyncio.gather(*calls))

    assert asyncio.run(main()) == [200] * 12
    assert running.process.wait(30) == 0
    log = running.log()
    assert "[worker 0] naftiko.cli: stopped" in log
    assert "[worker 1] naftiko.cli: stopped" in log


def test_a_worker_that_dies_is_started_again(group) -> None:
    running, _ = group
    control = running.urls["control"]
    before = httpx.get(f"{control}/status").json()["workers"]
    os.kill(before[0]["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = httpx.get(f"{control}/status").json()["workers"]
        if now[0]["pid"] != before[0]["pid"] and now[0]["state"] == "ready":
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the worker was not started again")
    assert httpx.get(f"{running.urls['workers-rest']}/items/1").status_code == 200


def test_session_based_mcp_needs_shared_sessions_to_run_workers() -> None:
    done = naftiko_cli("run", str(FILE), "--workers=2")
    assert done.returncode == 2
    assert "keeps its 2025-11-25 sessions in one process" in done.stderr
    assert "--state redis://" in done.stderr and "--mcp-stateless" in done.stderr


def test_workers_share_sessions_through_redis(serve, naftiko_run, redis_server) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(FILE), "--workers=2", f"--base-uri=echo={upstream.url}", f"--state={redis_server.url}"
    )
    mcp = running.urls["workers-mcp"] + "/mcp"
    fresh = {"Accept": "application/json, text/event-stream", "Connection": "close"}
    opened = httpx.post(mcp, json=INITIALIZE, headers=fresh)
    session = {**fresh, "Mcp-Session-Id": opened.headers["Mcp-Session-Id"]}
    for n in range(20):  # each on a new connection: both workers see the session
        call = {"jsonrpc": "2.0", "id": n, "method": "tools/call"}
        call["params"] = {"name": "get-item", "arguments": {"id": str(n)}}
        answer = httpx.post(mcp, json=call, headers=session)
        assert answer.status_code == 200, answer.text
    assert served_by(running.log()) == {"0", "1"}


def test_sighup_reloads_every_worker(serve, naftiko_run, tmp_path) -> None:
    path = tmp_path / "workers.yaml"
    path.write_text(FILE.read_text(encoding="utf-8"), encoding="utf-8")
    upstream = serve(echo)
    running = naftiko_run(
        str(path), "--workers=2", "--mcp-stateless", f"--base-uri=echo={upstream.url}"
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('path: "/slow"', 'path: "/late"'), encoding="utf-8")
    running.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while running.log().count("reloaded (SIGHUP)") < 3:  # two workers and their parent
        assert time.monotonic() < deadline, running.log()[-2000:]
        time.sleep(0.05)
    rest = running.urls["workers-rest"]
    for _ in range(10):
        late = httpx.get(f"{rest}/late?ms=0", headers={"Connection": "close"})
        assert late.status_code == 200


def test_the_parent_shows_every_workers_last_spans(serve, naftiko_run) -> None:
    def receiver(request: web.Request) -> web.Response:
        return web.Response(body=b"", content_type="application/x-protobuf")

    otlp, upstream = serve(receiver), serve(echo)
    running = naftiko_run(
        str(FILE),
        "--workers=2",
        "--mcp-stateless",
        "--control-port=0",
        f"--base-uri=echo={upstream.url}",
        env=clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url),
    )
    for n in range(20):
        httpx.get(f"{running.urls['workers-rest']}/items/{n}", headers={"Connection": "close"})
    spans = httpx.get(f"{running.urls['control']}/traces").json()["spans"]
    assert len(spans) == 40  # a server and a client span per request, from both workers
    ended = [s["endedAt"] for s in spans]
    assert ended == sorted(ended, reverse=True)
