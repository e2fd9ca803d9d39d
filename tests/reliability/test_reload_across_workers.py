"""A reload reaches every process of `--workers N`, the production shape included: a control
port served by the parent, which reloads its own block too."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from conftest import FIXTURES
from upstreams import echo

CONTROL = """    - type: control
      port: 0
      observability:
        metrics:
          local:
            enabled: true
"""


def reloaded(running, times: int) -> None:
    deadline = time.monotonic() + 20
    while running.log().count("reloaded (SIGHUP)") < times:
        assert time.monotonic() < deadline, running.log()[-3000:]
        assert "restart to apply it" not in running.log(), running.log()[-3000:]
        time.sleep(0.05)


def workers_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "workers.yaml"
    path.write_text(FIXTURES.joinpath("workers.yaml").read_text(encoding="utf-8") + extra)
    return path


def test_sighup_applies_in_every_worker_with_a_control_port(serve, naftiko_run, tmp_path) -> None:
    path = workers_file(tmp_path)
    upstream = serve(echo)
    running = naftiko_run(
        str(path),
        "--workers=2",
        "--control-port=0",
        "--mcp-stateless",
        f"--base-uri=echo={upstream.url}",
    )
    path.write_text(path.read_text().replace('path: "/slow"', 'path: "/late"'))
    running.process.send_signal(signal.SIGHUP)
    reloaded(running, 3)  # two workers and their parent
    rest = running.urls["workers-rest"]
    for _ in range(20):  # a new connection each: both workers answer
        late = httpx.get(f"{rest}/late?ms=0", headers={"Connection": "close"})
        assert late.status_code == 200, late.text
    assert httpx.get(f"{running.urls['control']}/health/ready").status_code == 200


def test_a_change_to_the_control_block_reloads_too(serve, naftiko_run, tmp_path) -> None:
    path = workers_file(tmp_path, CONTROL)
    upstream = serve(echo)
    running = naftiko_run(
        str(path), "--workers=2", "--mcp-stateless", f"--base-uri=echo={upstream.url}"
    )
    control = running.urls["control"]
    assert httpx.get(f"{control}/metrics").status_code == 200
    path.write_text(path.read_text().replace("enabled: true", "enabled: false"))
    running.process.send_signal(signal.SIGHUP)
    reloaded(running, 3)
    assert httpx.get(f"{control}/metrics").status_code == 404
    status = httpx.get(f"{control}/status").json()
    assert [w["state"] for w in status["workers"]] == ["ready", "ready"]
    assert httpx.get(f"{control}/health/ready").status_code == 200


def test_a_single_process_reloads_its_control_block(serve, naftiko_run, tmp_path) -> None:
    path = workers_file(tmp_path, CONTROL)
    upstream = serve(echo)
    running = naftiko_run(str(path), "--mcp-stateless", f"--base-uri=echo={upstream.url}")
    control = running.urls["control"]
    path.write_text(path.read_text().replace("enabled: true", "enabled: false"))
    running.process.send_signal(signal.SIGHUP)
    reloaded(running, 1)
    assert httpx.get(f"{control}/metrics").status_code == 404
    assert httpx.get(f"{control}/status").json()["adapters"]
