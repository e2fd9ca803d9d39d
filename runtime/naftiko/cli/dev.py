"""`naftiko dev FILE`: the loop for authoring a capability.

It serves as `run --watch` does, with the access log on and every upstream that an OpenAPI
document beside the file describes mocked from it (`--no-mock` calls the real ones). A file
that does not load yet is not the end: its errors are printed, and it is loaded again each
time it changes, until it serves.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from naftiko.cli.group import base_uri_option, main, pairs, ports_of

if TYPE_CHECKING:
    from naftiko.serve.assembly import ServeOptions
    from naftiko.serve.server import Service

log = logging.getLogger("naftiko.dev")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--port", "ports", multiple=True, metavar="NS=PORT", help="Move an adapter.")
@base_uri_option()
@click.option(
    "--mock",
    "mocks",
    multiple=True,
    metavar="NS=SPEC",
    help="Serve a namespace from this OpenAPI document (besides those found beside FILE).",
)
@click.option("--no-mock", is_flag=True, help="Call the real upstreams, mock none.")
@click.option("--control-port", type=click.IntRange(0, 65535), help="Serve a control port.")
def dev(
    file: str,
    ports: tuple[str, ...],
    base_uris: tuple[str, ...],
    mocks: tuple[str, ...],
    no_mock: bool,
    control_port: int | None,
) -> None:
    """Serve FILE, reload it on every change, mock what OpenAPI documents beside it describe."""
    from naftiko.errors import SpecError
    from naftiko.observe import access
    from naftiko.pipeline import tell
    from naftiko.serve.assembly import ServeOptions, prepare
    from naftiko.serve.run import serve_here

    access.enabled = True
    chosen = pairs(mocks, "--mock")
    pointed = pairs(base_uris, "--base-uri")
    while True:
        options = ServeOptions(
            ports=ports_of(ports),
            base_uris=pointed,
            mocks={**_found_mocks(file, set(chosen) | set(pointed), no_mock), **chosen},
            control_port=control_port,
        )
        try:
            service = prepare([file], options)
        except SpecError as exc:
            for problem in exc.diagnostics:
                click.echo(str(problem), err=True)
            if any(d.code == "bind" for d in exc.diagnostics):
                click.echo(
                    "dev: a bound variable is not set: saving the file cannot fix that; set it "
                    "(or fix its source file), then start dev again",
                    err=True,
                )
            click.echo(f"dev: {file} does not serve yet; fix it and save: it loads again", err=True)
            _wait_for_change(Path(file))
            continue
        break
    tell(service.findings)
    _say_upstreams(service, options)
    serve_here(service, [file], options, watch=True)


def _say_upstreams(service: Service, options: ServeOptions) -> None:
    """Which namespaces answer from a mock and which call the real upstream."""
    for engine in service.engines:
        for consumes in engine.capability.consumes:
            if consumes.namespace in options.mocks:
                continue  # said when the mock was chosen
            where = options.base_uris.get(consumes.namespace) or consumes.base_uri
            where = re.sub(r"//[^/@]*@", "//", where)  # never a user:password
            log.info(
                "dev: '%s' calls the real upstream at %s (--mock %s=SPEC answers it locally)",
                consumes.namespace,
                where,
                consumes.namespace,
            )


def _found_mocks(file: str, taken: set[str], no_mock: bool) -> dict[str, str]:
    """Namespaces an OpenAPI document beside FILE describes, unless told otherwise."""
    if no_mock:
        return {}
    from naftiko.authoring.described import described
    from naftiko.spec import load

    try:
        capability = load(file)
    except Exception:  # the file does not load yet: prepare says why
        return {}
    found = {ns: str(path) for ns, path in described(capability).items() if ns not in taken}
    for namespace, path in found.items():
        log.info("dev: '%s' is mocked from %s (--no-mock calls the real upstream)", namespace, path)
    return found


def _wait_for_change(path: Path) -> None:
    """Block until the file changes (Ctrl-C ends the wait, and the command)."""

    def stamp() -> int | None:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return None

    before = stamp()
    while stamp() == before:
        time.sleep(0.3)
    time.sleep(0.1)  # an editor writing in steps: let it finish
