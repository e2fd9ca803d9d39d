"""`naftiko call`: invoke one target once and print its shaped result."""

from __future__ import annotations

import json
import logging
from typing import Any

import click

from naftiko.cli.group import base_uri_option, main, pairs, timeout_option
from naftiko.errors import SpecError
from naftiko.observe.redact import scrub_data

log = logging.getLogger("naftiko.cli")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("target", required=False)
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
@click.option(
    "--mock",
    "mocks",
    multiple=True,
    metavar="NS=SPEC",
    help="Answer namespace NS from OpenAPI document SPEC's examples instead (offline).",
)
def call(
    file: str,
    target: str | None,
    params: tuple[str, ...],
    json_args: str | None,
    base_uris: tuple[str, ...],
    timeout: float,
    mocks: tuple[str, ...],
) -> None:
    """Invoke one TARGET once and print its shaped JSON result; without TARGET, list them.

    TARGET is a consumed operation (NAMESPACE.OPERATION) or an exposed tool or REST
    operation (ADAPTER-NAMESPACE.NAME).
    """
    from naftiko.engine import Timeouts
    from naftiko.pipeline import compile_plans, finding, load, tell
    from naftiko.serve.assembly import ServeOptions, open_mocks

    if target is None:
        _list_targets(file)
        return

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
    given = ServeOptions(base_uris=pairs(base_uris, "--base-uri"), mocks=pairs(mocks, "--mock"))
    consumes = {c.namespace for c in compiled.capability.consumes} if compiled.capability else set()
    for namespace in sorted(set(given.mocks) - consumes):
        raise click.BadParameter(
            f"{namespace}: no such consumes namespace in {file} "
            f"(namespaces: {', '.join(sorted(consumes)) or 'none'})",
            param_hint="--mock",
        )
    opened, uris, problems = open_mocks(given)
    engine = compile_plans(
        compiled,
        base_uris=uris,
        timeouts=Timeouts(total=timeout, connect=min(timeout, 10.0)),
    )
    if engine is None or problems:
        for mock in opened:
            mock.sock.close()
        raise SpecError(problems + compiled.diagnostics)
    tell([finding(compiled)])

    async def run() -> Any:
        try:
            for mock in opened:
                await mock.start()
            return await engine.invoke(target, inputs)
        finally:
            await engine.close()
            for mock in opened:
                await mock.stop()

    import asyncio

    result = asyncio.run(run())
    # as the servers do: an upstream that echoes the credential it was sent shows no secret
    click.echo(json.dumps(scrub_data(result.data), indent=2, ensure_ascii=False))


def _list_targets(file: str) -> None:
    """`naftiko call FILE`: the targets and their inputs, so the next command can be typed."""
    from naftiko.authoring.inspect import target_lines, targets
    from naftiko.pipeline import compile_plans, load

    compiled = load(file)
    engine = compile_plans(compiled, secrets=False)
    if engine is None:
        raise SpecError(compiled.diagnostics)
    click.echo(f"{file}: call targets (name* is required)")
    click.echo("\n".join(target_lines(targets(engine))))
    click.echo(f"run one: naftiko call {file} TARGET -p NAME=VALUE ...")
