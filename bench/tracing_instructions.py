"""What tracing costs in instructions, one command: `python bench/tracing_instructions.py`.

Wall-clock ratios on a shared machine drift with its speed; instruction counts do not. In one
run: nginx as the upstream and the OTLP receiver, and `naftiko run bench/workers.yaml` under
valgrind's callgrind, tracing off and then on (every request sampled), each for REST GETs and
MCP `tools/call` POSTs, one keep-alive connection, N requests after 300 of warm-up. Counts
every instruction of the process (event loop and export thread) over those N requests, so
N is a multiple of the export batch (2048 spans, two per request). Prints instructions per
request and the on/off ratio (target: within 15%). Needs valgrind and nginx; about 3 minutes.

Options: --requests N (default 2048).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: ports, readiness)
import tracing  # noqa: E402  (bench/tracing.py: the OTLP location for nginx)
import workers  # noqa: E402  (bench/workers.py: nginx, the capability, the MCP call)

HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-06-18",
}


def drive(port: int, mcp: bool, count: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        if mcp:
            connection.request("POST", "/mcp", body=workers.CALL, headers=HEADERS)
        else:
            connection.request("GET", "/items/42")
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"naftiko answered {answer.status}")
    connection.close()


def count(scratch: Path, base: str, traced: bool, mcp: bool, requests: int) -> float:
    """Instructions per request of one naftiko process under callgrind."""
    ports = {"rest": rest.free_port(), "mcp": rest.free_port()}
    env = {k: v for k, v in os.environ.items() if "OTEL_" not in k}
    if traced:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = base
        env["OTEL_BSP_SCHEDULE_DELAY"] = "600000"  # full batches only, inside the window
    port = ports["mcp" if mcp else "rest"]
    return counted(
        scratch,
        [sys.executable, "-m", "naftiko", *tracing.run_arguments(ports, base)],
        env,
        lambda process: rest.wait_ready(
            f"http://127.0.0.1:{ports['rest']}/items/42", process, limit=600
        ),
        lambda n: drive(port, mcp, n),
        requests,
        settle=2.0,  # the last full batch is sent
    )


def counted(
    scratch: Path,
    command: list[str],
    env: dict[str, str],
    ready: Callable[[subprocess.Popen[bytes]], None],
    load: Callable[[int], None],
    requests: int,
    settle: float = 0.0,
) -> float:
    """Instructions per request of one server process under callgrind: started with
    ``command``, awaited by ``ready``, sent 300 requests of warm-up by ``load``, then
    ``requests`` counted (``settle``: seconds left to its background work before the dump)."""
    out = scratch / f"callgrind-{len(list(scratch.glob('callgrind-*')))}.out"
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready(process)
        load(300)
        control = ["callgrind_control"]
        subprocess.run([*control, "--zero", str(process.pid)], check=True, capture_output=True)
        load(requests)
        time.sleep(settle)
        subprocess.run([*control, "--dump", str(process.pid)], check=True, capture_output=True)
        time.sleep(1)
    finally:
        process.kill()
        process.wait(30)
    return last_total(scratch, out) / requests


def last_total(scratch: Path, out: Path) -> int:
    """The instructions of the last callgrind dump written for ``out``."""
    dumps = sorted(scratch.glob(out.name + ".*"), key=os.path.getmtime)
    found = re.search(r"^(?:summary|totals): (\d+)", dumps[-1].read_text(), re.M)
    if not found:
        raise SystemExit(f"no totals in {dumps[-1]}")
    return int(found.group(1))


@contextlib.contextmanager
def nginx_upstream(script: str, extra: str = "") -> Iterator[tuple[Path, str]]:
    """A scratch directory and nginx answering the bench item (its base URL), for the life of
    the block; ``script`` exits with a word when valgrind or nginx is missing."""
    if not shutil.which("valgrind") or not shutil.which("nginx"):
        raise SystemExit(f"{script} needs valgrind and nginx on PATH")
    with tempfile.TemporaryDirectory() as scratch:
        port = rest.free_port()
        nginx = workers.start_nginx(Path(scratch), port, extra=extra)
        base = f"http://127.0.0.1:{port}"
        try:
            rest.wait_ready(f"{base}/items/42", nginx)
            yield Path(scratch), base
        finally:
            rest.stop_all([nginx])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2048)
    options = parser.parse_args()
    with nginx_upstream("bench/tracing_instructions.py", tracing.NGINX_OTLP) as (scratch, base):
        print(f"tracing instructions: {options.requests} requests per count, callgrind")
        for kind, mcp in (("REST GET", False), ("MCP tools/call", True)):
            off = count(scratch, base, False, mcp, options.requests)
            on = count(scratch, base, True, mcp, options.requests)
            print(
                f"{kind}: off {off:,.0f} instructions/request, on {on:,.0f}; "
                f"on/off = {on / off:.3f} (+{(on / off - 1) * 100:.1f}%, target <= +15%)"
            )


if __name__ == "__main__":
    main()
