"""What a serving command does once its options are parsed: serve in this process, as the
parent of a worker group, as one of its workers, or as an MCP server on stdin/stdout.
Each returns when the service has stopped; a group's exit code is the parent's."""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Sequence

from naftiko.scripting.settings import Governance
from naftiko.serve.assembly import ServeOptions, prepare, stdio_adapter
from naftiko.serve.loop import Reloading, event_loop_runner, stop_on_signals
from naftiko.serve.server import Service, serve, serve_mcp_stdio
from naftiko.serve.workers import Group, serve_worker_control

log = logging.getLogger("naftiko.cli")


def serve_here(service: Service, files: Sequence[str], options: ServeOptions, watch: bool) -> None:
    """Serve in this process until SIGTERM or SIGINT; SIGHUP (and ``watch``) reloads."""
    reloading = Reloading(tuple(files), options, watch)

    async def main_task() -> None:
        stop = stop_on_signals()
        reloading.start(service, stop)
        await serve(service, stop)

    event_loop_runner(main_task)


def serve_stdio(files: Sequence[str], options: ServeOptions, namespace: str | None) -> None:
    """Serve one MCP adapter (``namespace``, or the only one) on stdin and stdout."""
    engine, server, opened = stdio_adapter(files, options, namespace)
    event_loop_runner(lambda: serve_mcp_stdio(engine, server, options.grace, opened))


def shared_sessions_refusal(service: Service, workers: int, options: ServeOptions) -> str | None:
    """Why ``workers`` processes cannot serve these adapters (None: they can). Workers need
    sessions any of them can serve: shared, or none at all."""
    if options.state or options.mcp.stateless:
        return None
    sessions = [n for n, kind in service.adapter_types().items() if kind == "mcp"]
    if not sessions:
        return None
    return (
        f"--workers {workers}: MCP adapter '{sessions[0]}' keeps its 2025-11-25 sessions in "
        "one process, and a session's next request may reach another worker. Share them "
        "with --state redis://HOST:6379/0, or serve without sessions with --mcp-stateless "
        "(clients of either revision then need none)"
    )


def serve_group(
    service: Service, workers: int, files: Sequence[str], options: ServeOptions, watch: bool
) -> int:
    """Bind the ports, start the workers (this command again, handed the sockets), keep the
    control ports; the group's exit code. A reload reaches every worker, and the parent's
    own control ports."""
    reloading = Reloading(tuple(files), options, watch)
    sockets = service.bind()
    controls = service.controls_only()
    group = Group(workers, sockets, sys.argv[1:], controls, options.grace)
    code = 0

    async def main_task() -> None:
        nonlocal code
        stop = stop_on_signals()
        reloading.start(service, stop, group.hangup)
        await service.start()
        try:
            code = await group.run(stop)
        finally:
            await service.stop()

    event_loop_runner(main_task)
    return code


def serve_as_worker(
    files: Sequence[str], options: ServeOptions, watch: bool, sockets: str, control: str
) -> None:
    """One worker of a group: serve the parent's sockets (``sockets``: JSON of name to file
    descriptor) until it says stop, answering it on the Unix socket ``control``."""
    service = prepare(files, options)
    reloading = Reloading(tuple(files), options, watch)
    event_loop_runner(lambda: _worker(service, sockets, control, reloading))


async def _worker(service: Service, sockets: str, control: str, reloading: Reloading) -> None:
    service.adopt({name: socket.socket(fileno=fd) for name, fd in json.loads(sockets).items()})
    stop = stop_on_signals()
    await service.start()
    reloading.start(service, stop)
    status = lambda: {**service.status(), "ready": service.ready()}  # noqa: E731

    def scripting() -> Governance | None:
        found = [e.runtime.scripts for e in service.engines if e.runtime.scripts is not None]
        return found[0].governance if found else None

    runner = await serve_worker_control(control, status, scripting)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await service.stop()
        await runner.cleanup()
        log.info("stopped")
