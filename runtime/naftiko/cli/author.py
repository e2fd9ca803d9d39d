"""Commands that write or serve what authors need: init, schema, import, export,
mcp-config, deploy and mock."""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from naftiko.cli.group import base_uri_option, main, pairs

if TYPE_CHECKING:
    from naftiko.spec.model import Capability

log = logging.getLogger("naftiko.cli")


def _written(paths: list[Path]) -> None:
    for path in paths:
        click.echo(f"wrote {path}", err=True)


def _emit(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    _written([Path(output)])


def _dialect_option(
    help: str = "Write Naftiko 1.0.0-alpha2, or Ikanos 1.0.0-beta5.",
) -> Callable[[Any], Any]:
    """`--dialect alpha2|beta5`, the same on every command that writes or prints a file."""
    return click.option(
        "--dialect",
        type=click.Choice(["alpha2", "beta5"]),
        default="alpha2",
        show_default=True,
        help=help,
    )


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
    from naftiko.errors import SpecError
    from naftiko.openapi.exporter import export_openapi, rest_adapter
    from naftiko.pipeline import compile_plans, load

    compiled = load(file)
    engine = compile_plans(compiled, secrets=False)
    if engine is None:
        raise SpecError(compiled.diagnostics)
    document = export_openapi(engine, rest_adapter(engine.capability, namespace))
    _emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", output)


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
@click.option(
    "--install",
    is_flag=True,
    help="Write the entry into the client's config file (a timestamped backup is kept).",
)
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False),
    help="The config file --install edits, instead of the client's usual one.",
)
@click.option(
    "--mock",
    "mocks",
    multiple=True,
    metavar="NS=SPEC",
    help="The launched server answers NS from this OpenAPI document.",
)
@base_uri_option()
def mcp_config(
    file: str,
    client: str,
    namespace: str | None,
    http_url: str | None,
    install: bool,
    config_file: str | None,
    mocks: tuple[str, ...],
    base_uris: tuple[str, ...],
) -> None:
    """Print the JSON that adds this capability's MCP adapter to an MCP client, or with
    --install, add it to the client's config file (Claude Desktop's, Cursor's
    ~/.cursor/mcp.json, or VS Code's .vscode/mcp.json in this directory)."""
    import os
    import platform

    from naftiko.authoring import client_config as config
    from naftiko.spec import load

    capability = load(file)
    adapter = config.mcp_adapter(capability, namespace)
    url = None if http_url is None else (http_url or config.default_url(adapter))
    extra = _launch_arguments(capability, pairs(mocks, "--mock"), pairs(base_uris, "--base-uri"))
    if extra and url is not None:
        raise click.UsageError(
            "--mock and --base-uri go to the server a client launches; with --http, give "
            "them to the `naftiko run` that serves the URL"
        )
    snippet = config.client_config(capability, adapter, client, url, extra)
    if not install:
        click.echo(json.dumps(snippet, indent=2))
        return
    path = (
        Path(config_file)
        if config_file
        else config.config_path(client, os.environ, Path.home(), platform.system())
    )
    replaced, backup = config.install(snippet, path)
    verb = "replaced" if replaced else "added"
    click.echo(f"{verb} MCP server '{adapter.namespace}' in {path}", err=True)
    if backup is not None:
        click.echo(f"the previous file is kept as {backup}", err=True)
    if "<your " in json.dumps(snippet):
        click.echo(f"fill in each <your VARIABLE> in {path}, then restart the client", err=True)
    else:
        click.echo("restart the client to load it", err=True)


