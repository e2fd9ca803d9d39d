"""`naftiko call`: invoke one target once and print its shaped result."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import click

from naftiko.cli.group import base_uri_option, main, pairs, timeout_option
from naftiko.errors import SpecError

log = logging.getLogger("naftiko.cli")


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
@base_uri_option()
@timeout_option("Seconds to wait for the upstream.")
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
    from naftiko.engine import Timeouts
    from naftiko.pipeline import compile_plans, finding, load, tell

    inputs: dict[str, Any] = {}
    if json_args:
        try:
            parsed = json.loads(json_args)
        except ValueError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--json") from None
        if not isinstance(parsed, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--json")
        inputs.update(parsed)
    inputs.update(pairs(params, "-p"))
    compiled = load(file)
    engine = compile_plans(
        compiled,
        base_uris=pairs(base_uris, "--base-uri"),
        timeouts=Timeouts(total=timeout, connect=min(timeout, 10.0)),
    )
    if engine is None:
        raise SpecError(compiled.diagnostics)
    tell([finding(compiled)])

    async def run() -> Any:
        try:
            return await engine.invoke(target, inputs)
        finally:
            await engine.close()

    result = asyncio.run(run())
    click.echo(json.dumps(result.data, indent=2, ensure_ascii=False))
