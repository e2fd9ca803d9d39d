"""The command group, its logging options, and the one place errors become exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from naftiko.errors import Diagnostic, NaftikoError, SpecError, UpstreamError
from naftiko.observe.logging import LEVELS, configure
from naftiko.observe.redact import scrub
from naftiko.version import __version__

F = TypeVar("F", bound=Callable[..., Any])


def report(diagnostics: Sequence[Diagnostic]) -> None:
    """Findings on stderr, one per line, scrubbed."""
    for found in diagnostics:
        click.echo(scrub(str(found)), err=True)


def once(files: Sequence[str]) -> None:
    """Files served (or checked) together are each given once; a repeat is a usage error,
    not the port clash it would otherwise become."""
    seen: dict[Path, str] = {}
    for file in files:
        key = Path(file).resolve()
        if key in seen:
            raise click.BadParameter(
                f"{file} is given twice"
                + (f" (also as {seen[key]})" if seen[key] != file else "")
                + "; give each file once",
                param_hint="FILES",
            )
        seen[key] = file


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


def _log_setting(key: str) -> Callable[[click.Context, click.Parameter, str | None], None]:
    """A callback that applies one logging setting as soon as it is parsed, wherever it was
    written: before the command (`naftiko --log-level debug run`) or after it."""

    def apply(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is None:
            return
        settings = ctx.meta.setdefault("naftiko.logging", {"level": "info", "format": "text"})
        settings[key] = value
        configure(settings["level"], settings["format"])

    return apply


def _log_options(*, envvar: bool) -> list[click.Option]:
    """The group's options read their variables; a command's only the flag, so that the
    flag beats its variable wherever it is written."""
    found = []
    for flag, key, choice, default, variable, text in (
        ("--log-level", "level", click.Choice(LEVELS, case_sensitive=False), "info",
         "NAFTIKO_LOG_LEVEL", "Least severe log level written to stderr."),
        ("--log-format", "format", click.Choice(["text", "json"]), "text",
         "NAFTIKO_LOG_FORMAT", "Log lines as text or as JSON objects."),
    ):  # fmt: skip
        found.append(
            click.Option(
                [flag],
                type=choice,
                default=default if envvar else None,
                envvar=variable if envvar else None,
                show_default=envvar,
                show_envvar=envvar,
                expose_value=False,
                is_eager=True,
                callback=_log_setting(key),
                help=text + ("" if envvar else f"  [env var: {variable}]"),
            )
        )
    return found


def with_log_options(command: click.Command) -> None:
    """`--log-level` and `--log-format` on ``command`` and every command below it, so that
    they work after the command name as well as before it."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_log_options(sub)
    names = {name for param in command.params for name in getattr(param, "opts", ())}
    if "--log-level" not in names:
        command.params.extend(_log_options(envvar=False))


@click.group(
    cls=NaftikoGroup,
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": None},
    params=_log_options(envvar=True),
)
@click.version_option(__version__, "--version", prog_name="naftiko")
def main() -> None:
    """Run Naftiko capability files: consume HTTP APIs, expose them as REST and MCP."""


def ports_of(values: tuple[str, ...]) -> dict[str, int]:
    ports: dict[str, int] = {}
    for name, text in pairs(values, "--port").items():
        if not text.isdigit() or not 0 <= int(text) <= 65535:
            raise click.BadParameter(
                f"{name}={text}: the port must be a number from 0 to 65535 (0: any free port)",
                param_hint="--port",
            )
        ports[name] = int(text)
    return ports
