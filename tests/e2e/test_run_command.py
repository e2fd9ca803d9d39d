"""`naftiko run` as users start it: checks before listening, signals, flags."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx

from conftest import FIXTURES, clean_env, naftiko_cli, naftiko_command
from upstreams import echo

SHOP = FIXTURES / "shop.yaml"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return naftiko_cli("run", *args, env=env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def shop_copy(tmp_path: Path, name: str, port: int) -> Path:
    text = SHOP.read_text(encoding="utf-8")
    text = text.replace("namespace: shop\n", f"namespace: {name}\n")
    text = text.replace("port: 0", f"port: {port}")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_startup_error_is_listed_and_nothing_listens(tmp_path: Path) -> None:
    port = free_port()
    broken = tmp_path / "broken.yaml"
    broken.write_text('naftiko: "1.0.0-alpha2"\ncapability:\n  exposes: 3\n', encoding="utf-8")
    good = shop_copy(tmp_path, "shop-a", port)
    done = run(str(broken), str(good))  # shop-a also lacks its SHOP_UPSTREAM_TOKEN bind
    assert done.returncode == 1
    assert "broken.yaml:3" in done.stderr
    assert "SHOP_UPSTREAM_TOKEN" in done.stderr
    assert "not started" in done.stderr
    assert "listening" not in done.stderr


def test_two_files_on_one_port_name_both_adapters_and_the_fix(tmp_path: Path) -> None:
    port = free_port()
    first, second = shop_copy(tmp_path, "shop-a", port), shop_copy(tmp_path, "shop-b", port)
    done = run(str(first), str(second), env=clean_env(SHOP_UPSTREAM_TOKEN="t"))
    assert done.returncode == 1
    assert f"port {port}" in done.stderr
    assert "'shop-a'" in done.stderr
    assert "'shop-b'" in done.stderr
    assert "--port shop-b=PORT" in done.stderr


def test_port_flag_resolves_a_clash(tmp_path: Path, naftiko_run) -> None:
    port = free_port()
    first, second = shop_copy(tmp_path, "shop-a", port), shop_copy(tmp_path, "shop-b", port)
    running = naftiko_run(
        str(first), str(second), "--port", "shop-b=0", env=clean_env(SHOP_UPSTREAM_TOKEN="t")
    )
    assert running.urls["shop-a"] == f"http://127.0.0.1:{port}"
    assert running.urls["shop-b"] != running.urls["shop-a"]
    assert httpx.get(running.urls["shop-b"] + "/status").status_code == 200


def test_unknown_namespace_in_flags_is_an_error() -> None:
    done = run(str(SHOP), "--port", "nope=1", "--base-uri", "nada=http://x")
    assert done.returncode == 1
    assert "--port names unknown adapter 'nope'" in done.stderr
    assert "--base-uri names unknown consumes namespace 'nada'" in done.stderr


def test_environment_variables_set_host_and_ports(naftiko_run) -> None:
    port = free_port()
    running = naftiko_run(
        str(SHOP),
        env=clean_env(
            SHOP_UPSTREAM_TOKEN="t", NAFTIKO_PORT=f"shop={port}", NAFTIKO_HOST="127.0.0.1"
        ),
    )
    assert running.urls["shop"] == f"http://127.0.0.1:{port}"


def test_help_lists_every_setting_with_its_variable() -> None:
    done = subprocess.run(
        [*naftiko_command(), "run", "--help"], capture_output=True, text=True, timeout=30
    )
    for variable in (
        "NAFTIKO_HOST",
        "NAFTIKO_PORT",
        "NAFTIKO_BASE_URI",
        "NAFTIKO_TIMEOUT",
        "NAFTIKO_REQUEST_TIMEOUT",
        "NAFTIKO_MAX_BODY_SIZE",
        "NAFTIKO_GRACE_PERIOD",
    ):
        assert variable in done.stdout


def test_sigterm_lets_in_flight_requests_finish_then_exits_0(serve, naftiko_run) -> None:
    upstream = serve(echo)
    running = naftiko_run(
        str(SHOP),
        "--base-uri",
        f"echo={upstream.url}",
        env=clean_env(SHOP_UPSTREAM_TOKEN="t"),
    )
    url = running.urls["shop"] + "/slow?ms=1500"
    statuses: list[int] = []

    def call() -> None:
        statuses.append(httpx.get(url, timeout=30).status_code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(upstream.requests) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(upstream.requests) == 20
    code = running.stop(timeout=30)
    for thread in threads:
        thread.join(30)
    assert statuses == [200] * 20
    assert code == 0
    assert "stopped" in running.log()


def test_readme_lists_every_variable_run_reads() -> None:
    import re

    done = subprocess.run(
        [*naftiko_command(), "run", "--help"], capture_output=True, text=True, timeout=30
    )
    in_help = set(re.findall(r"NAFTIKO_[A-Z_]+", done.stdout)) - {"NAFTIKO_BASE_URI_"}
    readme = (FIXTURES.parent.parent / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"`(NAFTIKO_[A-Z_]+)`", readme))
    assert {"NAFTIKO_LOG_LEVEL", "NAFTIKO_LOG_FORMAT", "NAFTIKO_CONTROL_PORT"} <= in_help
    assert in_help <= table
