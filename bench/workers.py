"""Throughput with one process and with several, one command: `python bench/workers.py`.

In one run: an nginx upstream answering about 1 KB of JSON (cheap, so that it is not what
limits), and `naftiko run bench/workers.yaml --workers N` for N = 1 and 2 (started in turn,
so that they never compete), each driven by wrk at 50 connections with REST GETs and with MCP
`tools/call` POSTs (`--mcp-stateless`, so that any worker answers any request). Interleaved
passes, medians, and the machine's core count: with 2 cores the load generator, the upstream
and the workers share them, so the gain is bounded by what is left.

Options: --duration S (default 8), --repeat N (default 3), --workers 1 2 ...
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: ports, readiness, the wrk driver)

CAPABILITY = HERE / "workers.yaml"
TAGS = ",".join(f'"tag-{n}-with-some-length"' for n in range(30))
ITEM = '{"id":"42","name":"Bench item","price":12.5,"available":true,"tags":[' + TAGS + "]}"
NGINX = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        location / {{ default_type application/json; return 200 '{body}'; }}
        {extra}
    }}
}}
"""
CALL = (
    '{"jsonrpc":"2.0","id":1,"method":"tools/call",'
    '"params":{"name":"get-item","arguments":{"id":"42"}}}'
)
LUA = f"""
wrk.method = "POST"
wrk.body = '{CALL}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
"""


def start_nginx(scratch: Path, port: int, extra: str = "") -> subprocess.Popen[bytes]:
    """nginx answering ITEM on every path; ``extra`` adds locations (server block syntax)."""
    (scratch / "nginx.conf").write_text(
        NGINX.format(prefix=scratch, port=port, body=ITEM, extra=extra),
        encoding="utf-8",
    )
    return rest.start(["nginx", "-p", str(scratch), "-c", str(scratch / "nginx.conf")])


def start_naftiko(workers: int, upstream: str) -> tuple[subprocess.Popen[bytes], str, str]:
    ports = {"rest": rest.free_port(), "mcp": rest.free_port()}
    process = rest.start(
        [
            *rest.naftiko_command(),
            "--log-level",
            "warning",
            "run",
            str(CAPABILITY),
            f"--workers={workers}",
            "--mcp-stateless",
            "--no-access-log",
            f"--port=bench-rest={ports['rest']}",
            f"--port=bench-mcp={ports['mcp']}",
            f"--base-uri=bench={upstream}",
        ]
    )
    get = f"http://127.0.0.1:{ports['rest']}/items/42"
    rest.wait_ready(get, process)
    return process, get, f"http://127.0.0.1:{ports['mcp']}/mcp"


def wrk_post(url: str, script: Path, duration: float) -> float:
    done = subprocess.run(
        ["wrk", "-t1", "-c50", f"-d{max(1, round(duration))}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    )
    if "Non-2xx" in done.stdout:
        raise SystemExit(f"MCP calls failed:\n{done.stdout}")
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        raise SystemExit("bench/workers.py needs wrk and nginx on PATH")
    results: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        port = rest.free_port()
        upstream = start_nginx(Path(scratch), port)
        script = Path(scratch) / "call.lua"
        script.write_text(LUA, encoding="utf-8")
        try:
            rest.wait_ready(f"http://127.0.0.1:{port}/items/42", upstream)
            for _ in range(options.repeat):
                for workers in options.workers:
                    process, get, mcp = start_naftiko(workers, f"http://127.0.0.1:{port}")
                    try:
                        rest.run_wrk(get, 50, 2.0)  # warm-up
                        found = rest.run_wrk(get, 50, options.duration)["rps"]
                        results.setdefault(("REST GET", workers), []).append(found)
                        wrk_post(mcp, script, 2.0)
                        found = wrk_post(mcp, script, options.duration)
                        results.setdefault(("MCP tools/call", workers), []).append(found)
                    finally:
                        rest.stop_all([process])
        finally:
            rest.stop_all([upstream])
    print(
        f"workers bench: {os.cpu_count()} cores, wrk at 50 connections, {options.duration:g}s "
        f"per run, {options.repeat} pass(es), nginx upstream"
    )
    print("| call | workers | req/s (median, range) |")
    print("|---|---|---|")
    for (call, workers), rates in results.items():
        print(
            f"| {call} | {workers} | {statistics.median(rates):,.0f} "
            f"({min(rates):,.0f}-{max(rates):,.0f}) |"
        )
    for call in ("REST GET", "MCP tools/call"):
        one = statistics.median(results[(call, options.workers[0])])
        for workers in options.workers[1:]:
            ratio = statistics.median(results[(call, workers)]) / one
            print(
                f"ratio {call}: --workers {workers} / --workers {options.workers[0]} = {ratio:.2f}"
            )


if __name__ == "__main__":
    main()
