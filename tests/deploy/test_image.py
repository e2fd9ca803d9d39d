"""The container image, built and run with podman as ../shared/tools/containers.md describes.

Slow (a base image from Debian packages, then the build): runs when NAFTIKO_CONTAINER_TESTS=1
and podman is installed; skips, saying so, otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import ROOT
from mcp_client import wire, with_client
from upstreams import KOMBO_KEY, kombo

BASE = "localhost/naftiko-base:bookworm"
IMAGE = "localhost/naftiko:test"
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]
ROOTFS = Path("/tmp/naftiko-rootfs")

pytestmark = pytest.mark.skipif(
    os.environ.get("NAFTIKO_CONTAINER_TESTS") != "1" or not shutil.which("podman"),
    reason="set NAFTIKO_CONTAINER_TESTS=1 with podman, runc and debootstrap installed",
)


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)


@pytest.fixture(scope="module")
def image() -> str:
    if subprocess.run([*PODMAN, "image", "exists", BASE], check=False).returncode != 0:
        if not ROOTFS.exists():
            run(
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv,ca-certificates",
                "bookworm",
                str(ROOTFS),
            )
        with subprocess.Popen(["tar", "-C", str(ROOTFS), "-c", "."], stdout=subprocess.PIPE) as tar:
            subprocess.run(
                [*PODMAN, "import", "-", BASE],
                stdin=tar.stdout,
                check=True,
                capture_output=True,
                timeout=600,
            )
    run(
        *PODMAN,
        "build",
        "--isolation",
        "chroot",
        "--network",
        "host",
        "-v",
        "/etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro",
        "-v",
        "/etc/resolv.conf:/etc/resolv.conf:ro",
        "--build-arg",
        f"BASE={BASE}",
        "-t",
        IMAGE,
        str(ROOT),
        timeout=900,
    )
    return IMAGE


def test_image_serves_rest_and_mcp_and_stops_on_sigterm(image: str, serve) -> None:
    upstream = serve(kombo)
    capability = ROOT / "capabilities" / "kombo" / "kombo-general.yaml"
    name = f"naftiko-test-{os.getpid()}"
    run(
        *PODMAN,
        "run",
        "-d",
        "--rm",
        "--name",
        name,
        "--network",
        "host",
        "--read-only",
        "--ulimit",
        "nofile=10000:10000",
        "--ulimit",
        "nproc=4096:4096",
        "-e",
        f"KOMBO_API_KEY={KOMBO_KEY}",
        "-e",
        "NAFTIKO_HOST=127.0.0.1",
        "-e",
        "NAFTIKO_PORT=kombo-general-rest=18480 kombo-general-mcp=18490",
        "-e",
        f"NAFTIKO_BASE_URI_KOMBO_GENERAL={upstream.url}/v1",
        "-e",
        "NAFTIKO_CONTROL_PORT=18500",
        "-v",
        f"{capability}:/capability/capability.yaml:ro",
        image,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get("http://127.0.0.1:18500/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        answer = httpx.get("http://127.0.0.1:18480/v1/integrations/abc")
        assert answer.json()["data"]["id"] == "abc"

        async def work(client):
            return wire(await client.call_tool("check-api-key", {}))

        result = with_client("http://127.0.0.1:18490/mcp", work)
        assert result["isError"] is False
    finally:
        stopped = subprocess.run(
            [*PODMAN, "stop", "-t", "20", name],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert stopped.returncode == 0
