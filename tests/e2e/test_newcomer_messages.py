"""What a newcomer is told about the usual slips, by `validate` and by `run` alike.

Each slip is made in a copy of examples/quickstart.yaml: `exposes`, `method` and
`operations` misspelled, a template variable misspelled, a template left unclosed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, clean_env, naftiko_cli

QUICKSTART = ROOT / "examples" / "quickstart.yaml"
PORTS = ["--port", "quickstart-rest=0", "--port", "quickstart=0"]


def slip(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = QUICKSTART.read_text(encoding="utf-8")
    assert old in text
    shutil.copy(QUICKSTART.with_name("quickstart.env"), tmp_path / "quickstart.env")
    path = tmp_path / "slip.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def test_misspelled_exposes_is_an_error_that_suggests_the_key(tmp_path: Path) -> None:
    path = slip(tmp_path, "  exposes:", "  exposed:")
    for done in (naftiko_cli("validate", str(path)), naftiko_cli("run", str(path))):
        assert done.returncode == 1
        assert "did you mean 'exposes'?" in done.stderr + done.stdout
    ran = naftiko_cli("run", str(path))
    assert "serves nothing" in ran.stderr  # why run refuses
    assert "listening" not in ran.stderr
    checked = naftiko_cli("validate", str(path))
    assert "serves nothing" not in checked.stderr  # the slip is the one mistake
    assert "(1 error(s)" in checked.stdout


def test_misspelled_method_names_the_key_and_run_says_what_is_disabled(
    tmp_path: Path, naftiko_run
) -> None:
    path = slip(tmp_path, "              method: GET", "              methd: GET")
    checked = naftiko_cli("validate", str(path))
    assert checked.returncode == 1
    assert "slip.yaml:30:15: error" in checked.stderr
    assert "did you mean 'method'?" in checked.stderr
    lenient = naftiko_cli("validate", "--lenient", str(path))
    assert lenient.returncode == 0
    assert "slip.yaml:30:15: warning" in lenient.stderr
    running = naftiko_run(str(path), *PORTS, env=clean_env())
    log = running.log()
    assert "slip.yaml: 1 warning(s), 2 unit(s) disabled" in log  # one slip, one finding
    assert "did you mean 'method'?" in log
    assert "disabled: quickstart.get-ship" in log
    assert log.index("disabled:") < log.index("listening")


def test_undefined_template_variable_is_an_error_at_its_field(tmp_path: Path) -> None:
    path = slip(tmp_path, "Hello, {{name}}!", "Hello, {{nme}}!")
    done = naftiko_cli("validate", str(path))
    assert done.returncode == 1
    assert "slip.yaml:60:23: error" in done.stderr
    assert "template variable 'nme'" in done.stderr
    assert "did you mean '{{name}}'?" in done.stderr
    assert naftiko_cli("validate", "--lenient", str(path)).returncode == 0


def test_unclosed_template_is_an_error_for_validate_as_for_run(tmp_path: Path) -> None:
    path = slip(tmp_path, "Hello, {{name}}!", "Hello, {{name}!")
    for args in (["validate"], ["validate", "--lenient"], ["run", *PORTS]):
        done = naftiko_cli(*args, str(path))
        assert done.returncode == 1
        assert "slip.yaml:60:23: error" in done.stderr
        assert "unclosed '{{'" in done.stderr


def test_misspelled_operations_is_an_error_that_suggests_the_key(tmp_path: Path) -> None:
    path = slip(tmp_path, "          operations:", "          opertions:")
    for args in (["validate"], ["run", *PORTS]):
        done = naftiko_cli(*args, str(path))
        assert done.returncode == 1
        assert "missing required key 'operations'" in done.stderr
    assert "did you mean 'operations'?" in naftiko_cli("validate", str(path)).stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_shared_consumes_file_validates_but_does_not_run(tmp_path: Path, command) -> None:
    shared = tmp_path / "shared.yaml"
    shared.write_text(
        'naftiko: "1.0.0-alpha2"\nconsumes:\n  - namespace: up\n    type: http\n'
        "    baseUri: http://127.0.0.1:9\n    resources:\n      - name: r\n        path: /r\n"
        "        operations:\n          - name: get\n            method: GET\n",
        encoding="utf-8",
    )
    done = naftiko_cli(command, str(shared))
    assert done.returncode == (0 if command == "validate" else 1)
    if command == "run":
        assert "shared consumes file serves nothing on its own" in done.stderr


def test_no_hint_is_printed_twice(tmp_path: Path) -> None:
    from naftiko.authoring.starter import write_starter

    write_starter("shop", tmp_path)
    done = naftiko_cli("run", str(tmp_path / "shop.yaml"), env=clean_env())
    assert done.returncode == 1
    hints = re.findall(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)\s*$", done.stderr, re.MULTILINE)
    assert hints and len(hints) == len(set(hints)), done.stderr
    assert done.stderr.count("start again") == 1