def _launch_arguments(
    capability: Capability, mocks: dict[str, str], base_uris: dict[str, str]
) -> list[str]:
    """`run` arguments for the launched server: namespaces checked, documents absolute."""
    known = {c.namespace for c in capability.consumes}
    for option, given in (("--mock", mocks), ("--base-uri", base_uris)):
        unknown = sorted(set(given) - known)
        if unknown:
            raise click.BadParameter(
                f"unknown namespace(s) {', '.join(unknown)}; consumes: "
                + (", ".join(sorted(known)) or "none"),
                param_hint=option,
            )
    found = [f"--mock={ns}={Path(spec).resolve()}" for ns, spec in mocks.items()]
    return found + [f"--base-uri={ns}={url}" for ns, url in base_uris.items()]


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, exists=True))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (0: a free one).")
def mock(spec: str, host: str, port: int) -> None:
    """Serve an OpenAPI document as a local upstream, answering each operation's example.

    Prints `listening PORT` on stdout once it accepts requests; runs until SIGTERM/SIGINT.
    """
    import asyncio

    from naftiko.openapi.mock import MockApi, read_document
    from naftiko.serve.loop import event_loop_runner

    api = MockApi(read_document(spec))

    async def main_task() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        async for bound in api.serve(host, port, stop):
            url = f"http://{host}:{bound}{api.base_path}"
            log.info("mock of %s: %d operation(s) on %s", spec, api.count, url)
            click.echo(f"listening {bound}")
            sys.stdout.flush()

    event_loop_runner(main_task)


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
@click.option(
    "--style",
    type=click.Choice(["openapi", "evangelist"]),
    default="openapi",
    show_default=True,
    help="openapi: names from operationIds (listPets -> list-pets); evangelist: consumed "
    "operations named from method and path, tools from summaries, as the API Evangelist "
    "and Kombo files are.",
)
@_dialect_option()
def import_openapi_command(
    spec: str, tags: tuple[str, ...], single: bool, output: str | None, style: str, dialect: str
) -> None:
    """Turn an OpenAPI 2.0/3.0/3.1 document (JSON or YAML) into capabilities, one per tag.

    Parameters and bodies keep the API's types, enums, bounds and formats; tools get typed
    outputs from the success response's schema.
    """
    from naftiko.authoring.dialect import in_dialect
    from naftiko.authoring.imported import imported, write_imported

    found = [(tag, in_dialect(text, dialect)) for tag, text in imported(spec, tags, single, style)]
    if output is None:
        click.echo("---\n".join(text for _, text in found), nl=False)
        return
    _written(write_imported(found, Path(output), dialect))


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@_dialect_option("The schema of Naftiko 1.0.0-alpha2 files, or of Ikanos beta files.")
def schema(output: str | None, dialect: str) -> None:
    """Print the capability JSON Schema (point editors at it for completion and checks)."""
    from naftiko.spec.beta_schema import beta_schema_text
    from naftiko.spec.schema import schema_text

    _emit(schema_text() if dialect == "alpha2" else beta_schema_text(), output)


@main.command()
@click.argument("name")
@click.option(
    "--from-openapi",
    "spec",
    type=click.Path(dir_okay=False, exists=True),
    help="Import every operation of this OpenAPI document instead of the starter.",
)
@click.option("-d", "--directory", type=click.Path(file_okay=False), default=".", show_default=True)
@_dialect_option()
def init(name: str, spec: str | None, directory: str, dialect: str) -> None:
    """Write a commented, valid starter capability NAME.yaml that runs at once offline."""
    from naftiko.authoring.starter import next_steps, write_starter
    from naftiko.openapi.mock import read_document

    document = read_document(spec) if spec else None
    source = Path(spec) if spec else None
    written = write_starter(name, Path(directory), document, dialect, source)
    _written(written)
    documents = [p for p in written[1:] if not p.name.endswith(".schema.json")]
    upstream = documents[0] if documents else source
    click.echo("next:", err=True)
    for step in next_steps(written[0], upstream):
        click.echo(f"  {step}", err=True)


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
    help="Replicas (Kubernetes, with an autoscaler and a disruption budget past one); more "
    "than one makes MCP adapters stateless unless --state shares their sessions.",
)
@click.option(
    "--state",
    is_flag=True,
    help="Replicas share MCP sessions, limits and the cache through Redis (compose adds a "
    "Redis service; Kubernetes reads its URL from the Secret).",
)
@click.option("--force", is_flag=True, help="Overwrite files a previous deploy wrote.")
def deploy(file: str, target: str, output: str, replicas: int, state: bool, force: bool) -> None:
    """Write what runs FILE as one container. Secret values are never written, only names.

    Existing files are left alone (nothing is written) unless --force is given.
    """
    from naftiko.authoring.deploy import write
    from naftiko.spec import load

    written, steps = write(load(file), target, Path(output), replicas, force=force, state=state)
    _written(written)
    click.echo("next:", err=True)
    for number, step in enumerate(steps, 1):
        click.echo(f"  {number}. {step}", err=True)
