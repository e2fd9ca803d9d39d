"""Every real capability file in the corpus: alpha2 validates, alpha1 is refused by version."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import clean_env, naftiko_command
from naftiko import check


def naftiko_documents(corpus: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".yaml", ".yml"):
            continue
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        if isinstance(data, dict) and "naftiko" in data:
            found.setdefault(str(data["naftiko"]), []).append(path)
    return found


def validate(files: list[Path], *, lenient: bool = True) -> dict[str, dict]:
    """Each file on its own, as `naftiko validate [--lenient] FILE` reports it (files given
    together are served together, and the corpus's files share ports)."""
    report = {}
    for file in files:
        found = check(str(file), lenient=lenient)
        report[str(file)] = {
            "valid": not any(d.severity == "error" for d in found),
            "diagnostics": [d.as_dict() for d in found],
        }
    return report


def test_the_cli_reads_the_corpus_as_the_api_does(corpus: Path) -> None:
    files = naftiko_documents(corpus)["1.0.0-alpha2"][:3]
    for file in files:
        done = subprocess.run(
            [*naftiko_command(), "validate", "--lenient", "--format", "json", str(file)],
            capture_output=True,
            text=True,
            timeout=120,
            env=clean_env(),
            check=False,
        )
        [entry] = json.loads(done.stdout)["files"]
        assert entry["diagnostics"] == validate([file])[str(file)]["diagnostics"]


def test_every_corpus_document_validates_or_names_its_version(corpus: Path) -> None:
    documents = naftiko_documents(corpus)
    alpha2, alpha1 = documents.pop("1.0.0-alpha2"), documents.pop("1.0.0-alpha1")
    assert not documents, f"unexpected versions: {sorted(documents)}"
    assert len(alpha2) > 250 and len(alpha1) > 20

    results = validate(alpha2 + alpha1)

    failing = {
        f: [d for d in r["diagnostics"] if d["severity"] == "error"]
        for f, r in results.items()
        if not r["valid"] and Path(f) in alpha2
    }
    assert not failing, json.dumps(failing, indent=1)[:3000]
    for file in alpha1:
        errors = [d for d in results[str(file)]["diagnostics"] if d["severity"] == "error"]
        assert len(errors) == 1, file
        assert "1.0.0-alpha1" in errors[0]["message"]
        assert errors[0]["line"] >= 1


def calls_in(node: object) -> list[str]:
    """Every `call` value below ``node`` (outside `with` maps)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "call" and isinstance(value, str):
                found.append(value)
            elif key != "with":
                found.extend(calls_in(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(calls_in(value))
    return found


def dangling(path: Path) -> bool:
    capability = (
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader).get("capability") or {}
    )
    declared = {
        c.get("as") or c.get("namespace") or c.get("import")
        for c in capability.get("consumes") or []
    }
    declared |= {a.get("namespace") for a in capability.get("aggregates") or []}
    return any(c.split(".")[0] not in declared for c in calls_in(capability))


def test_dangling_calls_and_repeated_consumes_are_warnings(corpus: Path) -> None:
    alpha2 = naftiko_documents(corpus)["1.0.0-alpha2"]
    results = validate(alpha2)
    codes: dict[str, set[str]] = {}
    for file, result in results.items():
        for found in result["diagnostics"]:
            codes.setdefault(found["code"], set()).add(file)
    expected = {str(p) for p in alpha2 if dangling(p)}
    assert len(expected) >= 17  # 23 in the whole survey, some of them held out
    assert codes["unknown-call"] >= expected
    assert len(codes["duplicate-same"]) == 11


def test_plain_validate_counts_the_corpus_files_that_would_not_serve_as_written(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alpha2 = naftiko_documents(corpus)["1.0.0-alpha2"]
    plain = validate(alpha2, lenient=False)
    failing = [f for f, r in plain.items() if not r["valid"]]
    codes: dict[str, int] = {}
    for result in plain.values():
        for found in result["diagnostics"]:
            if found["severity"] == "error":
                codes[found["code"]] = codes.get(found["code"], 0) + 1
    with capsys.disabled():
        print(f"\ncorpus under plain validate: {len(failing)} of {len(alpha2)} files have errors")
        print("  errors by code: " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())))
    # every file that fails is one `--lenient` accepts: the difference is only the verdict
    lenient = validate([Path(f) for f in failing])
    assert all(r["valid"] for r in lenient.values())
