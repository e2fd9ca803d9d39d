"""Instructions per request, naftiko against a bare aiohttp proxy: `python bench/instructions.py`.

Wall-clock ratios on a shared machine drift with its speed; instruction counts do not. In one
run: nginx as the upstream; then, each alone under valgrind's callgrind (server process
only), `naftiko run bench/peer.yaml` with its defaults (access log on) and the minimal
aiohttp proxies of bench/rest.py (REST: pass the path on; MCP: read the JSON-RPC call, fetch,
answer the result), the proxies on uvloop and on the standard asyncio loop. Each serves 300
keep-alive requests of warm-up, then N counted: REST GETs and MCP `tools/call` POSTs, one at
a time; then REST GETs from 50 connections at once (`rest-50`: naftiko and the asyncio proxy),
where what a request costs also depends on the others in flight (the garbage collector walks
their objects).

Prints instructions per request and naftiko's ratio to each proxy. With --check, exits 1 when
a ratio to the asyncio proxy is above its budget in bench/instructions-budget.json (the guard
CI runs). Needs valgrind and nginx; about 4 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: ports, readiness, the proxies)
import tracing_instructions as driver  # noqa: E402  (keep-alive REST and MCP requests)

BUDGET = HERE / "instructions-budget.json"
CAPABILITY = HERE / "peer.yaml"  # shaped as the peers' capability: typed input, with, output


def naftiko(port: int, upstream: str, mcp: bool) -> list[str]:
    face = "bench-mcp" if mcp else "bench-rest"
    return [
        sys.executable,
        "-m",
        "naftiko",
        "run",
        str(CAPABILITY),
        "--mcp-stateless",
        f"--port={face}={port}",
        f"--port={'bench-rest' if mcp else 'bench-mcp'}=0",
        f"--base-uri=bench={upstream}",
    ]


def proxy(port: int, upstream: str, mcp: bool) -> list[str]:
    kind = "--serve-mcp-proxy" if mcp else "--serve-proxy"
    return [sys.executable, str(HERE / "rest.py"), kind, str(port), upstream]


Command = Callable[[int, str, bool], list[str]]


def count(
    scratch: Path,
    command: Command,
    upstream: str,
    env: dict[str, str],
    mcp: bool,
    n: int,
    many: bool = False,
) -> float:
    """Instructions per request of one server process under callgrind (``many``: REST GETs
    from CLIENTS connections at once)."""
    port = rest.free_port()

    def load(count: int) -> None:
        if many:
            drive_many(port, count)
        else:
            driver.drive(port, mcp, count)

    return driver.counted(
        scratch,
        command(port, upstream, mcp),
        env,
        lambda process: wait(port, process, mcp),
        load,
        n,
    )


CLIENTS = 50  # the connections of the rest-50 face


def drive_many(port: int, count: int) -> None:
    """``count`` REST GETs over CLIENTS keep-alive connections at once, each waiting for
    its answer before the next (what wrk does, with an exact count)."""

    async def client(requests: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        ask = b"GET /items/42 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for _ in range(requests):
            writer.write(ask)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"a server answered {head[:40]!r}")
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if length is None:
                raise SystemExit("an answer without a Content-Length")
            await reader.readexactly(int(length.group(1)))
        writer.close()

    async def clients() -> None:
        share, extra = divmod(count, CLIENTS)
        await asyncio.gather(*(client(share + (i < extra)) for i in range(CLIENTS)))

    asyncio.run(clients())


def wait(port: int, process: subprocess.Popen[bytes], mcp: bool) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server under valgrind exited {process.returncode}")
        try:
            driver.drive(port, mcp, 1)
            return
        except (OSError, SystemExit):
            time.sleep(0.5)
    raise SystemExit("a server under valgrind did not answer in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--check", action="store_true", help="fail above the budget")
    parser.add_argument("--only", choices=("rest", "mcp", "rest-50"), help="one face only")
    options = parser.parse_args()
    budget = json.loads(BUDGET.read_text(encoding="utf-8"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "NAFTIKO_"))}
    base["PYTHONHASHSEED"] = "0"  # the same dictionary layouts in every run: steadier counts
    failed = []
    with driver.nginx_upstream("bench/instructions.py") as (scratch, upstream):
        print(f"instructions per request, {options.requests} requests each, callgrind")
        for face, mcp in (("rest", False), ("mcp", True)):
            if options.only not in (None, face):
                continue
            ours = count(scratch, naftiko, upstream, base, mcp, options.requests)
            peers = {
                loop: count(
                    scratch, proxy, upstream, {**base, "BENCH_LOOP": loop}, mcp, options.requests
                )
                for loop in ("asyncio", "uvloop")
            }
            ratio = ours / peers["asyncio"]
            print(
                f"{face}: naftiko {ours:,.0f}; proxy on asyncio {peers['asyncio']:,.0f} "
                f"(naftiko/proxy {ratio:.3f}, budget {budget[face]}), on uvloop "
                f"{peers['uvloop']:,.0f} ({ours / peers['uvloop']:.3f})"
            )
            if ratio > budget[face]:
                failed.append(face)
        if options.only in (None, "rest-50"):
            asyncio_loop = {**base, "BENCH_LOOP": "asyncio"}
            n = 2 * options.requests
            ours = count(scratch, naftiko, upstream, base, False, n, many=True)
            peer = count(scratch, proxy, upstream, asyncio_loop, False, n, many=True)
            ratio = ours / peer
            print(
                f"rest-50: naftiko {ours:,.0f}; proxy on asyncio {peer:,.0f} "
                f"(naftiko/proxy {ratio:.3f}, budget {budget['rest-50']})"
            )
            if ratio > budget["rest-50"]:
                failed.append("rest-50")
    if options.check and failed:
        raise SystemExit(f"over the instruction budget: {', '.join(failed)}")


if __name__ == "__main__":
    main()
