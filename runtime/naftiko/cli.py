"""The `naftiko` command: parses arguments, calls the API, prints. Nothing more.

Results go to stdout; logs and errors go to stderr. Exit codes: 0 ok, 1 invalid or failed,
2 usage.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click

from naftiko import __version__
from naftiko.errors import Diagnostic, NaftikoError, SpecError, UpstreamError
from naftiko.observe.logging import LEVELS, configure
from naftiko.observe.redact import scrub

log = logging.getLogger("naftiko.cli")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": None})
@click.version_option(__version__, "--version", prog_name="naftiko")
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="info",
    envvar="NAFTIKO_LOG_LEVEL",
    show_default=True,
    show_envvar=True,
    help="Least severe log level written to stderr.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    envvar="NAFTIKO_LOG_FORMAT",
    show_default=True,
    show_envvar=True,
    help="Log lines as text or as JSON objects.",
)
def main(log_level: str, log_format: str) -> None:
    """Run Naftiko capability files: consume HTTP APIs, expose them as REST and MCP."""
    configure(log_level, log_format)


def _report(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    for found in diagnostics:
        click.echo(str(found), err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--strict", is_flag=True, help="Treat warnings (unknown keys, dangling calls) as errors."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print findings.",
)
def validate(files: tuple[str, ...], strict: bool, fmt: str) -> None:
    """Check capability files without reading secrets or touching the network.

    Exit status is 0 when every file is valid (warnings allowed), 1 otherwise.
    """
    from naftiko.spec import check

    failed = 0
    report: list[dict[str, Any]] = []
    for file in files:
        try:
            diagnostics = list(check(file, strict=strict).diagnostics)
        except SpecError as exc:
            diagnostics = list(exc.diagnostics)
        errors = [d for d in diagnostics if d.severity == "error"]
        failed += bool(errors)
        if fmt == "json":
            report.append(
                {
                    "file": file,
                    "valid": not errors,
                    "diagnostics": [d.as_dict() for d in diagnostics],
                }
            )
            continue
        _report(diagnostics)
        warnings = len(diagnostics) - len(errors)
        status = "invalid" if errors else "valid"
        click.echo(f"{file}: {status} ({len(errors)} error(s), {warnings} warning(s))")
    if fmt == "json":
        click.echo(json.dumps({"valid": not failed, "files": report}, indent=2))
    sys.exit(1 if failed else 0)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint=option)
        found[name] = rest
    return found


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("target")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="An input (repeatable). Values are text; declared types convert them.",
)
@click.option("--json", "json_args", metavar="JSON", help="Inputs as one JSON object.")
@click.option(
    "--base-uri",
    "base_uris",
    multiple=True,
    metavar="NS=URL",
    help="Point a consumes namespace elsewhere (repeatable). Also NAFTIKO_BASE_URI_<NS>.",
)
@click.option(
    "--timeout",
    type=float,
    default=30.0,
    show_default=True,
    envvar="NAFTIKO_TIMEOUT",
    help="Seconds to wait for the upstream.",
)
def call(
    file: str,
    target: str,
    params: tuple[str, ...],
    json_args: str | None,
    base_uris: tuple[str, ...],
    timeout: float,
) -> None:
    """Invoke one TARGET once and print its shaped JSON result.

    TARGET is a consumed operation (NAMESPACE.OPERATION) or an exposed tool or REST
    operation (ADAPTER-NAMESPACE.NAME).
    """
    from naftiko.consume.client import Timeouts
    from naftiko.engine import Engine
    from naftiko.spec import load

    inputs: dict[str, Any] = {}
    if json_args:
        try:
            parsed = json.loads(json_args)
        except ValueError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--json") from None
        if not isinstance(parsed, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--json")
        inputs.update(parsed)
    inputs.update(_pairs(params, "-p"))
    overrides = _pairs(base_uris, "--base-uri")

    async def run() -> Any:
        engine = Engine(
            load(file),
            base_uris=overrides,
            timeouts=Timeouts(total=timeout, connect=min(timeout, 10.0)),
        )
        try:
            return await engine.invoke(target, inputs)
        finally:
            await engine.close()

    try:
        result = asyncio.run(run())
    except SpecError as exc:
        _report(exc.diagnostics)
        sys.exit(1)
    except UpstreamError as exc:
        click.echo(f"error: {scrub(str(exc))}", err=True)
        body = exc.response.data if exc.response.data is not None else exc.response.text()
        text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
        click.echo(scrub(text), err=True)
        sys.exit(1)
    except NaftikoError as exc:
        click.echo(f"error: {scrub(str(exc))}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result.data, indent=2, ensure_ascii=False))


def _ports(values: tuple[str, ...]) -> dict[str, int]:
    ports: dict[str, int] = {}
    for name, text in _pairs(values, "--port").items():
        if not text.isdigit() or not 0 <= int(text) <= 65535:
            raise click.BadParameter(
                f"{name}={text}: the port must be a number from 0 to 65535 (0: any free port)",
                param_hint="--port",
            )
        ports[name] = int(text)
    return ports


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--host",
    envvar="NAFTIKO_HOST",
    show_envvar=True,
    help="Address every adapter binds to, instead of its `address` (default 127.0.0.1).",
)
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="NS=PORT",
    envvar="NAFTIKO_PORT",
    show_envvar=True,
    help="Serve adapter NS on PORT (repeatable; 0 picks a free port).",
)
@click.option(
    "--base-uri",
    "base_uris",
    multiple=True,
    metavar="NS=URL",
    envvar="NAFTIKO_BASE_URI",
    show_envvar=True,
    help="Point a consumes namespace elsewhere (repeatable). Also NAFTIKO_BASE_URI_<NS>.",
)
@click.option(
    "--timeout",
    type=float,
    default=30.0,
    show_default=True,
    envvar="NAFTIKO_TIMEOUT",
    show_envvar=True,
    help="Seconds to wait for an upstream answer.",
)
@click.option(
    "--request-timeout",
    type=float,
    default=60.0,
    show_default=True,
    envvar="NAFTIKO_REQUEST_TIMEOUT",
    show_envvar=True,
    help="Deadline in seconds for a whole inbound request (504 after it).",
)
@click.option(
    "--max-body-size",
    type=click.IntRange(min=0),
    default=10 * 1024 * 1024,
    show_default=True,
    envvar="NAFTIKO_MAX_BODY_SIZE",
    show_envvar=True,
    help="Largest request body accepted, in bytes (413 above).",
)
@click.option(
    "--max-header-size",
    type=click.IntRange(min=256),
    default=8190,
    show_default=True,
    envvar="NAFTIKO_MAX_HEADER_SIZE",
    show_envvar=True,
    help="Longest request line or header line, in bytes.",
)
@click.option(
    "--grace-period",
    type=float,
    default=30.0,
    show_default=True,
    envvar="NAFTIKO_GRACE_PERIOD",
    show_envvar=True,
    help="Seconds in-flight requests get to finish after SIGTERM or SIGINT.",
)
@click.option(
    "--control-port",
    type=click.IntRange(0, 65535),
    default=None,
    envvar="NAFTIKO_CONTROL_PORT",
    show_envvar=True,
    help="Serve /health/live, /health/ready, /status and /metrics on this port.",
)
@click.option(
    "--mock",
    "mocks",
    multiple=True,
    metavar="NS=SPEC",
    help="Serve OpenAPI document SPEC as a local mock and point namespace NS at it (offline).",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=None,
    envvar="NAFTIKO_RETRIES",
    show_envvar=True,
    help="Retries of an upstream call on 429/503 (and 502/504 when idempotent). Default 3.",
)
@click.option(
    "--max-in-flight",
    type=click.IntRange(min=1),
    default=None,
    envvar="NAFTIKO_MAX_IN_FLIGHT",
    show_envvar=True,
    help="Requests in flight per upstream namespace; the rest wait. Default 100.",
)
@click.option(
    "--mcp-stdio",
    "mcp_stdio",
    is_flag=False,
    flag_value="*",
    default=None,
    metavar="[NS]",
    help="Serve one MCP adapter (NS, or the only one) on stdin/stdout instead of the network.",
)
@click.option(
    "--mcp-stateless",
    is_flag=True,
    envvar="NAFTIKO_MCP_STATELESS",
    show_envvar=True,
    help="Issue no MCP sessions, so that replicas can share a load balancer.",
)
@click.option(
    "--mcp-allowed-host",
    "mcp_allowed_hosts",
    multiple=True,
    metavar="NAME",
    envvar="NAFTIKO_MCP_ALLOWED_HOSTS",
    show_envvar=True,
    help="A Host/Origin name MCP adapters accept besides localhost (repeatable).",
)
def run(
    files: tuple[str, ...],
    host: str | None,
    ports: tuple[str, ...],
    base_uris: tuple[str, ...],
    timeout: float,
    request_timeout: float,
    max_body_size: int,
    max_header_size: int,
    grace_period: float,
    control_port: int | None,
    mocks: tuple[str, ...],
    retries: int | None,
    max_in_flight: int | None,
    mcp_stdio: str | None,
    mcp_stateless: bool,
    mcp_allowed_hosts: tuple[str, ...],
) -> None:
    """Serve every adapter of every FILE until SIGTERM or SIGINT.

    Everything is loaded and checked before any port opens; on any error nothing starts
    and every error is listed (exit 1). Stopping drains in-flight requests (exit 0).

    Logging is set before the command: naftiko --log-level LEVEL (NAFTIKO_LOG_LEVEL)
    --log-format text|json (NAFTIKO_LOG_FORMAT) run FILE. One base URI also comes from
    NAFTIKO_BASE_URI_<NS>.
    """
    from naftiko.consume.client import Timeouts
    from naftiko.expose.httpserver import Limits
    from naftiko.expose.mcp.http import McpOptions
    from naftiko.expose.server import ServeOptions, prepare, serve, serve_mcp_stdio

    options = ServeOptions(
        host=host or None,
        ports=_ports(ports),
        base_uris=_pairs(base_uris, "--base-uri"),
        timeouts=Timeouts(total=timeout, connect=min(timeout, 10.0)),
        limits=Limits(max_body=max_body_size, max_header=max_header_size, deadline=request_timeout),
        grace=grace_period,
        mcp=McpOptions(stateless=mcp_stateless, allowed_hosts=mcp_allowed_hosts),
        resilience={
            k: v
            for k, v in (("retries", retries), ("max_in_flight", max_in_flight))
            if v is not None
        },
        mocks=_pairs(mocks, "--mock"),
        control_port=control_port,
    )
    if mcp_stdio is not None:
        namespace = None if mcp_stdio == "*" else mcp_stdio
        try:
            _event_loop_runner(lambda: serve_mcp_stdio(files, options, namespace))
        except SpecError as exc:
            _report(exc.diagnostics)
            sys.exit(1)
        except NaftikoError as exc:
            click.echo(f"error: {scrub(str(exc))}", err=True)
            sys.exit(1)
        return
    try:
        service = prepare(files, options)
    except SpecError as exc:
        _report(exc.diagnostics)
        click.echo(f"not started: {len(exc.diagnostics)} error(s)", err=True)
        sys.exit(1)

    async def main_task() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, _on_signal, stop, number)
        await serve(service, stop)

    try:
        _event_loop_runner(main_task)
    except NaftikoError as exc:
        click.echo(f"error: {scrub(str(exc))}", err=True)
        sys.exit(1)


def _on_signal(stop: asyncio.Event, number: int) -> None:
    if stop.is_set():
        log.warning("second %s: stopping now", signal.Signals(number).name)
        raise SystemExit(1)
    log.info("%s received", signal.Signals(number).name)
    stop.set()


def _event_loop_runner(main_task: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """asyncio.run, on uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main_task())
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main_task())


