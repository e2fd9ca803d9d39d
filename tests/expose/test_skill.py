"""The SKILL adapter: catalog, detail, files, download; references checked at load."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from conftest import FIXTURES, raw_request
from naftiko.spec import check

SKILLS = FIXTURES / "skills.yaml"


@pytest.fixture
def catalog(serve_capability) -> str:
    return serve_capability(SKILLS)["shop-skills"]


def test_catalog_lists_skills_in_order(catalog: str) -> None:
    found = httpx.get(f"{catalog}/skills").json()
    assert found["count"] == 2
    assert found["skills"][0] == {
        "name": "item-ops",
        "description": "Look items up.",
        "license": "Apache-2.0",
        "tools": ["get-item", "read-item", "flags"],
    }


def test_detail_shows_derived_and_instruction_tools(catalog: str) -> None:
    tools = httpx.get(f"{catalog}/skills/item-ops").json()["tools"]
    assert tools[0]["invocationRef"] == {
        "targetNamespace": "shop-tools",
        "action": "get-item",
        "mode": "mcp",
    }
    assert tools[1]["invocationRef"]["mode"] == "rest"
    assert tools[2] == {
        "name": "flags",
        "description": "How to check flags.",
        "type": "instruction",
        "instruction": "guides/flags.txt",
    }


def test_contents_list_and_serve_files(catalog: str) -> None:
    files = httpx.get(f"{catalog}/skills/item-ops/contents").json()["files"]
    assert [f["path"] for f in files] == ["SKILL.md", "guides/flags.txt"]
    answer = httpx.get(f"{catalog}/skills/item-ops/contents/guides/flags.txt")
    assert answer.text == "Check the flag state.\n"
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_download_zips_the_directory(catalog: str) -> None:
    answer = httpx.get(f"{catalog}/skills/item-ops/download")
    assert answer.headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert sorted(names) == ["SKILL.md", "guides/flags.txt"]


def test_unknown_skill_and_missing_files_are_404(catalog: str) -> None:
    assert httpx.get(f"{catalog}/skills/nope").status_code == 404
    assert httpx.get(f"{catalog}/skills/empty/contents").status_code == 404
    assert httpx.get(f"{catalog}/skills/item-ops/contents/missing.md").status_code == 404


@pytest.mark.parametrize("path", ["..%2Fskills.yaml", "%2e%2e/skills.yaml", "guides%2F..%2F.."])
def test_paths_cannot_leave_the_skill_directory(catalog: str, path: str) -> None:
    reply = raw_request(catalog, f"GET /skills/item-ops/contents/{path} HTTP/1.1")
    assert reply.split(b" ")[1] in (b"400", b"404")
    assert b"naftiko:" not in reply


def test_writes_are_refused(catalog: str) -> None:
    assert httpx.post(f"{catalog}/skills").status_code == 405


def test_unknown_action_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "skills.yaml"
    text = SKILLS.read_text(encoding="utf-8").replace("action: read-item", "action: read-items")
    path.write_text(text, encoding="utf-8")
    errors = [d for d in check(path).errors if d.code == "skill-tool"]
    assert len(errors) == 1
    assert "read-item" in errors[0].hint
    assert errors[0].field.endswith("from.action")
