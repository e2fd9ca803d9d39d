"""From text to a checked, immutable capability model. No network, no servers."""

from __future__ import annotations

from pathlib import Path

from naftiko.errors import SpecError
from naftiko.spec import beta5, imports, rules, schema, templates
from naftiko.spec.build import build
from naftiko.spec.document import Document
from naftiko.spec.model import Capability
from naftiko.spec.yaml import read

__all__ = ["Capability", "Document", "check", "load"]


def check(path: str | Path, *, strict: bool = False) -> Document:
    """Read, import, and validate a file; every finding is in ``Document.diagnostics``."""
    file = Path(path)
    source = read(file)
    translated = beta5.translate(source) if beta5.is_beta(source.data) else None
    if translated is not None:
        source = translated.source
    doc = Document(path=file.resolve(), main=source, data=source.data)
    if translated is not None:
        doc.dialect = translated.version
        _beta_findings(doc, translated)
    if rules.version(doc):
        imports.resolve(doc)
        schema.check(doc)
        rules.check(doc)
        templates.check_templates(doc)
    if strict:
        doc.diagnostics = [rules.strict(d) for d in doc.diagnostics]
    return doc


def _beta_findings(doc: Document, translated: beta5.Translated) -> None:
    if translated.version not in beta5.VERSIONS:
        doc.diag(
            "error",
            ("naftiko",),
            f"unsupported ikanos version {translated.version!r}",
            hint=f"naftiko-py reads ikanos {beta5.VERSIONS[0]} to {beta5.VERSIONS[-1]} "
            f"and naftiko {beta5.ALPHA2}",
            code="version",
        )
    for where, what in translated.dropped:
        doc.diag(
            "warning",
            where,
            f"{what}: not carried over from {translated.version}",
            hint="naftiko-py serves the rest of the file; this field has no effect",
            code="beta-dropped",
        )
    for where, what in translated.refused:
        doc.diag(
            "error",
            where,
            f"{what} is not supported: the upstream would be reached through an overlay "
            "network this runtime does not join",
            hint="give the consumes entry a baseUri the runtime can reach directly",
            code="beta-unsupported",
        )


def load(path: str | Path, *, strict: bool = False) -> Capability:
    """Check a capability file and build its model; raise SpecError if anything breaks it."""
    doc = check(path, strict=strict)
    if doc.errors:
        raise SpecError(doc.diagnostics)
    return build(doc)
