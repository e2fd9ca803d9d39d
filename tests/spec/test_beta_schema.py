"""Our JSON Schema for Ikanos beta files, derived from the alpha2 one by the differences."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import FIXTURES, clean_env, naftiko_cli
from naftiko.spec.beta_schema import beta_schema, beta_schema_text


def beta_files(corpus: Path) -> list[Path]:
    folder = corpus / "ikanos-beta5"
    return [p for p in sorted(folder.rglob("*.y*ml")) if p.name != "secrets.yaml"]


def test_every_ikanos_file_of_the_corpus_is_valid(corpus: Path) -> None:
    validator = Draft202012Validator(beta_schema())
    files = beta_files(corpus)
    assert len(files) >= 18
    for path in files:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert errors == [], (path, [e.message[:200] for e in errors[:3]])


def test_an_alpha2_file_is_not_an_ikanos_one() -> None:
    data = yaml.safe_load((FIXTURES / "shop.yaml").read_text(encoding="utf-8"))
    messages = [e.message for e in Draft202012Validator(beta_schema()).iter_errors(data)]
    assert "'ikanos' is a required property" in messages


def test_a_list_where_beta_keys_by_name_is_refused() -> None:
    data = {
        "ikanos": "1.0.0-beta5",
        "capability": {"exposes": [{"type": "mcp", "namespace": "x", "tools": [{"name": "t"}]}]},
    }
    assert list(Draft202012Validator(beta_schema()).iter_errors(data))


@pytest.mark.parametrize("dialect", ["alpha2", "beta5"])
def test_the_schema_command_prints_either(dialect: str) -> None:
    done = naftiko_cli("schema", "--dialect", dialect, env=clean_env())
    assert done.returncode == 0
    assert ('"ikanos"' in done.stdout) == (dialect == "beta5")
    if dialect == "beta5":
        assert done.stdout == beta_schema_text()
