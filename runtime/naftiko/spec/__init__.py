"""From text to a checked, immutable capability model. No network, no servers."""

from __future__ import annotations

from pathlib import Path

from naftiko.errors import SpecError
from naftiko.spec import imports, rules, schema
from naftiko.spec.build import build
from naftiko.spec.document import Document
from naftiko.spec.model import Capability
from naftiko.spec.yaml import read

__all__ = ["Capability", "Document", "check", "load"]


def check(path: str | Path, *, strict: bool = False) -> Document:
    """Read, import, and validate a file; every finding is in ``Document.diagnostics``."""
    file = Path(path)
    source = read(file)
    doc = Document(path=file.resolve(), main=source, data=source.data)
    if rules.version(doc):
        imports.resolve(doc)
        schema.check(doc)
        rules.check(doc)
    if strict:
        doc.diagnostics = [rules.strict(d) for d in doc.diagnostics]
    return doc


def load(path: str | Path, *, strict: bool = False) -> Capability:
    """Check a capability file and build its model; raise SpecError if anything breaks it."""
    doc = check(path, strict=strict)
    if doc.errors:
        raise SpecError(doc.diagnostics)
    return build(doc)
