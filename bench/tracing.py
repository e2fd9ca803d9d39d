"""What tracing costs, one command: `python bench/tracing.py [--duration 3] [--repeat 6]`.

In one run: nginx as the upstream (about 1 KB of JSON) and as the OTLP receiver (it answers
200 to every export, so that neither is what limits), and `naftiko run bench/workers.yaml`
three times: as if the `otel` extra were not installed (the interpreter refuses to import
`opentelemetry`), with the extra but no OTLP endpoint (tracing off: every hook is one
comparison), and with an endpoint (every request sampled, spans batched and exported). One
is driven at a time, by wrk at 50 connections, with REST GETs and with MCP `tools/call`
POSTs, in short passes: the three side by side, their order rotated every round, since a
shared machine's speed drifts over seconds. Prints the medians of requests/s and of the
server's CPU per request (user + system, all threads), and the medians of the paired ratios
off/absent (target: unchanged) and on/off (target: throughput within 15%, i.e. >= 0.85),
each with the lowest and highest ratio, so that a noisy run shows as one. `--verbose`
prints every pass.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: ports, readiness, the wrk driver, CPU time)
import workers  # noqa: E402  (bench/workers.py: the nginx upstream, the MCP wrk script)

NGINX_OTLP = "location /v1/traces { client_max_body_size 64m; return 200; }"


def run_arguments(ports: dict[str, int], upstream: str) -> list[str]:
    """What follows the naftiko command: the workers capability, quiet, on these ports."""
    return [
        "--log-level",
        "warning",
        "run",
        str(workers.CAPABILITY),
        "--mcp-stateless",
        "--no-access-log",
        f"--port=bench-rest={ports['rest']}",
        f"--port=bench-mcp={ports['mcp']}",
        f"--base-uri=bench={upstream}",
    ]


# `python -c` of this: naftiko's command line in an interpreter where the extra is missing
WITHOUT_EXTRA = """
import sys


class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "opentelemetry":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, Missing())
sys.argv[0] = "naftiko"
from naftiko.cli import main

main()
"""
MODES = ("absent", "off", "on")


def start_naftiko(upstream: str, mode: str) -> tuple[subprocess.Popen[bytes], str, str]:
    ports = {"rest": rest.free_port(), "mcp": rest.free_port()}
    # OTEL_BSP_* (batching) passes through, to compare settings; no other OTEL_ variable does
    env = {k: v for k, v in os.environ.items() if k.startswith("OTEL_BSP_") or "OTEL_" not in k}
    if mode == "on":
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = upstream  # nginx receives the spans too
    command = [sys.executable, "-c", WITHOUT_EXTRA] if mode == "absent" else rest.naftiko_command()
    process = subprocess.Popen(
        [*command, *run_arguments(ports, upstream)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    get = f"http://127.0.0.1:{ports['rest']}/items/42"
    rest.wait_ready(get, process)
    return process, get, f"http://127.0.0.1:{ports['mcp']}/mcp"


def measured(pid: int, seconds: int, drive: Callable[[int], float]) -> tuple[float, float]:
    """Requests/s, and the server's CPU microseconds per request, over one wrk pass."""
    before = rest.cpu_seconds(pid)
    rate = drive(seconds)
    used = rest.cpu_seconds(pid) - before
    return rate, used / (rate * seconds) * 1e6


def rest_rate(url: str, seconds: int) -> float:
    return rest.run_wrk(url, 50, seconds)["rps"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--verbose", action="store_true", help="print every pass to stderr")
    options = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        raise SystemExit("bench/tracing.py needs wrk and nginx on PATH")
    seconds = max(1, round(options.duration))
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        port = rest.free_port()
        nginx = workers.start_nginx(Path(scratch), port, extra=NGINX_OTLP)
        script = Path(scratch) / "call.lua"
        script.write_text(workers.LUA, encoding="utf-8")
        base = f"http://127.0.0.1:{port}"
        servers = {}
        try:
            rest.wait_ready(f"{base}/items/42", nginx)
            for mode in MODES:
                servers[mode] = start_naftiko(base, mode)
                process, get, mcp = servers[mode]
                rest.run_wrk(get, 50, 2.0)  # warm-up
                workers.wrk_post(mcp, script, 2.0)
            for round_ in range(options.repeat):
                # this machine's speed drifts: short passes, the three back to back, their
                # order rotated every round
                turn = round_ % len(MODES)
                order = MODES[turn:] + MODES[:turn]
                for kind in ("REST GET", "MCP tools/call"):
                    for mode in order:
                        process, get, mcp = servers[mode]
                        drive = (
                            partial(rest_rate, get)
                            if kind == "REST GET"
                            else partial(workers.wrk_post, mcp, script)
                        )
                        found = measured(process.pid, seconds, drive)
                        results.setdefault((kind, mode), []).append(found)
                        if options.verbose:
                            print(
                                f"{kind} {mode}: {found[0]:,.0f} req/s, "
                                f"{found[1]:.0f} µs CPU/request",
                                file=sys.stderr,
                            )
        finally:
            rest.stop_all([p for p, _, _ in servers.values()] + [nginx])
    print(
        f"tracing bench: wrk 50 connections, {seconds}s per pass, {options.repeat} rounds, "
        f"nginx upstream and OTLP receiver, {os.cpu_count()} cores"
    )
    for kind in ("REST GET", "MCP tools/call"):
        seen = {mode: results[(kind, mode)] for mode in MODES}
        rates = ", ".join(
            f"{mode} {statistics.median(r for r, _ in passes):,.0f} req/s "
            f"({statistics.median(c for _, c in passes):.0f} µs CPU/request)"
            for mode, passes in seen.items()
        )
        print(f"{kind}: {rates}")
        for mode, against, target in (("off", "absent", "~1.00"), ("on", "off", ">= 0.85")):
            pairs = list(zip(seen[against], seen[mode], strict=True))
            ratios = [b[0] / a[0] for a, b in pairs]
            extra = statistics.median(b[1] - a[1] for a, b in pairs)
            print(
                f"  {mode}/{against} = {statistics.median(ratios):.2f} (median of {len(ratios)} "
                f"paired passes, {min(ratios):.2f} to {max(ratios):.2f}; target {target}), "
                f"CPU {extra:+.0f} µs/request"
            )


if __name__ == "__main__":
    main()
