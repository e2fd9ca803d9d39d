"""`naftiko migrate FILE --to beta5|alpha2`: a capability in the other dialect."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from naftiko.cli.group import main


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--to",
    "dialect",
    type=click.Choice(["beta5", "alpha2"]),
    required=True,
    help="beta5: Ikanos 1.0.0-beta5; alpha2: Naftiko 1.0.0-alpha2.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here (default: stdout)."
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def migrate(file: str, dialect: str, output: str | None, force: bool) -> None:
    """Rewrite FILE in another dialect, keeping its comments and key order.

    What the other dialect cannot say is listed on stderr. OUTPUT is written whole or not at
    all, and an existing one only with --force.
    """
    from naftiko.authoring.migrate import migrate as convert
    from naftiko.errors import NaftikoError

    source = Path(file)
    result = convert(source.read_text(encoding="utf-8"), dialect)
    for note in result.notes:
        click.echo(f"{file}: {note}", err=True)
    if output is None:
        click.echo(result.text, nl=False)
        return
    target = Path(output)
    if target.exists() and not force:
        raise NaftikoError(
            f"{output} already exists; nothing was written", hint="pass --force to overwrite it"
        )
    handle, scratch = tempfile.mkstemp(dir=target.parent or Path("."), prefix=".migrate-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(result.text)
    os.replace(scratch, target)
    click.echo(f"wrote {output} ({dialect})", err=True)
