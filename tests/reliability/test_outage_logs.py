"""An outage is a few log lines, not one per refused request: Redis down is told as it
begins and as it ends, with the count; an upstream down is one line per kind and period."""

from __future__ import annotations

import re

import httpx
import pytest

from conftest import FIXTURES
from upstreams import echo


def warnings(log: str) -> list[str]:
    return [line for line in log.splitlines() if " WARNING " in line or " ERROR " in line]


def test_redis_down_is_told_once_with_the_count(serve, naftiko_run, redis_server) -> None:
    pytest.importorskip("redis", reason="needs the redis extra")
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "workers.yaml"),
        "--mcp-stateless",
        f"--base-uri=echo={upstream.url}",
        f"--state={redis_server.url}",
    )
    rest = running.urls["workers-rest"]
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{rest}/items/0").status_code == 200
        redis_server.stop()
        refused = [client.get(f"{rest}/items/{n}").status_code for n in range(200)]
        redis_server.start()
        assert client.get(f"{rest}/items/1").status_code == 200
    assert refused == [503] * 200
    told = warnings(running.log())
    assert len(told) == 2, told  # as it began, and as it ended
    assert "unreachable" in told[0]
    ended = re.search(r"answers again after [\d.]+s; (\d+) call\(s\) were refused", told[1])
    assert ended is not None and int(ended.group(1)) >= 200, told[1]


def test_an_upstream_down_is_one_line_per_period(naftiko_run) -> None:
    running = naftiko_run(
        str(FIXTURES / "workers.yaml"), "--mcp-stateless", "--base-uri=echo=http://127.0.0.1:9"
    )
    rest = running.urls["workers-rest"]
    with httpx.Client(timeout=10) as client:
        statuses = {client.get(f"{rest}/items/{n}").status_code for n in range(100)}
    assert statuses == {502} or statuses == {503}, statuses
    told = warnings(running.log())
    assert len(told) == 2, told  # the upstream call's, and the request's
