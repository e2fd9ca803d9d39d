"""`naftiko lint`: each rule fires on its violation, and the Naftiko tutorial is clean."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import FIXTURES, clean_env, naftiko_command

RULES = {
    "address-example",
    "baseuri-example",
    "baseuri-trailing-slash",
    "cache-not-get",
    "consumed-path-query",
    "control-singleton",
    "function-description",
    "mcp-auth-stdio",
    "oauth2-https",
    "oauth2-scopes",
    "plain-secret",
    "rest-path-query",
    "rest-path-trailing-slash",
    "step-name",
    "tool-description",
    "unreachable-operation",
    "unsafe-markup",
    "unused-bind",
}


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*naftiko_command(), "lint", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )


def test_every_rule_finds_its_violation_once() -> None:
    done = lint("--format", "json", str(FIXTURES / "lint-violations.yaml"))
    findings = json.loads(done.stdout)
    counts = Counter(f["code"] for f in findings if f["code"] in RULES)
    assert counts == Counter(dict.fromkeys(RULES, 1))
    assert all(f["line"] > 0 for f in findings)
    assert done.returncode == 1  # unsafe markup and two control adapters are errors


def test_secret_finding_never_repeats_the_value() -> None:
    done = lint(str(FIXTURES / "lint-violations.yaml"))
    assert "sk-live-written-in-the-file" not in done.stdout + done.stderr


def test_sarif_output_for_code_scanning() -> None:
    done = lint("--format", "sarif", str(FIXTURES / "lint-violations.yaml"))
    report = json.loads(done.stdout)
    assert report["version"] == "2.1.0"
    results = report["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= RULES
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["region"]["startLine"] > 0


def test_tutorial_files_are_clean(corpus: Path) -> None:
    files = sorted((corpus / "naftiko-tutorial").glob("step-*.yml"))
    done = lint("--format", "json", *map(str, files))
    assert done.returncode == 0
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("name", ["shop.yaml", "catalog.yaml"])
def test_clean_fixtures_stay_clean(name: str) -> None:
    done = lint("--format", "json", str(FIXTURES / name))
    codes = {f["code"] for f in json.loads(done.stdout)}
    assert not codes & {"plain-secret", "unsafe-markup", "control-singleton"}


def test_hints_and_methods_that_contradict_are_found_once_each() -> None:
    done = subprocess.run(
        [
            *naftiko_command(),
            "lint",
            "--format",
            "json",
            str(FIXTURES / "lint-contradictions.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    found = Counter(f["code"] for f in json.loads(done.stdout))
    assert found == {
        "hints-contradict": 1,
        "hints-contradict-method": 1,
        "hints-contradict-semantics": 1,
        "method-contradicts-semantics": 1,
    }


def test_text_output_shows_each_rule_id() -> None:
    done = lint(str(FIXTURES / "lint-violations.yaml"))
    lines = [line for line in done.stderr.splitlines() if ": warning: " in line]
    assert lines and all(line.endswith("]") for line in lines)
    assert any(line.endswith("[unused-bind]") for line in lines)