@main.group()
def export() -> None:
    """Write documents derived from a capability."""


@export.command("openapi")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--adapter", "namespace", metavar="NS", help="The REST adapter (if several).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
def export_openapi_command(file: str, namespace: str | None, output: str | None) -> None:
    """Print the OpenAPI 3.1 document of a REST adapter (no secrets are read)."""
    from naftiko.openapi.exporter import export_openapi, rest_adapter
    from naftiko.spec import load

    try:
        capability = load(file)
        document = export_openapi(capability, rest_adapter(capability, namespace))
    except SpecError as exc:
        _report(exc.diagnostics)
        sys.exit(1)
    except NaftikoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@main.command("mcp-config")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--client",
    type=click.Choice(["claude", "vscode", "cursor"]),
    default="claude",
    show_default=True,
    help="The MCP client whose configuration format to print.",
)
@click.option("--adapter", "namespace", metavar="NS", help="The MCP adapter (if several).")
@click.option(
    "--http",
    "http_url",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[URL]",
    help="Connect over HTTP (to URL, or the adapter's own address) instead of stdio.",
)
def mcp_config(file: str, client: str, namespace: str | None, http_url: str | None) -> None:
    """Print the JSON that adds this capability's MCP adapter to an MCP client."""
    from naftiko.expose.mcp.client_config import client_config, default_url, mcp_adapter
    from naftiko.spec import load

    try:
        capability = load(file)
        adapter = mcp_adapter(capability, namespace)
    except SpecError as exc:
        _report(exc.diagnostics)
        sys.exit(1)
    except NaftikoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    url = None if http_url is None else (http_url or default_url(adapter))
    click.echo(json.dumps(client_config(capability, adapter, client, url), indent=2))


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, exists=True))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (0: a free one).")
def mock(spec: str, host: str, port: int) -> None:
    """Serve an OpenAPI document as a local upstream, answering each operation's example.

    Prints `listening PORT` on stdout once it accepts requests; runs until SIGTERM/SIGINT.
    """
    from aiohttp import web

    from naftiko.openapi.mock import MockApi, read_document

    try:
        api = MockApi(read_document(spec))
    except NaftikoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)

    async def main_task() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        runner = web.ServerRunner(api.server(), handle_signals=False, shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise NaftikoError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        bound = runner.addresses[0][1]
        log.info(
            "mock of %s: %d operation(s) on http://%s:%d%s",
            spec,
            api.count,
            host,
            bound,
            api.base_path,
        )
        click.echo(f"listening {bound}")
        sys.stdout.flush()
        await stop.wait()
        await runner.cleanup()

    try:
        _event_loop_runner(main_task)
    except NaftikoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@main.group("import")
def import_group() -> None:
    """Write capabilities from other descriptions."""


@import_group.command("openapi")
@click.argument("spec", type=click.Path(dir_okay=False, exists=True))
@click.option("--tag", "tags", multiple=True, help="Import this tag (repeatable; default: all).")
@click.option("--single", is_flag=True, help="One capability for every operation, not per tag.")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="A file (one capability) or a directory (one file per tag). Default: stdout.",
)
def import_openapi_command(
    spec: str, tags: tuple[str, ...], single: bool, output: str | None
) -> None:
    """Turn an OpenAPI 2.0/3.0/3.1 document (JSON or YAML) into capabilities, one per tag."""
    import yaml

    from naftiko.authoring.starter import HEADER, SCHEMA_FILE
    from naftiko.openapi.importer import import_openapi, slug, tags_of
    from naftiko.openapi.mock import read_document
    from naftiko.spec.schema import schema_text

    try:
        document = read_document(spec)
    except NaftikoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    known = tags_of(document)
    unknown = [t for t in tags if t not in known]
    if unknown:
        click.echo(
            f"error: unknown tag(s) {', '.join(unknown)}; tags: {', '.join(known)}", err=True
        )
        sys.exit(1)
    wanted: list[str | None] = [None] if single or not known else list(tags or known)
    capabilities = [(tag, import_openapi(document, tag)) for tag in wanted]

    def text(capability: dict[str, Any]) -> str:
        body = yaml.safe_dump(capability, sort_keys=False, allow_unicode=True, width=100)
        return HEADER + body

    def schema_beside(folder: Path) -> None:
        schema = folder / SCHEMA_FILE
        if not schema.exists():
            schema.write_text(schema_text(), encoding="utf-8")

    if output is None:
        click.echo("---\n".join(text(c) for _, c in capabilities), nl=False)
        return
    target = Path(output)
    if len(capabilities) == 1 and not target.is_dir():
        target.write_text(text(capabilities[0][1]), encoding="utf-8")
        schema_beside(target.parent)
        click.echo(f"wrote {target}", err=True)
        return
    target.mkdir(parents=True, exist_ok=True)
    schema_beside(target)
    for tag, capability in capabilities:
        namespace = capability["capability"]["consumes"][0]["namespace"]
        path = target / f"{namespace if tag else slug(namespace)}.yaml"
        path.write_text(text(capability), encoding="utf-8")
        click.echo(f"wrote {path}", err=True)


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
def schema(output: str | None) -> None:
    """Print the capability JSON Schema (point editors at it for completion and checks)."""
    from naftiko.spec.schema import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("name")
