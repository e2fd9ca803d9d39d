"""Which OpenAPI document beside a capability describes each upstream (what `dev` mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import KOMBO, ROOT
from naftiko.authoring.described import described
from naftiko.spec import load


def test_kombos_document_describes_its_general_file() -> None:
    found = described(load(KOMBO / "kombo-general.yaml"))
    assert found == {"kombo-general": KOMBO / "kombo-openapi.json"}


def test_a_yaml_document_whose_server_is_the_base_uri(tmp_path: Path) -> None:
    for name in ("quickstart.yaml", "quickstart.env", "registry.openapi.yaml"):
        shutil.copyfile(ROOT / "examples" / name, tmp_path / name)
    assert described(load(tmp_path / "quickstart.yaml")) == {
        "registry": tmp_path / "registry.openapi.yaml"
    }


def test_a_document_for_another_server_describes_nothing(tmp_path: Path) -> None:
    for name in ("quickstart.yaml", "quickstart.env"):
        shutil.copyfile(ROOT / "examples" / name, tmp_path / name)
    (tmp_path / "other.json").write_text(
        '{"openapi": "3.0.3", "servers": [{"url": "https://elsewhere.test"}], "paths": {}}'
    )
    (tmp_path / "notes.yaml").write_text("just: notes\n")
    assert described(load(tmp_path / "quickstart.yaml")) == {}
