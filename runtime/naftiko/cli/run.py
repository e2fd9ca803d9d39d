"""`naftiko run`: serve every adapter of every file until SIGTERM or SIGINT."""

from __future__ import annotations

from pathlib import Path

import click

from naftiko.cli.group import base_uri_option, main, once, pairs, ports_of, timeout_option


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
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
@base_uri_option("NAFTIKO_BASE_URI")
@timeout_option("Seconds to wait for an upstream answer.")
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
    "--max-header-total",
    type=click.IntRange(min=1024),
    default=64 * 1024,
    show_default=True,
    envvar="NAFTIKO_MAX_HEADER_TOTAL",
    show_envvar=True,
    help="Largest size of a request's header lines together, in bytes (431 above).",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    envvar="NAFTIKO_HEADER_TIMEOUT",
    show_envvar=True,
    help="Seconds a client has to send a request's headers; slower ones are disconnected.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    envvar="NAFTIKO_MAX_CONNECTIONS",
    show_envvar=True,
    help="Connections one adapter keeps open; new ones beyond are closed.",
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
    "--max-upstream-body",
    type=click.IntRange(min=1),
    default=None,
    envvar="NAFTIKO_MAX_UPSTREAM_BODY",
    show_envvar=True,
    help="Largest upstream answer read, in bytes once decompressed (502 above). Default 32 MiB.",
)
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    default=None,
    envvar="NAFTIKO_MAX_PAGES",
    show_envvar=True,
    help="Ceiling on the pages one followed list fetches, whatever its maxPages. Default 100.",
)
@click.option(
    "--max-paged-items",
    type=click.IntRange(min=1),
    default=None,
    envvar="NAFTIKO_MAX_PAGED_ITEMS",
    show_envvar=True,
    help="Ceiling on the items of one followed list, whatever its maxItems. Default 10000.",
)
@click.option(
    "--max-paged-bytes",
    type=click.IntRange(min=1),
    default=None,
    envvar="NAFTIKO_MAX_PAGED_BYTES",
    show_envvar=True,
    help="Ceiling on the bytes of one followed list's pages together. Default 16 MiB.",
)
@click.option(
    "--max-paging-seconds",
    type=click.FloatRange(min=0.1),
    default=None,
    envvar="NAFTIKO_MAX_PAGING_SECONDS",
    show_envvar=True,
    help="Ceiling on the time one followed list takes; the pages in are answered. Default 30.",
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
    "--allowed-host",
    "--mcp-allowed-host",
    "mcp_allowed_hosts",
    multiple=True,
    metavar="NAME",
    envvar=["NAFTIKO_ALLOWED_HOSTS", "NAFTIKO_MCP_ALLOWED_HOSTS"],
    show_envvar=True,
    help="A Host/Origin name adapters on a loopback address accept besides localhost "
    "(repeatable); others get 403.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    envvar="NAFTIKO_CORS_ORIGINS",
    show_envvar=True,
    help="Let web pages from ORIGIN (https://app.example, or *) call REST adapters "
    "(repeatable). Off when none is given.",
)
@click.option(
    "--state",
    "state_url",
    metavar="URL",
    envvar="NAFTIKO_STATE",
    show_envvar=True,
    help="Share MCP sessions, per-key limits and the response cache with other replicas "
    "through Redis (redis://host:6379/0). In-process when absent.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="NAFTIKO_WORKERS",
    show_envvar=True,
    help="Serve with N processes sharing the adapters' ports (each with its own event loop); "
    "the control port speaks for them all.",
)
@click.option(
    "--watch",
    is_flag=True,
    envvar="NAFTIKO_WATCH",
    show_envvar=True,
    help="Reload when a capability file (or a file it reads) changes, as SIGHUP does: new "
    "requests get the new plans if they are valid; else the old ones keep serving.",
)
@click.option(
    "--docs/--no-docs",
    default=True,
    show_default=True,
    envvar="NAFTIKO_DOCS",
    show_envvar=True,
    help="Interactive API docs (Swagger UI, served offline) at /docs on every REST adapter.",
)
@click.option("--worker-sockets", hidden=True)
@click.option("--worker-control", hidden=True)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    envvar="NAFTIKO_ACCESS_LOG",
    show_envvar=True,
    help="One info line per request: method, route, status, duration, bytes, upstream time.",
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
    max_header_total: int,
    header_timeout: float,
    max_connections: int,
    grace_period: float,
    control_port: int | None,
    mocks: tuple[str, ...],
    retries: int | None,
    max_in_flight: int | None,
    max_upstream_body: int | None,
    max_pages: int | None,
    max_paged_items: int | None,
    max_paged_bytes: int | None,
    max_paging_seconds: float | None,
    mcp_stdio: str | None,
    mcp_stateless: bool,
    mcp_allowed_hosts: tuple[str, ...],
    cors_origins: tuple[str, ...],
    state_url: str | None,
    workers: int,
    watch: bool,
    worker_sockets: str | None,
    worker_control: str | None,
    access_log: bool,
    docs: bool,
) -> None:
    """Serve every adapter of every FILE until SIGTERM or SIGINT.

    Everything is loaded and checked before any port opens; on any error nothing starts
    and every error is listed (exit 1). Stopping drains in-flight requests (exit 0).

    One base URI also comes from NAFTIKO_BASE_URI_<NS>.
    """
    from naftiko.engine import Timeouts, overrides
    from naftiko.expose.httpserver import Limits
    from naftiko.expose.mcp.http import McpOptions
    from naftiko.observe import access
    from naftiko.pipeline import tell
    from naftiko.serve import run as serving
    from naftiko.serve.assembly import ServeOptions, prepare

    access.enabled = access_log
    files, mcp_stdio = _files(files, mcp_stdio)
    options = ServeOptions(
        host=host or None,
        ports=ports_of(ports),
        base_uris=pairs(base_uris, "--base-uri"),
        timeouts=Timeouts(total=timeout, connect=min(timeout, 10.0)),
        limits=Limits(
            max_body=max_body_size,
            max_header=max_header_size,
            max_header_total=max(max_header_total, max_header_size),
            deadline=request_timeout,
            header_timeout=header_timeout,
            max_connections=max_connections,
        ),
        grace=grace_period,
        mcp=McpOptions(stateless=mcp_stateless, allowed_hosts=mcp_allowed_hosts),
        resilience=overrides(
            retries=retries,
            max_in_flight=max_in_flight,
            max_body=max_upstream_body,
            max_pages=max_pages,
            max_paged_items=max_paged_items,
            max_paged_bytes=max_paged_bytes,
            max_paging_seconds=max_paging_seconds,
        ),
        mocks=pairs(mocks, "--mock"),
        control_port=control_port,
        cors_origins=cors_origins,
        docs=docs,
        state=state_url or None,
    )
    if mcp_stdio is not None:
        serving.serve_stdio(files, options, None if mcp_stdio == "*" else mcp_stdio)
        return
    if worker_sockets is not None and worker_control is not None:
        serving.serve_as_worker(files, options, watch, worker_sockets, worker_control)
        return
    service = prepare(files, options)
    tell(service.findings)
    if workers > 1:
        refusal = serving.shared_sessions_refusal(service, workers, options)
        if refusal is not None:
            raise click.UsageError(refusal)
        code = serving.serve_group(service, workers, files, options, watch)
        if code:
            raise SystemExit(code)
        return
    serving.serve_here(service, files, options, watch)


def _files(files: tuple[str, ...], mcp_stdio: str | None) -> tuple[tuple[str, ...], str | None]:
    """The files to serve, each once; `--mcp-stdio FILE` means the file, not an adapter."""
    if mcp_stdio not in (None, "*") and _looks_like_file(mcp_stdio):
        files, mcp_stdio = (mcp_stdio, *files), "*"
    if not files:
        raise click.UsageError("give the capability file(s) to serve: naftiko run FILE...")
    once(files)
    return files, mcp_stdio


def _looks_like_file(value: str) -> bool:
    return Path(value).is_file() or value.endswith((".yaml", ".yml", ".json"))
