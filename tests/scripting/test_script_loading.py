"""What `validate` says about script steps, each on the line of the key at fault; what it
accepts, `run` starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, naftiko_cli
from naftiko.serve.assembly import check

SCRIPTS = ROOT / "examples" / "script-steps" / "scripts"
HEAD = """\
naftiko: "1.0.0-alpha2"
info:
  label: Loading
  description: Script steps as they load.
capability:
  exposes:
    - type: control
      port: 0
      management:
        scripting:
{scripting}
    - type: mcp
      port: 0
      namespace: tools
      description: Tools.
      tools:
        - name: compute
          description: Computes.
          inputParameters:
            - name: n
              type: number
              description: A number.
          steps:
            - type: script
              name: calc
{step}
          mappings:
            - targetName: value
              value: "$.calc"
          outputParameters:
            - name: value
              type: number
"""
DEFAULTS = "          defaultLocation: file:///./scripts\n          defaultLanguage: javascript"
JS = "              file: calc.js"


def written(tmp_path: Path, step: str = JS, scripting: str = DEFAULTS, **files: str) -> Path:
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    (tmp_path / "scripts" / "calc.js").write_text("result = context.n * 2;\n", "utf-8")
    (tmp_path / "scripts" / "calc.py").write_text("result = context['n'] * 2\n", "utf-8")
    for name, text in files.items():
        (tmp_path / "scripts" / name.replace("__", ".")).write_text(text, "utf-8")
    path = tmp_path / "calc.yaml"
    path.write_text(HEAD.format(scripting=scripting, step=step), "utf-8")
    return path


def findings(path: Path) -> list[tuple[str, int, str]]:
    found = check([str(path)])[str(path)]
    return [(d.severity, d.line, d.message) for d in found]


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_a_well_formed_step_is_valid(tmp_path) -> None:
    assert findings(written(tmp_path)) == []


def test_a_missing_file_is_named_on_its_line(tmp_path) -> None:
    path = written(tmp_path, "              file: nowhere.js")
    [(severity, line, message)] = findings(path)
    assert severity == "error" and "no script file 'nowhere.js'" in message
    assert line == line_of(path, "file: nowhere.js")


def test_a_missing_directory_is_named_on_its_line(tmp_path) -> None:
    path = written(tmp_path, JS + "\n              location: file:///./gone")
    [(_, line, message)] = findings(path)
    assert "is not a directory" in message and line == line_of(path, "location: file:///./gone")


def test_a_file_outside_its_location_is_refused(tmp_path) -> None:
    (tmp_path / "secret.js").write_text("result = 1", "utf-8")
    path = written(tmp_path, JS + "\n              dependencies:\n                - ../secret.js")
    [(_, line, message)] = findings(path)
    assert "outside its location" in message
    assert line == line_of(path, "dependencies:")


def test_a_language_not_allowed_is_refused(tmp_path) -> None:
    scripting = DEFAULTS + "\n          allowedLanguages:\n            - python"
    path = written(tmp_path, scripting=scripting)
    [(_, line, message)] = findings(path)
    assert "not among the allowed languages (python)" in message
    assert line == line_of(path, "- type: script")


def test_groovy_is_refused_naming_what_runs(tmp_path) -> None:
    path = written(tmp_path, JS + "\n              language: groovy")
    [(_, line, message)] = findings(path)
    assert "groovy" in message and "javascript and python" in message
    assert line == line_of(path, "language: groovy")


def test_disabled_scripting_refuses_a_step_that_needs_it(tmp_path) -> None:
    path = written(tmp_path, scripting=DEFAULTS + "\n          enabled: false")
    [(_, line, message)] = findings(path)
    assert "scripting is disabled" in message and line == line_of(path, "- type: script")


def test_the_environment_switch_applies_only_when_the_file_is_silent(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NAFTIKO_SCRIPTING", "false")
    silent = written(tmp_path / "a")
    assert "scripting is disabled" in findings(silent)[0][2]
    spoken = written(tmp_path / "b", scripting=DEFAULTS + "\n          enabled: true")
    assert findings(spoken) == []


def test_a_javascript_syntax_error_names_the_file_and_line(tmp_path) -> None:
    path = written(tmp_path, calc__js="var x = 1;\nresult = ;\n")
    [(_, line, message)] = findings(path)
    assert "does not compile: calc.js:2: SyntaxError" in message
    assert line == line_of(path, "file: calc.js")


def test_a_python_script_the_sandbox_refuses_fails_at_load(tmp_path) -> None:
    step = "              language: python\n              file: calc.py"
    path = written(tmp_path, step, calc__py="x = ().__class__\n")
    [(_, line, message)] = findings(path)
    assert "does not compile" in message and '"__class__"' in message
    assert line == line_of(path, "file: calc.py")


def test_no_language_and_no_default_is_refused(tmp_path) -> None:
    path = written(tmp_path, scripting="          defaultLocation: file:///./scripts")
    [(_, _, message)] = findings(path)
    assert "has no language" in message


@pytest.mark.parametrize("command", ["validate"])
def test_validate_says_valid_for_a_good_file_and_names_a_bad_one(tmp_path, command) -> None:
    good = naftiko_cli(command, str(written(tmp_path / "good")))
    assert good.returncode == 0, good.stdout + good.stderr
    bad = naftiko_cli(command, str(written(tmp_path / "bad", "              file: nowhere.js")))
    assert bad.returncode == 1
    assert "nowhere.js" in bad.stdout + bad.stderr
