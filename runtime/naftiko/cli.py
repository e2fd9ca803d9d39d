"""The `naftiko` command: parses arguments, calls the API, prints. Nothing more.

Results go to stdout; logs and errors go to stderr. Exit codes: 0 ok, 1 invalid or failed,
2 usage.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
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
