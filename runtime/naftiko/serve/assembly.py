"""From files and flags to adapters ready to listen: everything that can fail, before any port.

Each file goes through the one pipeline (`naftiko.pipeline`), then each adapter is built
(routes, tools, inbound auth), then the whole set is checked (flags naming unknown names,
two adapters on one port). `validate` runs the same assembly without secrets and mocks, so
what it accepts, `run` starts.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from naftiko.engine import DEFAULT_TIMEOUTS, Engine, Overrides, Timeouts
from naftiko.errors import Diagnostic, NaftikoError, SpecError
from naftiko.expose.auth import InboundAuth
from naftiko.expose.control import ControlAdapter, Health
from naftiko.expose.cors import Cors
from naftiko.expose.guard import HostGuard
from naftiko.expose.httpserver import Limits
from naftiko.expose.mcp.http import McpHttpAdapter, McpOptions
from naftiko.expose.mcp.protocol import McpServer
from naftiko.expose.rest import RestAdapter
from naftiko.expose.skill import SkillAdapter
from naftiko.openapi.mock import MockApi, read_document
from naftiko.pipeline import Compiled, compile_plans, finding, load, tell
from naftiko.scripting.settings import Governance
from naftiko.serve.server import Listener, Mock, Served, Service
from naftiko.spec.model import Adapter, Capability, pick_adapter
from naftiko.spec.verdict import Mode, judged

log = logging.getLogger("naftiko.server")

DEFAULT_HOST = "127.0.0.1"


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
    resilience: Overrides = field(default_factory=lambda: Overrides())
    mocks: Mapping[str, str] = field(default_factory=dict)
    control_port: int | None = None
    environ: Mapping[str, str] | None = None
    cors_origins: tuple[str, ...] = ()
    docs: bool = True  # /docs on every REST adapter
    # redis://... : state shared with other replicas (state.py); in-process when None
    state: str | None = None


def prepare(
    files: Sequence[str], options: ServeOptions = ServeOptions(), *, secrets: bool = True
) -> Service:
    """Every adapter of every file built; SpecError lists every problem found."""
    compiled = assemble(files, options, secrets=secrets)
    problems = [d for c in compiled.files for d in c.errors] + compiled.problems
    if problems:  # the warnings too: they often say why
        compiled.close_mocks()
        raise SpecError([d for c in compiled.files for d in c.diagnostics] + compiled.problems)
    service = Service(
        [c.engine for c in compiled.files if c.engine is not None],
        compiled.listeners,
        options.grace,
        compiled.mocks,
        compiled.health,
        findings=[finding(c) for c in compiled.files],
        state=options.state,
    )
    compiled.services.append(service)
    return service


def check(files: Sequence[str], mode: Mode = "plain") -> dict[str, list[Diagnostic]]:
    """What `run FILES` would refuse, disable or warn about, judged in ``mode``, per file;
    without secrets, mocks or sockets. Files are assembled together, as `run` does, so a
    port two of them claim is found."""
    found = assemble(files, ServeOptions(), secrets=False)
    by_file: dict[str, list[Diagnostic]] = {c.file: list(c.diagnostics) for c in found.files}
    resolved = {str(Path(f).resolve()): f for f in files}
    said = {_clash(d) for c in found.files for d in c.diagnostics if d.code == "port-clash"}
    for problem in found.problems:
        if problem.code == "port-clash" and _clash(problem) in said:
            continue  # two ports of one file: said at the port's line already
        owner = resolved.get(str(Path(problem.file).resolve())) if problem.file else None
        by_file[owner or files[0]].append(problem)
    return {file: judged(found_, mode) for file, found_ in by_file.items()}


def _clash(found: Diagnostic) -> tuple[str, str]:
    port = re.search(r"port (\d+)", found.message)
    return (str(Path(found.file).resolve()) if found.file else "", port[1] if port else "")


@dataclass
class Assembly:
    files: list[Compiled]
    listeners: list[Listener] = field(default_factory=list)
    mocks: list[Mock] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    health: Health = field(default_factory=Health)
    services: list[Service] = field(default_factory=list)

    def close_mocks(self) -> None:
        for mock in self.mocks:
            mock.sock.close()


def assemble(files: Sequence[str], options: ServeOptions, *, secrets: bool) -> Assembly:
    found = Assembly([load(f) for f in files])
    capabilities = [c.capability for c in found.files if c.capability is not None]
    found.problems.extend(_unknown_names(capabilities, options))
    found.mocks, base_uris, problems = open_mocks(options)
    found.problems.extend(problems)
    for compiled in found.files:
        engine = compile_plans(
            compiled,
            secrets=secrets,
            environ=options.environ,
            base_uris=base_uris,
            timeouts=options.timeouts,
            resilience=options.resilience,
        )
        if engine is not None:
            _adapters(compiled, engine, options, found)
    if options.control_port is not None and not any(
        i.adapter.type == "control" for i in found.listeners
    ):
        engines = [c.engine for c in found.files if c.engine is not None]
        if engines:
            control = Adapter(type="control", namespace="control", port=options.control_port)
            item = Listener(engines[0].capability, engines[0], control, _host(control, options), 0)
            _build(item, options, found)
            found.listeners.append(item)
    found.problems.extend(_port_clashes(found.listeners))
    return found


def _adapters(compiled: Compiled, engine: Engine, options: ServeOptions, found: Assembly) -> None:
    capability = engine.capability
    for adapter in capability.exposes:
        if adapter.transport == "stdio":
            log.info(
                "mcp adapter '%s' uses stdio: serve it alone with `naftiko run %s --mcp-stdio %s`",
                adapter.namespace,
                compiled.file,
                adapter.namespace,
            )
            continue
        port = options.ports.get(adapter.namespace, adapter.port or 0)
        item = Listener(capability, engine, adapter, _host(adapter, options), port)
        try:
            _build(item, options, found)
        except NaftikoError as exc:
            found.problems.append(
                Diagnostic.at(
                    adapter.where,
                    "error",
                    exc.message,
                    field=adapter.namespace,
                    hint=exc.hint,
                    code="adapter",
                )
            )
        found.listeners.append(item)


def _host(adapter: Adapter, options: ServeOptions) -> str:
    return options.host or adapter.address or DEFAULT_HOST


def _governance(item: Listener) -> Governance | None:
    """What `/scripting` shows and changes: the file's scripting, when it declares one."""
    scripts = item.engine.runtime.scripts
    if item.capability.scripting is None:
        return None
    if scripts is None:  # declared, though no step runs a script: settings alone
        return Governance.of(item.capability.scripting)
    return scripts.governance


