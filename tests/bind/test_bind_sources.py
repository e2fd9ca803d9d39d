"""Binds from the environment and from files relative to the capability file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naftiko.bind import resolve
from naftiko.errors import BindError
from naftiko.spec import load


def capability(tmp_path: Path, location: str | None, keys: str = "TOKEN: api-token") -> Path:
    where = f'    location: "{location}"\n' if location else ""
    text = (
        'naftiko: "1.0.0-alpha2"\n'
        "binds:\n"
        "  - namespace: secrets\n"
        f"{where}"
        "    keys:\n"
        f"      {keys}\n"
        "capability:\n"
        "  consumes:\n"
        "    - namespace: up\n      type: http\n      baseUri: http://127.0.0.1:9\n"
    )
    (tmp_path / "deploy").mkdir(exist_ok=True)
    path = tmp_path / "deploy" / "cap.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_source(tmp_path: Path) -> None:
    values = resolve(load(capability(tmp_path, None)), {"api-token": "t0k3n-env"})
    assert values["TOKEN"].reveal() == "t0k3n-env"
    assert values["secrets.TOKEN"].reveal() == "t0k3n-env"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("s.yaml", "api-token: t0k3n-file\n"),
        ("s.json", json.dumps({"api-token": "t0k3n-file"})),
        ("s.env", "# comment\nexport api-token='t0k3n-file'\n"),
    ],
)
def test_file_sources_are_relative_to_the_capability(
    tmp_path: Path, name: str, content: str
) -> None:
    (tmp_path / "deploy" / "shared").mkdir(parents=True)
    (tmp_path / "deploy" / "shared" / name).write_text(content, encoding="utf-8")
    path = capability(tmp_path, f"file:///./shared/{name}")
    assert resolve(load(path), {})["TOKEN"].reveal() == "t0k3n-file"


def test_directory_source_reads_one_file_per_key(tmp_path: Path) -> None:
    (tmp_path / "deploy" / "mounted").mkdir(parents=True)
    (tmp_path / "deploy" / "mounted" / "api-token").write_text("t0k3n-dir\n", encoding="utf-8")
    path = capability(tmp_path, "file://./mounted")
    assert resolve(load(path), {})["TOKEN"].reveal() == "t0k3n-dir"


def test_missing_key_names_variable_namespace_source_and_line(tmp_path: Path) -> None:
    path = capability(tmp_path, None)
    with pytest.raises(BindError) as caught:
        resolve(load(path), {})
    message = str(caught.value)
    assert "TOKEN" in message and "'secrets'" in message
    assert "environment variable api-token" in message
    assert f"{path.resolve()}:5:" in message


def test_missing_file_is_reported(tmp_path: Path) -> None:
    path = capability(tmp_path, "file:///./nope.yaml")
    with pytest.raises(BindError, match="file not found"):
        resolve(load(path), {})


def test_secrets_redact_themselves(tmp_path: Path) -> None:
    secret = resolve(load(capability(tmp_path, None)), {"api-token": "t0k3n-env"})["TOKEN"]
    assert "t0k3n" not in f"{secret} {secret!r} {[secret]}"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("api-token=t0k3n # the staging token\n", "t0k3n"),
        ('api-token="line one\\nline two"\n', "line one\nline two"),
        ('api-token="say \\"hi\\""\n', 'say "hi"'),
        ("api-token='kept # as written'\n", "kept # as written"),
        ("export api-token=${HOME}\n", "${HOME}"),  # no interpolation
    ],
    ids=["inline comment", "escaped newline", "escaped quote", "single quotes", "no expansion"],
)
def test_dotenv_files_read_as_python_dotenv_reads_them(
    tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "s.env").write_text(content, encoding="utf-8")
    path = capability(tmp_path, "file:///./s.env")
    assert resolve(load(path), {})["TOKEN"].reveal() == expected


@pytest.mark.parametrize("content", ["api-token\n", "= no key\n"], ids=["no value", "no key"])
def test_a_dotenv_line_that_cannot_be_read_is_named(tmp_path: Path, content: str) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "s.env").write_text("# first\n" + content, encoding="utf-8")
    path = capability(tmp_path, "file:///./s.env")
    with pytest.raises(BindError, match=r"not valid \.env: line 2 "):
        resolve(load(path), {})
