"""REST throughput and latency against peers, one command: `python bench/rest.py`.

In one run, against one local upstream answering about 1 KB of JSON, at 1 and 50 concurrent
clients: the upstream directly, a minimal hand-written aiohttp reverse proxy (one shared
connection pool, no parsing), and `naftiko run bench/rest.yaml`: one GET whose output is the
pass-through mapping `{type: object, mapping: $.}`, and the same GET reshaped field by field.
The load comes from wrk when it is on PATH, else from an aiohttp driver (bounded by time).
Prints a table and the ratios: naftiko / proxy throughput at 50 clients (target >= 0.8), and the p50
latency naftiko adds over the direct upstream at 1 client (target < 1 ms).

Options: --duration S (default 10), --repeat N (interleaved passes; medians reported).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from typing import Any

HERE = Path(__file__).resolve().parent
CAPABILITY = HERE / "rest.yaml"


# --- the pieces, each run as its own process -------------------------------------------------


def _loop_runner():  # type: ignore[no-untyped-def]
    """uvloop when installed, unless BENCH_LOOP=asyncio asks for the standard loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    if os.environ.get("BENCH_LOOP") == "asyncio":
        return asyncio.run
    return lambda coro: uvloop.run(coro)


async def _serve(app: Any, port: int) -> None:
    """Serve ``app`` on 127.0.0.1:port, say so, and run until killed."""
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    print("listening", port, flush=True)
    await asyncio.Event().wait()


def serve_upstream(port: int) -> None:
    from aiohttp import web

    item = {
        "id": "0",
        "name": "Bench item",
        "tags": [f"tag-{i}" for i in range(12)],
        "attributes": {f"key-{i}": f"value number {i}" for i in range(24)},
        "price": 12.5,
        "available": True,
    }

    async def get_item(request: web.Request) -> web.Response:
        body = json.dumps({**item, "id": request.match_info["id"]}).encode()
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/items/{id}", get_item)
    _loop_runner()(_serve(app, port))


def serve_proxy(port: int, upstream: str) -> None:
    """The floor a Python proxy can reach: pass the path on, return the bytes."""
    import aiohttp
    from aiohttp import web

    async def main() -> None:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))

        async def proxy(request: web.Request) -> web.Response:
            async with session.get(upstream + request.path) as answer:
                body = await answer.read()
                return web.Response(
                    status=answer.status, body=body, content_type="application/json"
                )

        app = web.Application()
        app.router.add_get("/items/{id}", proxy)
        await _serve(app, port)

    _loop_runner()(main())


def serve_mcp_proxy(port: int, upstream: str) -> None:
    """The floor of an MCP tool over HTTP in Python: read the JSON-RPC call, fetch the item,
    answer the result as MCP text content (what naftiko's `tools/call` answers)."""
    import aiohttp
    from aiohttp import web

    async def main() -> None:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))

        async def call(request: web.Request) -> web.Response:
            message = json.loads(await request.read())
            item = message["params"]["arguments"]["id"]
            async with session.get(f"{upstream}/items/{item}") as answer:
                text = (await answer.read()).decode()
            result = {"content": [{"type": "text", "text": text}], "isError": False}
            body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result})
            return web.Response(body=body.encode(), content_type="application/json")

        app = web.Application()
        app.router.add_post("/mcp", call)
        await _serve(app, port)

    _loop_runner()(main())


# --- orchestration ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], limit: float = 20) -> None:
    import urllib.request

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not become ready")


