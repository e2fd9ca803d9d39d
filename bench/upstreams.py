"""What the upstream features cost and save, one command: `python bench/upstreams.py`.

In one run, against bench/rest.py's local upstream (about 1 KB of JSON):
- the cache: `naftiko run bench/upstreams.yaml` serving a GET called through to the upstream,
  and the same GET answered from its response cache (`x-naftiko-cache`), at 50 clients
  (target: the hit path at least 5x the call-through in requests/s at the consume layer,
  measured in-process as time per call, and reported end to end too);
- the cost on the uncached pass-through path: the same GET through this checkout and
  through a baseline commit (`--baseline REV`, default the commit before the features,
  checked out in a temporary worktree), in interleaved passes (target: within 5%).

Options: --duration S (default 8), --repeat N (default 3), --baseline REV.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import rest  # noqa: E402  (bench/rest.py: the upstream, the drivers, the helpers)

CAPABILITY = HERE / "upstreams.yaml"
BASELINE = "2ef9a0a"  # main before the limits, cache, pagination and propagation landed


def per_call(upstream: str, calls: int = 2000) -> dict[str, float]:
    """Microseconds per engine call: through to the upstream, and from the cache."""
    from naftiko.engine import Engine
    from naftiko.spec import load

    engine = Engine(load(CAPABILITY), base_uris={"bench": upstream})

    async def timed(target: str) -> float:
        await engine.invoke(target, {"id": "42"})  # warm: the pool, and the cache entry
        began = time.perf_counter()
        for _ in range(calls):
            await engine.invoke(target, {"id": "42"})
        return (time.perf_counter() - began) / calls * 1e6

    async def main() -> dict[str, float]:
        try:
            return {
                "through": await timed("bench-rest.get-item"),
                "hit": await timed("bench-rest.get-cached"),
            }
        finally:
            await engine.close()

    return asyncio.run(main())


def naftiko(capability: Path, port: int, upstream: str, baseline: bool = False) -> list[str]:
    """The command line; a baseline runs as a module from its worktree (PYTHONPATH)."""
    command = [sys.executable, "-m", "naftiko"] if baseline else rest.naftiko_command()
    return [
        *command,
        "--log-level",
        "warning",
        "run",
        str(capability),
        "--port",
        f"bench-rest={port}",
        "--base-uri",
        f"bench={upstream}",
        "--no-access-log",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    options = parser.parse_args()
    driver = rest.run_wrk if rest.shutil.which("wrk") else rest.run_aiohttp_driver
    ports = {name: rest.free_port() for name in ("upstream", "now", "baseline")}
    upstream = f"http://127.0.0.1:{ports['upstream']}"
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), options.baseline],
            check=True,
            capture_output=True,
        )
        try:
            measure(options, driver, ports, upstream, tree)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )


def measure(
    options: argparse.Namespace, driver: object, ports: dict[str, int], upstream: str, tree: Path
) -> None:
    baseline_env = {**os.environ, "PYTHONPATH": str(tree / "runtime")}
    me = [sys.executable, str(HERE / "rest.py")]
    processes = [
        rest.start([*me, "--serve-upstream", str(ports["upstream"])]),
        rest.start(naftiko(CAPABILITY, ports["now"], upstream)),
        subprocess.Popen(
            naftiko(tree / "bench" / "rest.yaml", ports["baseline"], upstream, baseline=True),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=baseline_env,
            cwd=str(tree),
        ),
    ]
    targets = {
        "pass-through, this checkout": f"http://127.0.0.1:{ports['now']}/items/42",
        f"pass-through, {options.baseline}": f"http://127.0.0.1:{ports['baseline']}/items/42",
        "cache hit, this checkout": f"http://127.0.0.1:{ports['now']}/cached/42",
    }
    try:
        rest.wait_ready(f"{upstream}/items/42", processes[0])
        for process, url in zip(processes[1:], targets.values(), strict=False):
            rest.wait_ready(url, process)
        rest.wait_ready(targets["cache hit, this checkout"], processes[1])
        calls = per_call(upstream)
        results: dict[str, list[dict[str, float]]] = {}
        serving = dict(zip(targets, [processes[1], processes[2], processes[1]], strict=True))
        for _ in range(options.repeat):
            for name, url in targets.items():
                driver(url, 50, min(2.0, options.duration))  # type: ignore[operator]
                before = rest.cpu_seconds(serving[name].pid)
                found = driver(url, 50, options.duration)  # type: ignore[operator]
                spent = rest.cpu_seconds(serving[name].pid) - before
                found["cpu_us"] = spent / max(1.0, found["rps"] * options.duration) * 1e6
                results.setdefault(name, []).append(found)
    finally:
        rest.stop_all(processes)
    print(
        f"Upstream features bench: {options.duration:g}s per run, {options.repeat} pass(es), "
        f"50 clients, {os.cpu_count()} cores"
    )
    print("| run | req/s (median, range) | p50 ms | server CPU µs/req | non-2xx |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        rates = [r["rps"] for r in runs]
        print(
            f"| {name} | {statistics.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) | "
            f"{statistics.median(r['p50'] for r in runs):.2f} | "
            f"{statistics.median(r['cpu_us'] for r in runs):.0f} | "
            f"{statistics.median(r['errors'] for r in runs):.0f} |"
        )
    rps = {name: statistics.median(r["rps"] for r in runs) for name, runs in results.items()}
    now, base = rps["pass-through, this checkout"], rps[f"pass-through, {options.baseline}"]
    hit = rps["cache hit, this checkout"]
    print(
        f"engine call, in-process: through {calls['through']:.0f} µs, cache hit "
        f"{calls['hit']:.1f} µs: {calls['through'] / calls['hit']:.1f}x (target >= 5x)"
    )
    print(f"ratio REST c=50: cache hit / call-through = {hit / now:.2f}")
    print(
        f"ratio REST c=50: pass-through this checkout / {options.baseline} = {now / base:.3f} "
        "(target >= 0.95)"
    )
    cpu = {name: statistics.median(r["cpu_us"] for r in runs) for name, runs in results.items()}
    mine, theirs = cpu["pass-through, this checkout"], cpu[f"pass-through, {options.baseline}"]
    print(
        f"server CPU per pass-through request: {mine:.0f} µs vs {theirs:.0f} µs "
        f"({(mine / theirs - 1) * 100:+.1f}%; target <= +5%)"
    )


if __name__ == "__main__":
    main()
