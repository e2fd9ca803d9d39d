"""`naftiko import openapi`: capabilities written from an OpenAPI document, one per tag.

Each written file starts with the `yaml-language-server` line, and our schema is written
beside it (once) so that editors check and complete the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from naftiko import yamlio
from naftiko.authoring.dialect import schema_beside
from naftiko.authoring.starter import HEADER
from naftiko.errors import NaftikoError
from naftiko.jsontypes import dig
from naftiko.openapi.importer import import_openapi, slug, tags_of
from naftiko.openapi.mock import read_document


def imported(
    spec: str, tags: tuple[str, ...], single: bool, style: str = "openapi"
) -> list[tuple[str | None, str]]:
    """(tag, YAML text) of each capability the document gives."""
    document = read_document(spec)
    known = tags_of(document)
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise NaftikoError(
            f"unknown tag(s) {', '.join(unknown)}", hint=f"tags: {', '.join(known) or 'none'}"
        )
    wanted: list[str | None] = [None] if single or not known else list(tags or known)
    return [(tag, _text(import_openapi(document, tag, style=style))) for tag in wanted]


def write_imported(
    found: list[tuple[str | None, str]], output: Path, dialect: str = "alpha2"
) -> list[Path]:
    """Write to a file (one capability) or a directory (one file per tag); the paths written."""
    if len(found) == 1 and not output.is_dir():
        output.write_text(found[0][1], encoding="utf-8")
        schema_beside(output.parent, dialect)
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    schema_beside(output, dialect)
    written = []
    for tag, text in found:
        # the first namespace: where both dialects keep it
        namespace = dig(yamlio.loads(text), "capability", "consumes", 0, "namespace")
        if not isinstance(namespace, str):
            raise NaftikoError("an imported capability names no namespace to write it under")
        path = output / f"{namespace if tag else slug(namespace)}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _text(capability: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(capability, sort_keys=False, allow_unicode=True, width=100)
