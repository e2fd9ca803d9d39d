"""Start every adapter of every capability on one event loop; stop them gracefully.

Everything that can fail is done before the first port opens: loading and checking every
file, resolving binds, compiling plans and routes, and checking that no two adapters claim
the same port. Stopping closes the listening sockets first, lets in-flight requests finish
within a grace period, then closes the upstream connection pools.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from naftiko import __version__
from naftiko.consume.client import DEFAULT_TIMEOUTS, Timeouts
from naftiko.engine import Engine
from naftiko.errors import Diagnostic, NaftikoError, SpecError
from naftiko.expose.auth import InboundAuth
from naftiko.expose.control import ControlAdapter, Health
from naftiko.expose.httpserver import Limits
from naftiko.expose.mcp.http import McpHttpAdapter, McpOptions
from naftiko.expose.mcp.protocol import McpServer
from naftiko.expose.mcp.stdio import serve_stdio
from naftiko.expose.rest import RestAdapter
from naftiko.expose.skill import SkillAdapter
from naftiko.openapi.exporter import export_openapi
from naftiko.openapi.mock import MockApi, read_document
from naftiko.spec import load
from naftiko.spec.model import Adapter, Capability

log = logging.getLogger("naftiko.server")

DEFAULT_HOST = "127.0.0.1"
_SERVED = frozenset({"rest", "mcp", "skill", "control"})


@dataclass(frozen=True)
class ServeOptions:
    """What a deployment may change without editing the file (flags and NAFTIKO_* vars)."""

    host: str | None = None
    ports: Mapping[str, int] = field(default_factory=dict)
    base_uris: Mapping[str, str] = field(default_factory=dict)
    timeouts: Timeouts = DEFAULT_TIMEOUTS
    limits: Limits = field(default_factory=Limits)
    grace: float = 30.0
    mcp: McpOptions = field(default_factory=McpOptions)
    resilience: Mapping[str, Any] = field(default_factory=dict)
    mocks: Mapping[str, str] = field(default_factory=dict)
    control_port: int | None = None


@dataclass
class _Mock:
    """`--mock NS=SPEC`: an OpenAPI mock on a loopback port chosen before anything compiles."""

    namespace: str
    spec: str
    api: MockApi
    sock: socket.socket
    url: str
    runner: web.ServerRunner | None = None

    @classmethod
    def open(cls, namespace: str, spec: str) -> _Mock:
        api = MockApi(read_document(spec))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}{api.base_path}"
        return cls(namespace, spec, api, sock, url)


@dataclass
class _Listener:
    capability: Capability
    engine: Engine
    adapter: Adapter
    host: str
    port: int
    rest: RestAdapter | None = None
    mcp: McpHttpAdapter | None = None
    skill: SkillAdapter | None = None
    control: ControlAdapter | None = None
    runner: web.ServerRunner | None = None
    url: str = ""


class Service:
    """Prepared adapters: nothing listens until ``start``."""

    def __init__(
        self,
        engines: Sequence[Engine],
        listeners: Sequence[_Listener],
        grace: float = 30.0,
        mocks: Sequence[_Mock] = (),
        health: Health | None = None,
    ) -> None:
        self.engines = list(engines)
        self._listeners = list(listeners)
        self._mocks = list(mocks)
        self.health = health or Health()
        self._grace = grace
        self.started_at = 0.0

    def status(self) -> dict[str, Any]:
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
                }
                for i in self._listeners
            ],
        }

    @property
    def urls(self) -> dict[str, str]:
        return {item.adapter.namespace: item.url for item in self._listeners if item.url}

    async def start(self) -> None:
        for mock in self._mocks:
            runner = web.ServerRunner(mock.api.server(), handle_signals=False, shutdown_timeout=1)
            await runner.setup()
            await web.SockSite(runner, mock.sock).start()
            mock.runner = runner
            log.info("mock of %s serves '%s' at %s", mock.spec, mock.namespace, mock.url)
        # control ports first, so that readiness can say "not yet"
        ordered = sorted(self._listeners, key=lambda i: i.control is None)
        for item in ordered:
            if item.rest is None and item.mcp is None and item.skill is None and not item.control:
                _explain_unserved(item.adapter)
                continue
            try:
                await self._listen(item)
            except OSError as exc:
                await self.stop()
                raise NaftikoError(
                    f"cannot listen on {item.host}:{item.port} for adapter "
                    f"'{item.adapter.namespace}': {exc.strerror or exc}",
                    hint="free the port or move the adapter with --port NAMESPACE=PORT",
                ) from None
        self.started_at = time.monotonic()
        self.health.started_at = self.started_at
        self.health.ready = True
        # Everything loaded so far lives as long as the process: keep the collector off it.
        gc.collect()
        gc.freeze()
        log.info("ready: %d adapter(s) listening", len(self.urls))

    async def _listen(self, item: _Listener) -> None:
        handler = item.rest or item.mcp or item.skill or item.control
        assert handler is not None
        runner = web.ServerRunner(
            handler.server(), handle_signals=False, shutdown_timeout=self._grace
        )
        await runner.setup()
        item.runner = runner
        site = web.TCPSite(runner, item.host, item.port, backlog=1024, reuse_address=True)
        await site.start()
        bound = runner.addresses[0]
        host = item.host if ":" not in item.host else f"[{item.host}]"
        item.url = f"http://{host}:{bound[1]}"
        if item.rest is not None:
            item.rest.set_openapi(export_openapi(item.capability, item.adapter, item.url))
            log.info(
                "rest adapter '%s' listening on %s (%d resource(s); OpenAPI at %s/openapi.json)",
                item.adapter.namespace,
                item.url,
                len(item.rest.router),
                item.url,
            )
        elif item.control is not None:
            log.info(
                "control adapter '%s' listening on %s (/health/live, /health/ready, /status, "
                "/metrics)",
                item.adapter.namespace,
                item.url,
            )
        elif item.skill is not None:
            log.info(
                "skill adapter '%s' listening on %s (%d skill(s); catalog at %s/skills)",
                item.adapter.namespace,
                item.url,
                len(item.skill.skills),
                item.url,
            )
        elif item.mcp is not None:
            log.info(
                "mcp adapter '%s' listening on %s (%d tool(s)%s; endpoint %s/mcp)",
                item.adapter.namespace,
                item.url,
                len(item.mcp.protocol.tools),
                ", stateless" if item.mcp.options.stateless else "",
                item.url,
            )

    async def stop(self) -> None:
        """Stop accepting, drain in-flight requests (bounded), close upstream pools."""
        self.health.draining = True
        served = [i.runner for i in self._listeners if i.runner is not None and not i.control]
        controls = [i.runner for i in self._listeners if i.runner is not None and i.control]
        for runner in served:
            for site in list(runner.sites):
                await site.stop()
        if served:
            log.info("draining in-flight requests (up to %gs)", self._grace)
        await asyncio.gather(*(runner.cleanup() for runner in served))
        await asyncio.gather(*(runner.cleanup() for runner in controls))
        for item in self._listeners:
            item.runner = None
            item.url = ""
        for mock in self._mocks:
            if mock.runner is not None:
                await mock.runner.cleanup()
                mock.runner = None
        for engine in self.engines:
            await engine.close()


def prepare(files: Sequence[str], options: ServeOptions = ServeOptions()) -> Service:
    """Load, bind and compile every file; raise SpecError listing every problem found."""
    problems: list[Diagnostic] = []
    capabilities: list[Capability] = []
    for file in files:
        try:
            capabilities.append(load(file))
        except SpecError as exc:
            problems.extend(d for d in exc.diagnostics if d.severity == "error")
        except NaftikoError as exc:
            problems.append(Diagnostic("error", str(exc), file=file, code="load"))
    problems.extend(_unknown_names(capabilities, options))
    mocks: list[_Mock] = []
    base_uris = dict(options.base_uris)
    for namespace, spec in options.mocks.items():
        try:
            mock = _Mock.open(namespace, spec)
        except (NaftikoError, OSError) as exc:
            problems.append(Diagnostic("error", f"--mock {namespace}: {exc}", code="mock"))
            continue
        mocks.append(mock)
        base_uris.setdefault(namespace, mock.url)
    engines: list[Engine] = []
    listeners: list[_Listener] = []
    health = Health()
    services: list[Service] = []  # the service, once built, for the control ports' status
    for capability in capabilities:
        file = str(capability.path)
        mine = {c.namespace for c in capability.consumes}
        try:
            engine = Engine(
                capability,
                base_uris={k: v for k, v in base_uris.items() if k in mine},
                timeouts=options.timeouts,
                resilience=options.resilience,
            )
        except SpecError as exc:
            problems.extend(d for d in exc.diagnostics if d.severity == "error")
            continue
        except NaftikoError as exc:
            problems.append(Diagnostic("error", str(exc), file=file, code="bind"))
            continue
        engines.append(engine)
        for adapter in capability.exposes:
            if adapter.transport == "stdio":
                log.info(
                    "mcp adapter '%s' uses stdio: serve it alone with "
                    "`naftiko run %s --mcp-stdio %s`",
                    adapter.namespace,
                    file,
                    adapter.namespace,
                )
                continue
            item = _Listener(
                capability,
                engine,
                adapter,
                options.host or adapter.address or DEFAULT_HOST,
                options.ports.get(adapter.namespace, adapter.port or 0),
            )
            if adapter.type in _SERVED:
                try:
                    _serve_adapter(item, options, health, services)
                except NaftikoError as exc:
                    problems.append(
                        Diagnostic("error", str(exc), file=file, field=adapter.namespace)
                    )
            listeners.append(item)
    if (
        options.control_port is not None
        and capabilities
        and not any(i.adapter.type == "control" for i in listeners)
    ):
        item = _Listener(
            capabilities[0],
            engines[0] if engines else Engine(capabilities[0], binds={}),
            Adapter(type="control", namespace="control", port=options.control_port),
            options.host or DEFAULT_HOST,
            options.control_port,
        )
        _serve_adapter(item, options, health, services)
        listeners.append(item)
    problems.extend(_port_clashes([i for i in listeners if i.adapter.type in _SERVED]))
    if problems:
        for mock in mocks:
            mock.sock.close()
        raise SpecError(problems)
    service = Service(engines, listeners, options.grace, mocks, health)
    services.append(service)
    return service


def _serve_adapter(
    item: _Listener, options: ServeOptions, health: Health, services: list[Service]
) -> None:
    adapter, engine = item.adapter, item.engine
    auth = (
        InboundAuth(adapter.auth, engine.runtime.binds, f"adapter '{adapter.namespace}'")
        if adapter.auth is not None
        else None
    )
    if adapter.type == "rest":
        item.rest = RestAdapter(adapter, engine, options.limits, auth)
    elif adapter.type == "skill":
        item.skill = SkillAdapter(item.capability, adapter, auth)
    elif adapter.type == "control":
        if options.control_port is not None:
            item.port = options.control_port
        item.control = ControlAdapter(health, lambda: services[0].status(), auth)
    else:
        server = McpServer(item.capability, adapter, engine)
        item.mcp = McpHttpAdapter(server, auth, options.limits, options.mcp, item.host)


async def serve_mcp_stdio(
    files: Sequence[str], options: ServeOptions, namespace: str | None
) -> None:
    """Serve one MCP adapter over stdin/stdout until EOF (how desktop clients launch servers)."""
    problems: list[Diagnostic] = []
    found: list[tuple[Capability, Adapter]] = []
    for file in files:
        try:
            capability = load(file)
        except SpecError as exc:
            raise SpecError([d for d in exc.diagnostics if d.severity == "error"]) from None
        found += [(capability, a) for a in capability.exposes if a.type == "mcp"]
    if namespace is not None:
        found = [f for f in found if f[1].namespace == namespace]
    elif len(found) > 1:
        stdio = [f for f in found if f[1].transport == "stdio"]
        found = stdio if len(stdio) == 1 else found
    if len(found) != 1:
        names = ", ".join(a.namespace for _, a in found) or "none"
        problems.append(
            Diagnostic(
                "error",
                f"--mcp-stdio needs exactly one MCP adapter; found: {names}",
                hint="name one: --mcp-stdio NAMESPACE",
                code="mcp-stdio",
            )
        )
        raise SpecError(problems)
    capability, adapter = found[0]
    mine = {c.namespace for c in capability.consumes}
    engine = Engine(
        capability,
        base_uris={k: v for k, v in options.base_uris.items() if k in mine},
        timeouts=options.timeouts,
        resilience=options.resilience,
    )
    try:
        await serve_stdio(McpServer(capability, adapter, engine), grace=options.grace)
    finally:
        await engine.close()


async def serve(service: Service, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set, then shut down gracefully."""
    await service.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await service.stop()
        log.info("stopped")