@click.option(
    "--from-openapi",
    "spec",
    type=click.Path(dir_okay=False, exists=True),
    help="Import every operation of this OpenAPI document instead of the starter.",
)
@click.option("-d", "--directory", type=click.Path(file_okay=False), default=".", show_default=True)
def init(name: str, spec: str | None, directory: str) -> None:
    """Write a commented, valid starter capability NAME.yaml that runs at once offline."""
    from naftiko.authoring.starter import write_starter
    from naftiko.openapi.mock import read_document

    try:
        document = read_document(spec) if spec else None
        written = write_starter(name, Path(directory), document)
    except NaftikoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Findings as text lines, JSON, or SARIF 2.1.0 for code-scanning tools.",
)
def lint(files: tuple[str, ...], fmt: str) -> None:
    """Advice the schema cannot give: naming, descriptions, unused binds, unreachable
    operations, plain-text secrets. Exit 1 when an error-level finding (or an invalid file)."""
    from naftiko.authoring.lint import lint as lint_document
    from naftiko.authoring.sarif import sarif
    from naftiko.spec import check

    findings: list[Diagnostic] = []
    for file in files:
        try:
            doc = check(file)
        except SpecError as exc:
            findings.extend(exc.diagnostics)
            continue
        findings.extend(doc.errors)
        findings.extend(lint_document(doc))
    failed = any(f.severity == "error" for f in findings)
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], indent=2))
    elif fmt == "sarif":
        click.echo(json.dumps(sarif(findings, __version__), indent=2))
    else:
        _report(findings)
        click.echo(f"{len(findings)} finding(s) in {len(files)} file(s)", err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--target",
    type=click.Choice(["docker", "compose", "kubernetes"]),
    required=True,
    help="docker: a Dockerfile baking the capability; compose: plus compose.yaml; "
    "kubernetes: Deployment, Services and a Secret of the bound variables.",
)
@click.option(
    "-o", "--output", type=click.Path(file_okay=False), default="deploy", show_default=True
)
@click.option(
    "--replicas",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Replicas (Kubernetes); more than one makes MCP adapters stateless.",
)
def deploy(file: str, target: str, output: str, replicas: int) -> None:
    """Write what runs FILE as one container. Secret values are never written, only names."""
    from naftiko.authoring.deploy import write
    from naftiko.spec import load

    try:
        written = write(load(file), target, Path(output), replicas)
    except SpecError as exc:
        _report(exc.diagnostics)
        sys.exit(1)
    except NaftikoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}", err=True)
