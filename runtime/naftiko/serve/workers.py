"""`naftiko run --workers N`: N processes serving the same adapters, each with its own loop.

The parent loads and checks everything first (errors are listed once, nothing starts), binds
every adapter's listening socket, and starts N workers: the same command, handed the sockets
(the kernel spreads connections among the processes accepting on them). The parent keeps
the control ports: readiness once every worker is ready, `/status` naming each worker, and
`/metrics` summed over them (each worker answers its parent on a private Unix socket).
SIGTERM or SIGINT is passed to every worker, which drains its requests; a worker that dies
is started again (at most 5 times a minute).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko import jsonio
from naftiko.expose.control import ControlAdapter
from naftiko.expose.httpserver import DEFAULT_LIMITS, low_level_server
from naftiko.observe import tracing
from naftiko.observe.metrics import METRICS
from naftiko.scripting.settings import Governance

log = logging.getLogger("naftiko.workers")

RESTARTS_PER_MINUTE = 5
READY_WITHIN = 60.0
_CONTROL = "worker.sock"


class Worker:
    def __init__(self, index: int, directory: Path) -> None:
        self.index = index
        self.path = directory / f"{index}.{_CONTROL}"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Group:
    """The parent of the workers: starts, watches, stops them, and speaks for them all."""

    def __init__(
        self,
        count: int,
        sockets: Mapping[str, socket.socket],
        argv: Sequence[str],
        controls: Sequence[ControlAdapter],
        grace: float,
    ) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="naftiko-workers-"))
        self.workers = [Worker(n, self.directory) for n in range(count)]
        self.sockets = sockets
        self.argv = list(argv)
        self.grace = grace
        self.stopping = False
        self._restarts: list[float] = []
        for control in controls:
            control.status = self.status
            control.collect = self.metrics
            control.collect_traces = self.traces
            control.relay_scripting = self.scripting

    def spawn(self, worker: Worker) -> None:
        fds = {name: sock.fileno() for name, sock in self.sockets.items()}
        for fd in fds.values():
            os.set_inheritable(fd, True)
        worker.ready = False
        worker.path.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "naftiko",
            *self.argv,
            "--worker-sockets",
            json.dumps(fds),
            "--worker-control",
            str(worker.path),
        ]
        env = {**os.environ, "NAFTIKO_WORKER_INDEX": str(worker.index)}
        worker.process = subprocess.Popen(command, pass_fds=tuple(fds.values()), env=env)
        log.info("worker %d started (pid %d)", worker.index, worker.process.pid)

    def hangup(self) -> None:
        """SIGHUP: every worker loads the files again (each checks them on its own)."""
        for worker in self.workers:
            if worker.alive() and worker.process is not None:
                worker.process.send_signal(signal.SIGHUP)

    async def run(self, stop: asyncio.Event) -> int:
        """Until ``stop``: keep every worker running; then drain them. The exit code."""
        for worker in self.workers:
            self.spawn(worker)
        code = 0
        try:
            if not await self._all_ready(stop):
                code = 1
                stop.set()
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.25)
                code = self._watch() or code
                if code:
                    stop.set()
        finally:
            await self._stop_all()
            shutil.rmtree(self.directory, ignore_errors=True)
        return code

    async def _all_ready(self, stop: asyncio.Event) -> bool:
        deadline = time.monotonic() + READY_WITHIN
        while not stop.is_set() and time.monotonic() < deadline:
            for worker in self.workers:
                if not worker.ready and worker.path.exists():
                    found = await self._ask(worker, "/status")
                    worker.ready = bool(found and found.get("ready"))
                if not worker.alive():
                    log.error("worker %d exited while starting", worker.index)
                    return False
            if all(w.ready for w in self.workers):
                log.info("%d workers ready", len(self.workers))
                return True
            await asyncio.sleep(0.05)
        return stop.is_set()

    def _watch(self) -> int:
        """Start again a worker that died; 1 when they die too often to go on."""
        for worker in self.workers:
            if worker.alive():
                continue
            code = worker.process.returncode if worker.process is not None else None
            log.error("worker %d exited (code %s); starting it again", worker.index, code)
            now = time.monotonic()
            self._restarts = [t for t in self._restarts if now - t < 60] + [now]
            if len(self._restarts) > RESTARTS_PER_MINUTE:
                log.error("workers exit too often (%d in a minute): stopping", RESTARTS_PER_MINUTE)
                return 1
            self.spawn(worker)
        return 0

    async def _stop_all(self) -> None:
        self.stopping = True
        for worker in self.workers:
            if worker.alive() and worker.process is not None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace + 10
        while any(w.alive() for w in self.workers) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for worker in self.workers:
            if worker.alive() and worker.process is not None:
                log.warning("worker %d did not stop in time: killed", worker.index)
                worker.process.kill()
                worker.process.wait(5)

    # --- speaking for the group -------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """The first ready worker's status, with every worker's pid and state."""
        found: dict[str, Any] = {}
        workers = []
        for worker in self.workers:
            answer = await self._ask(worker, "/status") if worker.alive() else None
            if answer is not None and not found:
                found = {k: v for k, v in answer.items() if k not in ("ready", "uptimeSeconds")}
            workers.append(
                {
                    "index": worker.index,
                    "pid": worker.pid,
                    "state": "ready" if answer and answer.get("ready") else "down",
                }
            )
        found["workers"] = workers
        return found

    async def traces(self, trace: str | None) -> list[Any] | None:
        """Every worker's last spans, newest first; None when tracing is off in all."""
        query = f"/traces?trace={trace}" if trace else "/traces"
        found: list[Any] = []
        answered = False
        for worker in self.workers:
            if worker.alive():
                answer = await self._ask(worker, query)
                if answer is not None:
                    answered = True
                    found.extend(answer.get("spans") or [])
        found.sort(key=lambda span: span.get("endedAt", 0), reverse=True)
        return found[: tracing.RECENT] if answered else None

    async def metrics(self) -> bytes:
        texts = [(w.index, await self._ask_text(w, "/metrics")) for w in self.workers if w.alive()]
        return merge_metrics([(index, text) for index, text in texts if text])

    async def scripting(self, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """`/scripting` for the group: a PUT goes to every worker; the view sums their
        statistics (the average weighted by each one's executions)."""
        views: list[dict[str, Any]] = []
        for worker in self.workers:
            if not worker.alive():
                continue
            status, found = await self._send(worker, method, "/scripting", body)
            if status != 200:
                return status, found
            views.append(found)
        if not views:
            return 503, {"errors": ["no worker is running"]}
        merged = dict(views[0])
        stats = [v.get("stats", {}) for v in views]
        runs = sum(int(s.get("totalExecutions", 0)) for s in stats)
        weighted = sum(s.get("averageDurationMs", 0) * s.get("totalExecutions", 0) for s in stats)
        merged["stats"] = {
            "totalExecutions": runs,
            "totalErrors": sum(int(s.get("totalErrors", 0)) for s in stats),
            "averageDurationMs": round(weighted / runs, 2) if runs else 0.0,
        }
        last = [s["lastExecutionAt"] for s in stats if "lastExecutionAt" in s]
        if last:
            merged["stats"]["lastExecutionAt"] = max(last)
        return 200, merged

    async def _send(
        self, worker: Worker, method: str, path: str, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        try:
            connector = aiohttp.UnixConnector(path=str(worker.path))
            timeout = aiohttp.ClientTimeout(total=5)
            async with (
                aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
                session.request(method, f"http://worker{path}", data=body) as answer,
            ):
                found = jsonio.loads(await answer.read())
                return answer.status, found if isinstance(found, dict) else {}
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
            return 503, {"errors": [f"worker {worker.index} did not answer"]}

    async def _ask(self, worker: Worker, path: str) -> dict[str, Any] | None:
        text = await self._ask_text(worker, path)
        try:
            found = jsonio.loads(text.encode()) if text else None
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    async def _ask_text(self, worker: Worker, path: str) -> str:
        try:
            connector = aiohttp.UnixConnector(path=str(worker.path))
            timeout = aiohttp.ClientTimeout(total=2)
            async with (
                aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
                session.get(f"http://worker{path}") as answer,
            ):
                return await answer.text() if answer.status == 200 else ""
        except (aiohttp.ClientError, OSError, TimeoutError):
            return ""


def merge_metrics(texts: Sequence[tuple[int, str]]) -> bytes:
    """Prometheus texts of several processes (by worker index) as one: counters and
    histograms summed over them; a gauge (what is in flight now, an open circuit) kept per
    process with a `worker` label, since a sum of states is none of them."""
    from prometheus_client.parser import text_string_to_metric_families

    families: dict[str, tuple[str, str]] = {}
    samples: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for index, text in texts:
        for family in text_string_to_metric_families(text):
            families.setdefault(family.name, (family.type, family.documentation))
            found = samples.setdefault(family.name, {})
            for sample in family.samples:
                named = dict(sample.labels)
                if family.type == "gauge":
                    named["worker"] = str(index)
                key = (sample.name, tuple(sorted(named.items())))
                found[key] = found.get(key, 0.0) + sample.value
    lines: list[str] = []
    for name, (kind, documentation) in families.items():
        lines.append(f"# HELP {name} {documentation}")
        lines.append(f"# TYPE {name} {kind}")
        for (series, labels), value in samples[name].items():
            rendered = ",".join(f'{k}="{_escaped(v)}"' for k, v in labels)
            lines.append(f"{series}{{{rendered}}} {value!r}" if rendered else f"{series} {value!r}")
    return ("\n".join(lines) + "\n").encode()


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


async def serve_worker_control(
    path: str,
    status: Callable[[], dict[str, Any]],
    scripting: Callable[[], Governance | None] = lambda: None,
) -> web.ServerRunner:
    """A worker's private control endpoint, for its parent only (a Unix socket)."""

    async def handle(request: BaseRequest) -> web.StreamResponse:
        governance = scripting() if request.path == "/scripting" else None
        if governance is not None:
            problems = []
            if request.method == "PUT":
                problems = governance.update(jsonio.loads(await request.read()))
            body = {"errors": problems} if problems else governance.view()
            return web.Response(
                status=400 if problems else 200,
                body=jsonio.dumps(body),
                content_type="application/json",
            )
        if request.path == "/metrics":
            return web.Response(body=METRICS.render(), content_type="text/plain")
        if request.path == "/traces":
            wanted = request.query.get("trace")
            spans = tracing.recent(wanted)
            if spans is None:
                return web.Response(status=404)
            return web.Response(
                body=jsonio.dumps({"spans": spans}), content_type="application/json"
            )
        if request.path == "/status":
            found = status()
            found["pid"] = os.getpid()
            return web.Response(body=jsonio.dumps(found), content_type="application/json")
        return web.Response(status=404)

    server = low_level_server(handle, DEFAULT_LIMITS)
    runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=1)
    await runner.setup()
    await web.UnixSite(runner, path).start()
    return runner
