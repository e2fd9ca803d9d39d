"""What a trivial script step adds per call at one client: `python bench/script_step.py`.

In one run, against bench/rest.py's upstream (about 1 KB of JSON), `naftiko run
bench/script_step.yaml` answers the same GET three ways: a call step alone, the call then a
trivial JavaScript step, the call then a trivial Python step (each script returns the call's
answer with one field added). Sequential requests, one keep-alive connection per way, the
three ways taken in turn request by request, so that whatever slows this machine for a
moment slows all three alike. Every request asks for a new id, so each script sees a
context it has not seen before, as in service (what V8 compiled once would otherwise be
reused). Prints the median latency of each, what each script step adds (the difference of
medians; target: at most 0.3 ms) over the whole run and in each round, and the CPU time
per request of naftiko's process and its children (the Python workers), counted in a
separate pass of one way at a time.

Options: --requests N per way and round (default 2000), --rounds N (default 5).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: the upstream, ports, readiness)

ROUTES = ("plain", "javascript", "python")
_IDS = itertools.count()  # a new item id for every request of the run


def ask(connection: http.client.HTTPConnection, route: str) -> float:
    """Seconds one GET of ``route`` took."""
    started = time.perf_counter()
    connection.request("GET", f"/{route}/{next(_IDS)}")
    answer = connection.getresponse()
    answer.read()
    took = time.perf_counter() - started
    if answer.status != 200:
        raise SystemExit(f"/{route}: {answer.status}")
    return took


def timed(port: int, requests: int) -> dict[str, list[float]]:
    """Milliseconds of ``requests`` GETs of each route, the routes taken in turn."""
    connections = {r: http.client.HTTPConnection("127.0.0.1", port, timeout=10) for r in ROUTES}
    took: dict[str, list[float]] = {route: [] for route in ROUTES}
    for _ in range(requests):
        for route, connection in connections.items():
            took[route].append(ask(connection, route) * 1000)
    for connection in connections.values():
        connection.close()
    return took


def cpu_per_request(port: int, pid: int, requests: int) -> dict[str, float]:
    """Milliseconds of naftiko's CPU per GET of each route, one route at a time."""
    spent = {}
    for route in ROUTES:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        before = cpu_seconds(pid)
        for _ in range(requests):
            ask(connection, route)
        spent[route] = (cpu_seconds(pid) - before) / requests * 1000
        connection.close()
    return spent


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and of its children, living (the Python workers) and reaped."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for found in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{found}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        total += sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    ports = {"upstream": rest.free_port(), "naftiko": rest.free_port()}
    upstream = f"http://127.0.0.1:{ports['upstream']}"
    processes = [
        rest.start(
            [sys.executable, str(HERE / "rest.py"), "--serve-upstream", str(ports["upstream"])]
        ),
        rest.start(
            [
                *rest.naftiko_command(),
                "--log-level",
                "warning",
                "run",
                str(HERE / "script_step.yaml"),
                "--port",
                f"bench-rest={ports['naftiko']}",
                "--base-uri",
                f"bench={upstream}",
                "--no-access-log",
            ]
        ),
    ]
    try:
        rest.wait_ready(f"{upstream}/items/1", processes[0])
        rest.wait_ready(f"http://127.0.0.1:{ports['naftiko']}/plain/1", processes[1])
        timed(ports["naftiko"], 300)  # warm-up: isolates and workers made
        rounds = [timed(ports["naftiko"], options.requests) for _ in range(options.rounds)]
        per = cpu_per_request(ports["naftiko"], processes[1].pid, options.requests)
    finally:
        rest.stop_all(processes)
    every = {route: [t for found in rounds for t in found[route]] for route in ROUTES}
    median = {route: statistics.median(values) for route, values in every.items()}
    print(f"median latency at c=1, {options.rounds} rounds of {options.requests} requests a way")
    for route in ROUTES:
        print(f"  {route:<11} {median[route]:.3f} ms   naftiko CPU {per[route]:.3f} ms/request")
    for route in ("javascript", "python"):
        added = median[route] - median["plain"]
        verdict = "within" if added <= 0.3 else "over"
        each = ", ".join(
            f"{statistics.median(found[route]) - statistics.median(found['plain']):.3f}"
            for found in rounds
        )
        print(
            f"a trivial {route} step adds {added:.3f} ms ({verdict} the 0.3 ms target; "
            f"by round {each}), {per[route] - per['plain']:.3f} ms of CPU"
        )


if __name__ == "__main__":
    main()
