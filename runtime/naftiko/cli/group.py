"""The command group, its logging options, and the one place errors become exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from naftiko import __version__
from naftiko.errors import Diagnostic, NaftikoError, SpecError, UpstreamError
from naftiko.observe.logging import LEVELS, configure
from naftiko.observe.redact import scrub

F = TypeVar("F", bound=Callable[..., Any])


def report(diagnostics: Sequence[Diagnostic]) -> None:
    """Findings on stderr, one per line, scrubbed."""
    for found in diagnostics:
        click.echo(scrub(str(found)), err=True)


def pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """`NAME=VALUE` options as a mapping; a usage error names the option."""
    found: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint=option)
        found[name] = rest
    return found


def base_uri_option(envvar: str | None = None) -> Callable[[F], F]:
    """`--base-uri NS=URL`, repeatable, for the commands that call upstreams."""
    return click.option(
        "--base-uri",
        "base_uris",
        multiple=True,
        metavar="NS=URL",
        envvar=envvar,
        show_envvar=envvar is not None,
        help="Point a consumes namespace elsewhere (repeatable). Also NAFTIKO_BASE_URI_<NS>.",
    )


def timeout_option(help: str) -> Callable[[F], F]:
    """`--timeout SECONDS` for an upstream answer (NAFTIKO_TIMEOUT)."""
    return click.option(
        "--timeout",
        type=float,
        default=30.0,
        show_default=True,
        envvar="NAFTIKO_TIMEOUT",
        show_envvar=True,
        help=help,
    )


class NaftikoGroup(click.Group):
    """Runs a command; a NaftikoError it raises is printed (scrubbed) and sets the exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SpecError as exc:
            report(exc.diagnostics)
            errors = sum(d.severity == "error" for d in exc.diagnostics)
            verb = "not started" if ctx.invoked_subcommand == "run" else "failed"
            click.echo(f"{verb}: {errors} error(s)", err=True)
            ctx.exit(exc.exit_code)
        except UpstreamError as exc:
            click.echo(f"error: {scrub(str(exc))}", err=True)
            body = exc.response.data if exc.response.data is not None else exc.response.text()
            text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
            click.echo(scrub(text), err=True)
            ctx.exit(exc.exit_code)
        except NaftikoError as exc:
            click.echo(f"error: {scrub(str(exc))}", err=True)
            ctx.exit(exc.exit_code)


@click.group(
    cls=NaftikoGroup,
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": None},
)
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
