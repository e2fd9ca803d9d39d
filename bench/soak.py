"""A bounded soak: `naftiko run` under steady load for N minutes, watched from outside.

    python bench/soak.py [--minutes 5] [--clients 50] [--interval 30]

Starts a local upstream (its own process), `naftiko run capabilities/kombo/kombo-general.yaml`
pointed at it, and C clients that alternate a REST GET and an MCP tools/call as fast as they
are answered. Every interval it prints the server's RSS and open file descriptors (from
/proc), the interval's p50/p99 latency and requests, and errors of ours (any answer that is
not a 200, since the upstream always answers 200). At the end: RSS growth from the first
interval to the last (the target is under +10%), and the totals.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
KOMBO = ROOT / "capabilities" / "kombo" / "kombo-general.yaml"
KEY = "soak-key"
UPSTREAM = """
import sys
from aiohttp import web
BODY = b'{"status":"success","data":{"id":"abc","tool":{"id":"factorial","label":"F"}}}'
async def answer(request):
    return web.Response(body=BODY, content_type="application/json")
app = web.Application()
app.router.add_route("*", "/{tail:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {seconds:g} s")


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+)", text)
    return int(found.group(1)) if found else 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Window:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0

    def cut(self) -> tuple[list[float], int]:
        found, errors = self.latencies, self.errors
        self.latencies, self.errors = [], 0
        return found, errors


async def client(rest: str, mcp: str, window: Window, stop: asyncio.Event) -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    async with aiohttp.ClientSession() as session:
        init = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "soak"},
            },
        }
        async with session.post(mcp, json=init, headers=headers) as answer:
            session_id = answer.headers.get("Mcp-Session-Id", "")
        headers = {**headers, "Mcp-Session-Id": session_id, "MCP-Protocol-Version": "2025-06-18"}
        call = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "get-integration-details", "arguments": {"integration_id": "abc"}},
        }
        turn = 0
        while not stop.is_set():
            started = time.perf_counter()
            try:
                if turn % 2 == 0:
                    async with session.get(f"{rest}/v1/integrations/abc") as answer:
                        await answer.read()
                        failed = answer.status != 200
                else:
                    async with session.post(mcp, json=call, headers=headers) as answer:
                        body = await answer.read()
                        failed = answer.status != 200 or b'"isError":true' in body
            except aiohttp.ClientError:
                failed = True
            window.latencies.append(time.perf_counter() - started)
            window.errors += failed
            turn += 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def soak(args: argparse.Namespace, pid: int, rest: str, mcp: str) -> None:
    window, stop = Window(), asyncio.Event()
    tasks = [asyncio.create_task(client(rest, mcp, window, stop)) for _ in range(args.clients)]
    started = time.monotonic()
    samples: list[int] = []
    total = errors = 0
    print(f"{'t (s)':>6} {'RSS MiB':>8} {'fds':>5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} errors")
    while time.monotonic() - started < args.minutes * 60:
        await asyncio.sleep(args.interval)
        latencies, failed = window.cut()
        samples.append(rss_kib(pid))
        total, errors = total + len(latencies), errors + failed
        print(
            f"{time.monotonic() - started:6.0f} {samples[-1] / 1024:8.1f} {open_fds(pid):5d} "
            f"{len(latencies) / args.interval:7.0f} {percentile(latencies, 0.5) * 1000:7.2f} "
            f"{percentile(latencies, 0.99) * 1000:7.2f} {failed}",
            flush=True,
        )
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    growth = (samples[-1] - samples[0]) / samples[0] * 100 if samples and samples[0] else 0.0
    spread = statistics.pstdev(samples) / 1024 if len(samples) > 1 else 0.0
    verdict = "flat" if growth < 10 else "GROWING"
    print(
        f"RSS {samples[0] / 1024:.1f} -> {samples[-1] / 1024:.1f} MiB ({growth:+.1f}%, "
        f"sd {spread:.1f} MiB): {verdict}; {total} requests, {errors} errors of ours"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--interval", type=float, default=30.0)
    args = parser.parse_args()
    naftiko = shutil.which("naftiko", path=str(Path(sys.executable).parent)) or "naftiko"
    up_port, rest_port, mcp_port = free_port(), free_port(), free_port()
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(up_port)])
    env = {**os.environ, "KOMBO_API_KEY": KEY, "NAFTIKO_LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [
            naftiko,
            "run",
            str(KOMBO),
            f"--base-uri=kombo-general=http://127.0.0.1:{up_port}/v1",
            f"--port=kombo-general-rest={rest_port}",
            f"--port=kombo-general-mcp={mcp_port}",
        ],
        env=env,
    )
    try:
        wait_for(up_port)
        wait_for(rest_port)
        wait_for(mcp_port)
        rest, mcp = f"http://127.0.0.1:{rest_port}", f"http://127.0.0.1:{mcp_port}/mcp"
        print(f"soak: {args.clients} clients for {args.minutes:g} min against pid {server.pid}")
        asyncio.run(soak(args, server.pid, rest, mcp))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        upstream.terminate()
        upstream.wait(10)


if __name__ == "__main__":
    main()
