"""The circuit breaker (x-naftiko-resilience.circuit): a failing upstream is paused after a
run of failures, callers get a 503 at once with Retry-After, and one trial call later
decides whether it closes; 4xx answers never count."""

from __future__ import annotations

import time

import httpx
import pytest
from aiohttp import web

from conftest import FIXTURES

BLOCK = """      x-naftiko-resilience:
        retries: 0
        circuit:
          failures: 3
          openSeconds: 0.5
"""


class Flaky:
    def __init__(self) -> None:
        self.status = 500
        self.control = ""  # the control port's URL, once served

    def __call__(self, request: web.Request) -> web.Response:
        return web.json_response({"id": "1"}, status=self.status)


@pytest.fixture
def shop(tmp_path, serve, serve_capability, monkeypatch):
    monkeypatch.setenv("SHOP_UPSTREAM_TOKEN", "shop-token-1234")
    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    marker = "      baseUri:"
    assert marker in text
    head, _, tail = text.partition(marker)
    path = tmp_path / "shop.yaml"
    path.write_text(head + BLOCK + marker + tail, encoding="utf-8")
    flaky = Flaky()
    upstream = serve(flaky)
    urls = serve_capability(path, base_uris={"echo": upstream.url}, control_port=0)
    flaky.control = urls["control"]
    return urls["shop"], upstream, flaky


def test_a_run_of_failures_opens_the_circuit(shop) -> None:
    url, upstream, _ = shop
    statuses = [httpx.get(f"{url}/whole/1").status_code for _ in range(5)]
    assert statuses == [500, 500, 500, 503, 503]
    assert len(upstream.requests) == 3  # the last two never reached it
    paused = httpx.get(f"{url}/whole/1")
    assert paused.headers["Retry-After"] == "1"
    assert "paused" in paused.json()["detail"]


def test_a_successful_trial_closes_it(shop) -> None:
    url, _, flaky = shop
    for _ in range(3):
        httpx.get(f"{url}/whole/1")
    flaky.status = 200
    time.sleep(0.6)
    assert httpx.get(f"{url}/whole/1").status_code == 200  # the trial
    assert [httpx.get(f"{url}/whole/1").status_code for _ in range(3)] == [200, 200, 200]


def test_a_failed_trial_opens_it_again(shop) -> None:
    url, upstream, _ = shop
    for _ in range(3):
        httpx.get(f"{url}/whole/1")
    time.sleep(0.6)
    assert httpx.get(f"{url}/whole/1").status_code == 500  # the trial fails
    assert httpx.get(f"{url}/whole/1").status_code == 503
    assert len(upstream.requests) == 4


def test_client_errors_never_open_it(shop) -> None:
    url, upstream, flaky = shop
    flaky.status = 404
    statuses = [httpx.get(f"{url}/whole/1").status_code for _ in range(6)]
    assert statuses == [404] * 6
    assert len(upstream.requests) == 6


def test_status_and_metrics_show_an_open_circuit(shop) -> None:
    url, _, flaky = shop
    for _ in range(3):
        httpx.get(f"{url}/whole/1")
    status = httpx.get(f"{flaky.control}/status").json()
    assert {"namespace": "echo", "circuit": "open"} in status["upstreams"]
    metrics = httpx.get(f"{flaky.control}/metrics").text
    assert 'naftiko_upstream_circuit_open{namespace="echo"} 1.0' in metrics