def _unknown_names(capabilities: Sequence[Capability], options: ServeOptions) -> list[Diagnostic]:
    if not capabilities:
        return []
    adapters = {a.namespace for c in capabilities for a in c.exposes}
    consumes = {n.namespace for c in capabilities for n in c.consumes}
    checks = (
        ("--port", "adapter", options.ports, adapters),
        ("--mock", "consumes namespace", options.mocks, consumes),
        ("--base-uri", "consumes namespace", options.base_uris, consumes),
    )
    return [
        Diagnostic(
            "error",
            f"{flag} names unknown {what} '{name}'",
            hint=f"{what}s: {', '.join(sorted(known)) or 'none'}",
            code=flag.removeprefix("--"),
        )
        for flag, what, given, known in checks
        for name in sorted(set(given) - known)
    ]


def _port_clashes(listeners: Sequence[_Listener]) -> list[Diagnostic]:
    taken: dict[int, _Listener] = {}
    found = []
    for item in listeners:
        if item.port <= 0:
            continue
        other = taken.get(item.port)
        if other is None:
            taken[item.port] = item
            continue
        found.append(
            Diagnostic(
                "error",
                f"port {item.port} is claimed by adapter '{other.adapter.namespace}' "
                f"({other.adapter.where}) and by adapter '{item.adapter.namespace}'",
                file=str(item.capability.path),
                line=_line(item.adapter.where),
                hint=f"move one, e.g. --port {item.adapter.namespace}=PORT "
                "(or NAFTIKO_PORT), or leave it out for a free port",
                code="port-clash",
            )
        )
    return found


def _line(where: str) -> int:
    parts = where.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0


def _explain_unserved(adapter: Adapter) -> None:
    log.warning(
        "%s adapter '%s' is not served by this version of naftiko; its port stays closed",
        adapter.type,
        adapter.namespace,
    )
