"""`naftiko validate`, `lint` and `inspect`: what is in files and what is wrong, nothing served."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from naftiko.cli.group import main, once, report
from naftiko.errors import Diagnostic
from naftiko.observe.redact import scrub
from naftiko.version import __version__


def _dialect(file: str) -> str:
    """The Ikanos version a file declares, or "" for a naftiko file."""
    from naftiko.errors import SpecError
    from naftiko.spec import beta5
    from naftiko.spec.yaml import read

    try:
        data = read(Path(file)).data
    except SpecError:
        return ""
    return str(data["ikanos"]) if beta5.is_beta(data) else ""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--lenient",
    is_flag=True,
    help="For files written for other engines: disabled units and unknown keys are "
    "warnings, as `run` treats them.",
)
@click.option("--strict", is_flag=True, help="Every warning is an error.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print findings.",
)
def validate(files: tuple[str, ...], lenient: bool, strict: bool, fmt: str) -> None:
    """Check capability files as `run` would, without reading secrets or touching the network.

    Anything declared that would not serve as written (a disabled tool or route, an unknown
    key, a variable nothing defines) is an error. Files are checked together, as `run`
    serves them. Exit status is 0 when every file is valid, 1 otherwise.
    """
    from naftiko.serve.assembly import check
    from naftiko.spec.verdict import mode_of

    if lenient and strict:
        raise click.UsageError("--lenient and --strict contradict each other; give one")
    once(files)
    checked = check(files, mode_of(lenient=lenient, strict=strict))
    failed = 0
    files_report: list[dict[str, Any]] = []
    for file in files:
        diagnostics = checked.get(file, [])
        errors = [d for d in diagnostics if d.severity == "error"]
        failed += bool(errors)
        if fmt == "json":
            files_report.append(
                {
                    "file": file,
                    "valid": not errors,
                    "diagnostics": [d.as_dict() for d in diagnostics],
                }
            )
            continue
        report(diagnostics)
        warnings = len(diagnostics) - len(errors)
        status = "invalid" if errors else "valid"
        dialect = _dialect(file)
        read_as = f", read as Ikanos {dialect}" if dialect else ""
        click.echo(f"{file}: {status} ({len(errors)} error(s), {warnings} warning(s){read_as})")
        if dialect:
            click.echo(f"  to convert it: naftiko migrate {file} --to alpha2 -o FILE", err=True)
    if fmt == "json":
        click.echo(json.dumps({"valid": not failed, "files": files_report}, indent=2))
    sys.exit(1 if failed else 0)


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
    from naftiko.authoring.lint import lint_file
    from naftiko.authoring.sarif import sarif

    findings: list[Diagnostic] = []
    for file in files:
        findings.extend(lint_file(file))
    failed = any(f.severity == "error" for f in findings)
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], indent=2))
    elif fmt == "sarif":
        click.echo(json.dumps(sarif(findings, __version__), indent=2))
    else:
        for found in findings:  # each with its rule id, to look up or to silence
            click.echo(scrub(f"{found} [{found.code}]" if found.code else str(found)), err=True)
        click.echo(f"{len(findings)} finding(s) in {len(files)} file(s)", err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Text for people, JSON for scripts.",
)
def inspect(file: str, fmt: str) -> None:
    """Show what FILE offers: adapters and URLs, routes, tools and inputs, call targets,
    the binds it needs and what is disabled. Secrets are not read.
    """
    from naftiko.authoring.inspect import as_text, describe
    from naftiko.errors import SpecError
    from naftiko.pipeline import compile_plans, load

    compiled = load(file)
    if compile_plans(compiled, secrets=False) is None or compiled.errors:
        raise SpecError(compiled.diagnostics)
    described = describe(compiled)
    if fmt == "json":
        click.echo(json.dumps(described, indent=2, ensure_ascii=False))
    else:
        click.echo(as_text(described), nl=False)
