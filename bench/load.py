"""Load-time and per-call overhead benchmarks. One command: `python bench/load.py`.

Prints, in one run:
  - load+validate+plan of kombo-unified-ats-api.yaml and of the largest corpus file (target < 0.3 s
    and < 1 s, best of several runs in this process),
  - `naftiko validate` over the whole corpus as one command (target < 15 s),
  - the engine's per-call overhead against a local aiohttp server, as a ratio to a bare
    aiohttp request to the same server measured in the same run.
Needs ../shared/corpus beside the checkout for the corpus figures.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from naftiko.engine import Engine
from naftiko.spec import load

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def best_of(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def load_and_plan(path: Path) -> None:
    capability = load(path)
    environ = {k: "x" for b in capability.binds for k in b.keys.values()}
    Engine(capability, environ=environ)


def corpus_figures() -> None:
    if not CORPUS.is_dir():
        print("corpus: skipped (../shared/corpus is not here)")
        return
    kombo = CORPUS / "api-evangelist-kombo" / "kombo-unified-ats-api.yaml"
    files = [p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml")]
    largest = max(files, key=lambda p: p.stat().st_size)
    load_and_plan(kombo)  # warm imports and the schema validator, as a running process has
    print(
        f"load+validate+plan {kombo.name}: {best_of(5, lambda: load_and_plan(kombo)):.3f} s"
        " (target < 0.3 s)"
    )
    print(
        f"load+validate+plan {largest.name} ({largest.stat().st_size // 1024} KB): "
        f"{best_of(3, lambda: load_and_plan(largest)):.3f} s (target < 1 s)"
    )
    naftiko = shutil.which("naftiko") or f"{sys.executable} -m naftiko"
    started = time.perf_counter()
    subprocess.run(
        [*naftiko.split(), "validate", *map(str, files)], capture_output=True, check=False
    )
    print(
        f"naftiko validate over the corpus ({len(files)} files, one command): "
        f"{time.perf_counter() - started:.2f} s (target < 15 s)"
    )


CAPABILITY = """\
naftiko: "1.0.0-alpha2"
binds:
  - namespace: env
    keys: {{TOKEN: BENCH_TOKEN}}
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "{url}"
      authentication: {{type: bearer, token: "{{{{TOKEN}}}}"}}
      resources:
        - name: item
          path: "/items/{{id}}"
          operations:
            - {{name: get, method: GET, inputParameters: [{{name: id, in: path}}]}}
  exposes:
    - type: mcp
      namespace: bench
      port: 3001
      tools:
        - name: get-item
          description: One item.
          inputParameters: [{{name: id, type: string, description: id}}]
          call: up.get
          with: {{id: bench.id}}
          outputParameters:
            - type: object
              properties:
                id: {{type: string, mapping: "$.id"}}
                size: {{type: integer, mapping: "$.size"}}
"""


async def call_overhead(calls: int = 3000) -> None:
    payload = {"id": "42", "size": "1024", "name": "x" * 200}

    async def item(request: web.Request) -> web.Response:
        return web.json_response(payload)

    app = web.Application()
    app.router.add_get("/items/{id}", item)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / "bench.yaml"
    path.write_text(CAPABILITY.format(url=url), encoding="utf-8")
    engine = Engine(load(path), environ={"BENCH_TOKEN": "t"})
    plan = engine.plan("bench.get-item")

    async with aiohttp.ClientSession() as session:

        async def bare() -> None:
            async with session.get(
                f"{url}/items/42", headers={"Authorization": "Bearer t"}
            ) as answer:
                await answer.json()

        async def ours() -> None:
            await engine.invoke(plan, {"id": "42"})

        rounds: dict[str, list[float]] = {"bare": [], "engine": []}
        for _ in range(3):
            for name, work in (("bare", bare), ("engine", ours)):
                started = time.perf_counter()
                for _ in range(calls):
                    await work()
                rounds[name].append((time.perf_counter() - started) / calls)
        command_times = []
        naftiko = shutil.which("naftiko") or f"{sys.executable} -m naftiko"
        for _ in range(5):
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *naftiko.split(),
                "call",
                str(path),
                "bench.get-item",
                "-p",
                "id=42",
                env={"BENCH_TOKEN": "t", "PATH": "/usr/bin:/bin"},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            if await process.wait() != 0:
                raise SystemExit("naftiko call failed in the benchmark")
            command_times.append(time.perf_counter() - started)
        python_times = []
        for _ in range(5):
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "import aiohttp, asyncio", stdout=asyncio.subprocess.DEVNULL
            )
            await process.wait()
            python_times.append(time.perf_counter() - started)
    await engine.close()
    await runner.cleanup()
    tmp.cleanup()
    print(
        f"one `naftiko call` process (start, load, plan, call, print): "
        f"{statistics.median(command_times) * 1000:.0f} ms; a bare `python -c 'import "
        f"aiohttp'` process: {statistics.median(python_times) * 1000:.0f} ms"
    )
    bare_us = statistics.median(rounds["bare"]) * 1e6
    ours_us = statistics.median(rounds["engine"]) * 1e6
    print(
        f"serial calls, median of 3 x {calls}: bare aiohttp request {bare_us:.0f} us, "
        f"engine.invoke (inputs, with, auth, call, decode, shape) {ours_us:.0f} us"
    )
    print(
        f"ratio engine.invoke / bare aiohttp request: {ours_us / bare_us:.2f} "
        f"(overhead {ours_us - bare_us:.0f} us per call)"
    )


def main() -> None:
    corpus_figures()
    asyncio.run(call_overhead())


if __name__ == "__main__":
    main()
