"""Start prepared adapters on one event loop; readiness; stop them gracefully.

Nothing here can fail on a file: `assembly` built every adapter first. Stopping closes the
listening sockets first, lets in-flight requests finish within a grace period, then closes
the upstream connection pools.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import re
import socket
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypedDict

from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko import state
from naftiko.consume.client import UpstreamStatus
from naftiko.engine import Engine
from naftiko.errors import NaftikoError
from naftiko.expose.control import ControlAdapter, Health
from naftiko.expose.httpserver import Handler, InFlight, track
from naftiko.expose.mcp.protocol import McpServer
from naftiko.expose.mcp.stdio import serve_stdio
from naftiko.jsontypes import JSON
from naftiko.observe import tracing
from naftiko.openapi.mock import MockApi
from naftiko.pipeline import Finding
from naftiko.routes import openapi_path
from naftiko.spec.model import Adapter, Capability
from naftiko.state import SharedState, StateUnavailable
from naftiko.version import __version__

log = logging.getLogger("naftiko.server")
YOUNG_COLLECTION = 50_000  # new container objects between two young collections


class Served(Protocol):
    """What every adapter offers the server: an aiohttp server, and a word once it listens."""

    def server(self, handler: Handler | None = None) -> web.Server:
        """An aiohttp server answering with ``handler`` (default: the adapter's own)."""
        ...

    def handle(self, request: BaseRequest) -> Awaitable[web.StreamResponse]: ...

    def listening(self, url: str) -> str:
        """Called once bound; the log line that says what is served where."""
        ...


@dataclass
class Mock:
    """`--mock NS=SPEC`: an OpenAPI mock on a loopback socket bound before compiling."""

    namespace: str
    spec: str
    api: MockApi
    sock: socket.socket
    url: str
    runner: web.ServerRunner | None = None

    async def start(self) -> None:
        runner = web.ServerRunner(self.api.server(), handle_signals=False, shutdown_timeout=1)
        await runner.setup()
        await web.SockSite(runner, self.sock).start()
        self.runner = runner
        log.info("mock of %s serves '%s' at %s", self.spec, self.namespace, self.url)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        self.sock.close()


@dataclass
class Listener:
    capability: Capability
    engine: Engine
    adapter: Adapter
    host: str
    port: int
    served: Served | None = None
    runner: web.ServerRunner | None = None
    url: str = ""
    in_flight: InFlight = field(default_factory=lambda: InFlight())
    # a socket already listening (a worker's, from its parent): served instead of binding
    sock: socket.socket | None = None

    @property
    def is_control(self) -> bool:
        return self.adapter.type == "control"

    def dispatch(self, request: BaseRequest) -> Awaitable[web.StreamResponse]:
        """Answer with whichever adapter is served now: a reload swaps it between requests.
        (A plain function: the adapter's coroutine is the one awaited.)"""
        assert self.served is not None
        return self.served.handle(request)


class Status(TypedDict):
    """What `/status` answers."""

    version: str
    capabilities: list[dict[str, str]]
    adapters: list[dict[str, JSON]]
    upstreams: list[UpstreamStatus]


def _surface(adapter: Adapter) -> dict[str, JSON]:
    """What an adapter offers by name: a REST adapter's routes, an MCP adapter's tools."""
    named: list[JSON]
    if adapter.type == "rest":
        named = [f"{u.method} {openapi_path(r.path)}" for r in adapter.resources for u in r.units]
        named += [f"* {openapi_path(r.path)}" for r in adapter.resources if r.forward]
        return {"routes": named}
    if adapter.type == "mcp":
        named = [u.name for u in adapter.units if u.kind == "tool"]
        return {"tools": named}
    return {}


class Service:
    """Prepared adapters: nothing listens until ``start``."""

    def __init__(
        self,
        engines: Sequence[Engine],
        listeners: Sequence[Listener],
        grace: float = 30.0,
        mocks: Sequence[Mock] = (),
        health: Health | None = None,
        *,
        findings: Sequence[Finding] = (),
        state: str | None = None,
    ) -> None:
        self.engines = list(engines)
        self._state_url = state
        self._listeners = [i for i in listeners if i.served is not None]
        # every adapter the files declare, as declared, also those another process serves
        # (a worker leaves control ports to its parent): what a reload compares
        self.declared = {
            i.adapter.namespace: (i.adapter.type, i.host, i.port) for i in self._listeners
        }
        self._mocks = list(mocks)
        self.health = health or Health()
        self._grace = grace
        self.started_at = 0.0
        self.findings = tuple(findings)

    def status(self) -> Status:
        """What `/status` shows: names, versions and URLs, never a bound value."""
        capabilities = {id(i.capability): i.capability for i in self._listeners}
        return {
            "version": __version__,
            "capabilities": [
                {"label": c.label, "file": c.path.name, "specVersion": c.version}
                for c in capabilities.values()
            ],
            "adapters": [
                {
                    "namespace": i.adapter.namespace,
                    "type": i.adapter.type,
                    "url": i.url or None,
                    "state": "started" if i.url else "stopped",
                    **_surface(i.adapter),
                }
                for i in self._listeners
            ],
            "upstreams": [found for engine in self.engines for found in engine.upstreams()],
        }

    def bind(self) -> dict[str, socket.socket]:
        """Listening sockets for every adapter but control ports, bound now (port 0 becomes
        a free port), for worker processes to share. Raises NaftikoError as start would."""
        found: dict[str, socket.socket] = {}
        for item in self._listeners:
            if item.is_control:
                continue
            family = socket.AF_INET6 if ":" in item.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((item.host, item.port))
            except OSError as exc:
                sock.close()
                for opened in found.values():
                    opened.close()
                raise _listen_error(item, exc) from None
            sock.listen(1024)
            sock.setblocking(False)
            item.port = sock.getsockname()[1]
            found[item.adapter.namespace] = sock
        return found

    def adopt(self, sockets: Mapping[str, socket.socket]) -> None:
        """As a worker: serve these sockets, and leave control ports to the parent."""
        self._listeners = [i for i in self._listeners if not i.is_control]
        for item in self._listeners:
            item.sock = sockets.get(item.adapter.namespace)

    def controls_only(self) -> list[ControlAdapter]:
        """As the parent of workers: serve the control ports alone (returned, for the group
        to answer through), with no upstream, mock or shared state of its own."""
        self._listeners = [i for i in self._listeners if i.is_control]
        self.engines = []
        for mock in self._mocks:
            mock.sock.close()
        self._mocks = []
        self._state_url = None
        return [i.served for i in self._listeners if isinstance(i.served, ControlAdapter)]

    @property
    def listeners(self) -> list[Listener]:
        return list(self._listeners)

    @property
    def grace(self) -> float:
        return self._grace

    def mock_urls(self) -> dict[str, str]:
        """The running mocks' URLs by namespace, which a reload keeps."""
        return {mock.namespace: mock.url for mock in self._mocks}

    def adapter_types(self) -> dict[str, str]:
        """Each served adapter's namespace and type."""
        return {i.adapter.namespace: i.adapter.type for i in self._listeners}

    def ready(self) -> bool:
        return self.health.ready and not self.health.draining

    @property
    def urls(self) -> dict[str, str]:
        return {item.adapter.namespace: item.url for item in self._listeners if item.url}

    async def start(self) -> None:
        tracing.configure(*self._tracing())
        if self._state_url is not None:
            await self._share()
        for mock in self._mocks:
            await mock.start()
        # control ports first, so that readiness can say "not yet"
        for item in sorted(self._listeners, key=lambda i: not i.is_control):
            try:
                await self._listen(item)
            except OSError as exc:
                await self.stop()
                raise _listen_error(item, exc) from None
        self.started_at = time.monotonic()
        self.health.started_at = self.started_at
        self.health.ready = True
        # Everything loaded so far lives as long as the process: keep the collector off it.
        gc.collect()
        gc.freeze()
        # A young collection every 700 new objects (the default) walks the objects of every
        # request in flight, again and again under load; requests free theirs without the
        # collector, so collecting less often costs no memory (the RSS under load is the
        # same) and saves 8% of a request's instructions at 50 clients.
        gc.set_threshold(YOUNG_COLLECTION, 10, 10)
        log.info("ready: %d adapter(s) listening", len(self.urls))

    async def _listen(self, item: Listener) -> None:
        assert item.served is not None
        server = item.served.server(item.dispatch)
        if not item.is_control:
            track(server, item.in_flight)
        # The drain is ours (stop); what aiohttp waits for afterwards is already answered.
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        item.runner = runner
        site: web.BaseSite
        if item.sock is not None:
            site = web.SockSite(runner, item.sock)
        else:
            site = web.TCPSite(runner, item.host, item.port, backlog=1024, reuse_address=True)
        await site.start()
        bound = runner.addresses[0]
        host = item.host if ":" not in item.host else f"[{item.host}]"
        item.url = f"http://{host}:{bound[1]}"
        log.info("%s", item.served.listening(item.url))

    async def stop(self) -> None:
        """Stop accepting, drain in-flight requests (bounded), close upstream pools; all
        within the grace period and a second, whatever an upstream or collector does."""
        deadline = time.monotonic() + self._grace + 0.5
        self.health.draining = True
        trackers = [i.in_flight for i in self._listeners if not i.is_control]
        for tracker in trackers:
            tracker.closing = True
        for item in self._listeners:
            closing = getattr(item.served, "closing", None)  # MCP: its notification streams
            if closing is not None:
                closing()
        served = [i.runner for i in self._listeners if i.runner is not None and not i.is_control]
        controls = [i.runner for i in self._listeners if i.runner is not None and i.is_control]
        for runner in served:
            for site in list(runner.sites):
                await site.stop()
        await self._drain(trackers)
        await asyncio.gather(*(runner.cleanup() for runner in served))
        await asyncio.gather(*(runner.cleanup() for runner in controls))
        for item in self._listeners:
            item.runner = None
            item.url = ""
        for mock in self._mocks:
            await mock.stop()
        for engine in self.engines:
            await engine.close()
        shared = state.shared()
        if shared is not None and self._state_url is not None:
            state.use(None)
            await shared.close()
        turned = sum(t.turned_away for t in trackers)
        if turned:
            log.info("%d request(s) that came while stopping were answered 503", turned)
        tracing.shutdown(max(0.1, deadline - time.monotonic()))

    async def _share(self) -> None:
        """Connect the shared state; Redis down at start is logged, not fatal: what needs it
        is refused until it answers, and then works."""
        assert self._state_url is not None
        shared = SharedState(self._state_url)
        state.use(shared)
        try:
            await shared.ping()
        except StateUnavailable:
            log.error("shared state %s: not answering yet; limits fail closed", shared.url)
        else:
            log.info("shared state: %s", shared.url)

    def _tracing(self) -> tuple[str, tracing.Settings]:
        """The service name spans carry, and what a control adapter's `observability` says."""
        label = self.engines[0].capability.label if self.engines else ""
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "naftiko"
        for item in self._listeners:
            if item.adapter.observability is not None:
                return name, tracing.settings(item.adapter.observability)
        return name, tracing.Settings()

    async def _drain(self, trackers: list[InFlight]) -> None:
        """Wait for requests in flight up to the grace period; answer the rest 503."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._grace
        if any(t.tasks for t in trackers):
            log.info("draining in-flight requests (up to %gs)", self._grace)
        while any(t.tasks for t in trackers) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        left = [task for t in trackers for task in t.tasks]
        if not left:
            return
        log.warning(
            "%d request(s) still in flight after %gs: answering 503", len(left), self._grace
        )
        for tracker in trackers:
            tracker.cut = True
        for task in left:
            task.cancel()
        await asyncio.wait(left, timeout=1.0)


def _listen_error(item: Listener, exc: OSError) -> NaftikoError:
    ns = item.adapter.namespace
    if exc.errno == errno.EADDRINUSE:
        return NaftikoError(
            f"adapter '{ns}' cannot listen on {item.host}:{item.port}: "
            "another process already listens there; nothing was started",
            hint=f"stop that process, or move the adapter with --port {ns}=PORT "
            "(0 picks a free port)",
        )
    return NaftikoError(
        f"adapter '{ns}' cannot listen on {item.host}:{item.port}: "
        f"{exc.strerror or exc}; nothing was started",
        hint=f"check the address, or move the adapter with --port {ns}=PORT",
    )


async def serve(service: Service, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set, then shut down gracefully."""
    await service.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await service.stop()
        log.info("stopped")


async def serve_mcp_stdio(
    engine: Engine, server: McpServer, grace: float, mocks: Sequence[Mock] = ()
) -> None:
    """Serve one MCP adapter over stdin/stdout until EOF (how desktop clients launch servers)."""
    try:
        for mock in mocks:
            await mock.start()
        await serve_stdio(server, grace=grace)
    finally:
        await engine.close()
        for mock in mocks:
            await mock.stop()
