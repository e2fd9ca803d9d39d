"""One table (spec/dialect.py) says how Ikanos beta differs from alpha2; the loader, the editor
schema and `naftiko migrate` all read it, so they agree on every file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conftest import FIXTURES
from naftiko.authoring.migrate import migrate
from naftiko.spec import beta5
from naftiko.spec.beta_schema import beta_schema
from naftiko.spec.dialect import DIALECT
from naftiko.spec.yaml import read

EVERY = FIXTURES / "dialects" / "every-difference.yaml"


def loaded(path: Path) -> Any:
    """The file as the loader reads it: translated into the alpha2 shape."""
    return beta5.translate(read(path)).source.data


def migrated(path: Path) -> Any:
    return yaml.safe_load(migrate(path.read_text(encoding="utf-8"), "alpha2").text)


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {str(k) for k in value} | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def test_the_fixture_uses_every_difference_of_the_table() -> None:
    written = keys_in(yaml.safe_load(EVERY.read_text(encoding="utf-8")))
    differences = {
        key
        for difference in DIALECT.values()
        for key in (*difference.renamed.values(), *difference.extended, *difference.beta_only)
    } - {"tunnel"}  # refused, not translated: a test of its own in test_beta5.py
    assert differences - written == set()


def test_the_loader_and_migrate_read_a_beta_file_alike() -> None:
    assert loaded(EVERY) == migrated(EVERY)


def test_every_beta_only_field_is_in_the_beta_schema() -> None:
    definitions = beta_schema()["$defs"]
    missing = [
        f"{kind}.{field}"
        for kind, difference in DIALECT.items()
        if kind in definitions
        for field in difference.beta_only
        if field not in (definitions[kind].get("properties") or {})
    ]
    assert missing == []


def test_what_alpha2_cannot_say_is_dropped_and_said() -> None:
    translated = beta5.translate(read(EVERY))
    said = {str(path[-1]) for path, _ in translated.dropped}
    dropped = {"version", "tags", "responses", "responseBinary", "binary", "maxBinarySize"}
    assert said == dropped | {"outputMediaType"}  # on a flow; a consumed one keeps it
    data = translated.source.data
    assert keys_in(data) & {"display", "flows", "target"} == set()
    assert data["capability"]["consumes"][0] == {"import": "stock", "location": "./stock.yaml"}


def test_the_loader_and_migrate_agree_on_the_corpus(corpus: Path) -> None:
    files = [
        p
        for p in sorted((corpus / "ikanos-beta5").rglob("*.y*ml"))
        if p.name != "secrets.yaml" and beta5.is_beta(read(p).data)
    ]
    assert len(files) >= 18
    assert [p.name for p in files if loaded(p) != migrated(p)] == []
