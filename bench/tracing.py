"""What tracing costs, one command: `python bench/tracing.py [--duration 8] [--repeat 2]`.

In one run, `naftiko run capabilities/kombo/kombo-general.yaml` against a local upstream,
twice: without an OTLP endpoint (tracing off: every hook is one comparison, the same path as
without the `otel` extra) and with one (every request sampled, spans batched to a local OTLP
receiver that answers 200). Each is driven at 50 clients with REST GETs, then with MCP
tools/call requests, in interleaved passes; prints requests/s and the on/off ratio (target:
within 15%, i.e. >= 0.85).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
KOMBO = HERE.parent / "capabilities" / "kombo" / "kombo-general.yaml"
SINKS = """
import sys
from aiohttp import web
BODY = b'{"status":"success","data":{"id":"abc","tool":{"id":"factorial"}}}'
async def upstream(request):
    return web.Response(body=BODY, content_type="application/json")
async def otlp(request):
    await request.read()
    return web.Response(body=b"", content_type="application/x-protobuf")
app = web.Application()
app.router.add_post("/v1/traces", otlp)
app.router.add_route("*", "/{tail:.*}", upstream)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


async def drive(url: str, mcp: bool, clients: int, seconds: float) -> float:
    headers = {"Accept": "application/json, text/event-stream"}
    done = 0
    stop = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        if mcp:
            init = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "b"},
                },
            }
            async with session.post(url, json=init, headers=headers) as answer:
                headers["Mcp-Session-Id"] = answer.headers.get("Mcp-Session-Id", "")
        call = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "get-integration-details", "arguments": {"integration_id": "abc"}},
        }

        async def client() -> None:
            nonlocal done
            while time.monotonic() < stop:
                if mcp:
                    async with session.post(url, json=call, headers=headers) as answer:
                        await answer.read()
                else:
                    async with session.get(url) as answer:
                        await answer.read()
                done += 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return done / seconds


def serve(sink: int, traced: bool) -> tuple[subprocess.Popen[bytes], str, str]:
    rest, mcp = free_port(), free_port()
    env = {**os.environ, "KOMBO_API_KEY": "bench", "NAFTIKO_LOG_LEVEL": "warning"}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    if traced:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{sink}"
    naftiko = str(Path(sys.executable).parent / "naftiko")
    process = subprocess.Popen(
        [
            naftiko,
            "run",
            str(KOMBO),
            f"--base-uri=kombo-general=http://127.0.0.1:{sink}/v1",
            f"--port=kombo-general-rest={rest}",
            f"--port=kombo-general-mcp={mcp}",
        ],
        env=env,
    )
    wait_for(rest)
    wait_for(mcp)
    base = f"http://127.0.0.1:{rest}/v1/integrations/abc"
    return process, base, f"http://127.0.0.1:{mcp}/mcp"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    options = parser.parse_args()
    sink = free_port()
    sinks = subprocess.Popen([sys.executable, "-c", SINKS, str(sink)])
    wait_for(sink)
    servers = {"off": serve(sink, False), "on": serve(sink, True)}
    rates: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(options.repeat):
            for kind in ("rest", "mcp"):
                for mode, (_, rest, mcp) in servers.items():
                    url = mcp if kind == "mcp" else rest
                    asyncio.run(drive(url, kind == "mcp", options.clients, 1.0))  # warm-up
                    found = asyncio.run(
                        drive(url, kind == "mcp", options.clients, options.duration)
                    )
                    rates.setdefault((kind, mode), []).append(found)
    finally:
        for process, _, _ in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        sinks.terminate()
    print(f"tracing bench: {options.clients} clients, {options.duration:g}s x {options.repeat}")
    for kind in ("rest", "mcp"):
        off = statistics.median(rates[(kind, "off")])
        on = statistics.median(rates[(kind, "on")])
        print(
            f"{kind}: off {off:,.0f} req/s, on {on:,.0f} req/s, "
            f"on/off = {on / off:.2f} (target >= 0.85)"
        )


if __name__ == "__main__":
    main()