def _build(item: Listener, options: ServeOptions, found: Assembly) -> None:
    adapter, engine = item.adapter, item.engine
    auth = (
        InboundAuth(adapter.auth, engine.runtime.binds, f"adapter '{adapter.namespace}'")
        if adapter.auth is not None
        else None
    )
    served: Served
    origins = options.cors_origins if adapter.type == "rest" else ()
    guard = HostGuard(item.host, options.mcp.allowed_hosts, origins)
    if adapter.type == "rest":
        cors = Cors(options.cors_origins)
        served = RestAdapter(adapter, engine, options.limits, auth, guard, cors, options.docs)
    elif adapter.type == "skill":
        served = SkillAdapter(item.capability, adapter, auth, guard, options.limits)
    elif adapter.type == "control":
        if options.control_port is not None:
            item.port = options.control_port
        services = found.services
        status = lambda: services[0].status()  # noqa: E731  (the service comes last)
        served = ControlAdapter(
            found.health,
            status,
            auth,
            adapter.namespace,
            guard,
            _metrics_on(adapter),
            options.limits,
            _governance(item),
        )
    elif adapter.type == "mcp":
        server = McpServer(item.capability, adapter, engine)
        served = McpHttpAdapter(server, auth, options.limits, options.mcp, item.host)
    else:
        return
    item.served = served


def _metrics_on(adapter: Adapter) -> bool:
    """A control adapter serves /metrics unless its `observability` turns them off."""
    block = adapter.observability
    return block is None or (block.enabled and block.metrics)


def open_mocks(options: ServeOptions) -> tuple[list[Mock], dict[str, str], list[Diagnostic]]:
    """Every `--mock`, and the base URIs that point their namespaces at them."""
    base_uris = dict(options.base_uris)
    mocks: list[Mock] = []
    problems: list[Diagnostic] = []
    for namespace, spec in options.mocks.items():
        try:
            mock = open_mock(namespace, spec)
        except (NaftikoError, OSError) as exc:
            problems.append(Diagnostic("error", f"--mock {namespace}: {exc}", code="mock"))
            continue
        mocks.append(mock)
        base_uris.setdefault(namespace, mock.url)
    return mocks, base_uris, problems


def open_mock(namespace: str, spec: str) -> Mock:
    """`--mock NS=SPEC`: an OpenAPI mock on a loopback port chosen before anything compiles."""
    api = MockApi(read_document(spec))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}{api.base_path}"
    return Mock(namespace, spec, api, sock, url)


def stdio_adapter(
    files: Sequence[str], options: ServeOptions, namespace: str | None
) -> tuple[Engine, McpServer, list[Mock]]:
    """The one MCP adapter `--mcp-stdio` serves, compiled, and the mocks it calls;
    SpecError otherwise."""
    loaded = [load(file) for file in files]
    problems = [d for c in loaded for d in c.errors]
    capabilities = [c.capability for c in loaded if c.capability is not None]
    problems += [d for d in _unknown_names(capabilities, options) if d.code != "port"]
    if problems:
        raise SpecError(problems)
    owner = {id(a): c for c in loaded if c.capability for a in c.capability.exposes}
    adapters = [a for c in loaded if c.capability for a in c.capability.exposes]
    try:
        adapter = pick_adapter(adapters, "mcp", namespace, ", ".join(files))
    except NaftikoError as exc:
        raise SpecError(
            [Diagnostic("error", f"--mcp-stdio: {exc.message}", hint=exc.hint, code="mcp-stdio")]
        ) from None
    compiled = owner[id(adapter)]
    mocks, base_uris, problems = open_mocks(options)
    engine = None
    if not problems:
        engine = compile_plans(
            compiled,
            environ=options.environ,
            base_uris=base_uris,
            timeouts=options.timeouts,
            resilience=options.resilience,
        )
    if engine is None:
        for mock in mocks:
            mock.sock.close()
        raise SpecError(problems or compiled.errors)
    tell([finding(compiled)])
    return engine, McpServer(engine.capability, adapter, engine), mocks


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


def _port_clashes(listeners: Sequence[Listener]) -> list[Diagnostic]:
    taken: dict[int, Listener] = {}
    found = []
    for item in listeners:
        if item.port <= 0 or item.served is None:
            continue
        other = taken.get(item.port)
        if other is None:
            taken[item.port] = item
            continue
        found.append(
            Diagnostic.at(
                item.adapter.where,
                "error",
                f"port {item.port} is claimed by adapter '{other.adapter.namespace}' "
                f"({other.adapter.where}) and by adapter '{item.adapter.namespace}'",
                hint=f"move one, e.g. --port {item.adapter.namespace}=PORT "
                "(or NAFTIKO_PORT), or leave it out for a free port",
                code="port-clash",
            )
        )
    return found
