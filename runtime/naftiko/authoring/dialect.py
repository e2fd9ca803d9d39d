"""Writing new files in either dialect: alpha2 as generated, or Ikanos beta5 migrated from it,
with the matching schema beside them for editors."""

from __future__ import annotations

from pathlib import Path

from naftiko.authoring.migrate import migrate
from naftiko.spec.beta_schema import beta_schema_text
from naftiko.spec.schema import schema_text

DIALECTS = ("alpha2", "beta5")
SCHEMAS = {"alpha2": "capability.schema.json", "beta5": "capability-beta5.schema.json"}


def in_dialect(text: str, dialect: str) -> str:
    """Generated alpha2 text in ``dialect``; its editor header names that dialect's schema."""
    if dialect == "alpha2":
        return text
    converted = migrate(text, "beta5").text
    return converted.replace(SCHEMAS["alpha2"], SCHEMAS["beta5"], 1)


def schema_beside(folder: Path, dialect: str) -> Path | None:
    """The schema file written beside new files (None when one is there already)."""
    path = folder / SCHEMAS[dialect]
    if path.exists():
        return None
    path.write_text(schema_text() if dialect == "alpha2" else beta_schema_text(), "utf-8")
    return path