def start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each, then wait for them all (bounded); kill what does not stop."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def naftiko_command() -> list[str]:
    script = shutil.which("naftiko", path=str(Path(sys.executable).parent)) or shutil.which(
        "naftiko"
    )
    return [script] if script else [sys.executable, "-m", "naftiko"]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, clients: int, duration: float) -> dict[str, float]:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(duration))}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    )
    text = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)

    def percentile(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", text)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rate,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def run_aiohttp_driver(url: str, clients: int, duration: float) -> dict[str, float]:
    import aiohttp

    async def main() -> dict[str, float]:
        latencies: list[float] = []
        errors = 0
        stop_at = time.perf_counter() + duration
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

            async def client() -> None:
                nonlocal errors
                while time.perf_counter() < stop_at:
                    began = time.perf_counter()
                    async with session.get(url) as answer:
                        await answer.read()
                        errors += answer.status != 200
                    latencies.append(time.perf_counter() - began)

            await asyncio.gather(*(client() for _ in range(clients)))
        latencies.sort()
        return {
            "rps": len(latencies) / duration,
            "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000,
            "errors": float(errors),
        }

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-proxy", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--serve-mcp-proxy", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_upstream:
        serve_upstream(options.serve_upstream)
        return
    if options.serve_mcp_proxy:
        serve_mcp_proxy(int(options.serve_mcp_proxy[0]), options.serve_mcp_proxy[1])
        return
    if options.serve_proxy:
        serve_proxy(int(options.serve_proxy[0]), options.serve_proxy[1])
        return

    driver = run_wrk if shutil.which("wrk") else run_aiohttp_driver
    ports = {name: free_port() for name in ("upstream", "proxy", "naftiko")}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}"
    targets = {
        "upstream direct": f"{upstream_url}/items/42",
        "aiohttp proxy": f"http://127.0.0.1:{ports['proxy']}/items/42",
        "naftiko run": f"http://127.0.0.1:{ports['naftiko']}/items/42",
        "naftiko run, shaped": f"http://127.0.0.1:{ports['naftiko']}/shaped/42",
    }
    me = [sys.executable, str(Path(__file__).resolve())]
    processes = [
        start([*me, "--serve-upstream", str(ports["upstream"])]),
        start([*me, "--serve-proxy", str(ports["proxy"]), upstream_url]),
        start(
            [
                *naftiko_command(),
                "--log-level",
                "warning",
                "run",
                str(CAPABILITY),
                "--port",
                f"bench-rest={ports['naftiko']}",
                "--base-uri",
                f"bench={upstream_url}",
            ]
        ),
    ]
    try:
        for process, url in zip(processes, list(targets.values())[:3], strict=True):
            wait_ready(url, process)
        serving = dict(zip(targets, [*processes, processes[2]], strict=True))
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        for _ in range(options.repeat):
            for clients in options.clients:
                for name, url in targets.items():
                    driver(url, clients, min(2.0, options.duration))  # warm-up
                    before = cpu_seconds(serving[name].pid)
                    found = driver(url, clients, options.duration)
                    spent = cpu_seconds(serving[name].pid) - before
                    found["cpu_us"] = spent / max(1.0, found["rps"] * options.duration) * 1e6
                    results.setdefault((name, clients), []).append(found)
    finally:
        stop_all(processes)
    report(results, driver.__name__, options)


def report(
    results: dict[tuple[str, int], list[dict[str, float]]],
    driver: str,
    options: argparse.Namespace,
) -> None:
    def median(name: str, clients: int, key: str) -> float:
        return statistics.median(r[key] for r in results[(name, clients)])

    print(
        f"REST bench: {options.duration:g}s per run, {options.repeat} pass(es), "
        f"driver {driver.removeprefix('run_')}, {os.cpu_count()} cores"
    )
    print("| run | clients | req/s | p50 ms | p99 ms | server CPU µs/req | non-2xx |")
    print("|---|---|---|---|---|---|---|")
    for (name, clients), runs in results.items():
        rates = [r["rps"] for r in runs]
        spread = f" ({min(rates):,.0f}-{max(rates):,.0f})" if len(runs) > 1 else ""
        print(
            f"| {name} | {clients} | {median(name, clients, 'rps'):,.0f}{spread} | "
            f"{median(name, clients, 'p50'):.2f} | {median(name, clients, 'p99'):.2f} | "
            f"{median(name, clients, 'cpu_us'):.0f} | {median(name, clients, 'errors'):.0f} |"
        )
    if (("upstream direct", 1)) not in results or ("aiohttp proxy", 50) not in results:
        return
    proxy = median("aiohttp proxy", 50, "rps")
    direct = median("upstream direct", 1, "p50")
    for name in ("naftiko run", "naftiko run, shaped"):
        throughput = median(name, 50, "rps") / proxy
        added = median(name, 1, "p50") - direct
        print(f"ratio REST c=50: {name} / aiohttp proxy = {throughput:.2f} (target >= 0.8)")
        print(f"added p50 latency at c=1, {name}, over direct: {added:.3f} ms (target < 1 ms)")


if __name__ == "__main__":
    main()
