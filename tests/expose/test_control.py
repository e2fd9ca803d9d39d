"""The control port: health, readiness through start and drain, status, metrics."""

from __future__ import annotations

import threading
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from conftest import FIXTURES, clean_env
from mcp_client import stateless_request
from upstreams import echo

SECRET = "shop-upstream-secret-3c1f"


def start(serve, naftiko_run, port_flag: str = "--control-port=0"):
    upstream = serve(echo)
    running = naftiko_run(
        str(FIXTURES / "shop.yaml"),
        str(FIXTURES / "catalog.yaml"),
        f"--base-uri=echo={upstream.url}",
        port_flag,
        env=clean_env(SHOP_UPSTREAM_TOKEN=SECRET),
    )
    return running, upstream


def counted(metrics: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_live_ready_status_and_metrics(serve, naftiko_run) -> None:
    running, _ = start(serve, naftiko_run)
    control = running.urls["control"]
    assert httpx.get(f"{control}/health/live").json() == {"status": "UP"}
    assert httpx.get(f"{control}/health/ready").status_code == 200
    status = httpx.get(f"{control}/status").json()
    assert {a["namespace"] for a in status["adapters"]} >= {"shop", "catalog", "control"}
    assert status["ready"] is True
    assert httpx.get(f"{running.urls['shop']}/items/1").status_code == 200
    call, headers = stateless_request("tools/call", name="hello", arguments={"who": "Ada"})
    mcp = httpx.post(running.urls["catalog"] + "/mcp", json=call, headers=headers)
    assert mcp.status_code == 200
    metrics = httpx.get(f"{control}/metrics").text
    assert (
        counted(
            metrics, "naftiko_requests_total", adapter="shop", operation="get-item", status="200"
        )
        == 1
    )
    assert (
        counted(
            metrics, "naftiko_requests_total", adapter="catalog", operation="hello", status="ok"
        )
        == 1
    )
    assert counted(metrics, "naftiko_upstream_requests_total", namespace="echo", status="200") == 1
    assert SECRET not in metrics
    assert SECRET not in httpx.get(f"{control}/status").text


def test_ready_is_503_while_draining(serve, naftiko_run) -> None:
    running, upstream = start(serve, naftiko_run)
    control = running.urls["control"]
    slow = threading.Thread(
        target=lambda: httpx.get(f"{running.urls['shop']}/slow?ms=1500", timeout=30)
    )
    slow.start()
    deadline = time.monotonic() + 10
    while not upstream.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    running.process.terminate()
    time.sleep(0.3)
    answer = httpx.get(f"{control}/health/ready")
    assert answer.status_code == 503
    assert answer.json()["reason"] == "draining"
    slow.join(30)
    assert running.process.wait(30) == 0


def test_control_adapter_declared_in_the_file(serve, naftiko_run, tmp_path) -> None:
    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    text += "    - type: control\n      port: 0\n"
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    upstream = serve(echo)
    running = naftiko_run(
        str(path), f"--base-uri=echo={upstream.url}", env=clean_env(SHOP_UPSTREAM_TOKEN=SECRET)
    )
    assert httpx.get(running.urls["control"] + "/health/ready").status_code == 200


def test_ready_is_503_until_every_adapter_listens() -> None:
    import asyncio

    from aiohttp.test_utils import make_mocked_request

    from naftiko.expose.control import ControlAdapter, Health

    health = Health()
    control = ControlAdapter(health, lambda: {})

    def ready() -> int:
        return asyncio.run(control.handle(make_mocked_request("GET", "/health/ready"))).status

    assert ready() == 503  # prepared, nothing listening yet
    health.ready = True
    assert ready() == 200


OBSERVED = """\
naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: rest
      namespace: hello
      resources:
        - name: hi
          path: /hi
          operations:
            - name: hi
              method: GET
              outputParameters:
                - name: ok
                  type: boolean
                  value: true
    - type: control
      namespace: ops
      observability:
{block}
"""


def test_observability_disabled_turns_metrics_off(tmp_path, serve_capability) -> None:
    path = tmp_path / "observed.yaml"
    path.write_text(OBSERVED.format(block="        enabled: false"), encoding="utf-8")
    ops = serve_capability(path)["ops"]
    assert httpx.get(f"{ops}/health/live").status_code == 200
    answer = httpx.get(f"{ops}/metrics")
    assert answer.status_code == 404
    assert "observability turns metrics off" in answer.json()["detail"]


def test_local_metrics_disabled_turns_metrics_off(tmp_path, serve_capability) -> None:
    path = tmp_path / "observed.yaml"
    block = "        metrics:\n          local:\n            enabled: false"
    path.write_text(OBSERVED.format(block=block), encoding="utf-8")
    ops = serve_capability(path)["ops"]
    assert httpx.get(f"{ops}/metrics").status_code == 404


def test_observability_enabled_keeps_metrics(tmp_path, serve_capability) -> None:
    path = tmp_path / "observed.yaml"
    path.write_text(OBSERVED.format(block="        enabled: true"), encoding="utf-8")
    ops = serve_capability(path)["ops"]
    assert httpx.get(f"{ops}/metrics").status_code == 200
