"""Findings as SARIF 2.1.0, the format code-scanning services read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from naftiko.errors import Diagnostic

_LEVELS = {"error": "error", "warning": "warning"}


def sarif(findings: Sequence[Diagnostic], version: str) -> dict[str, Any]:
    rules = sorted({f.code or "naftiko" for f in findings})
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "naftiko",
                        "version": version,
                        "rules": [{"id": rule} for rule in rules],
                    }
                },
                "results": [_result(f) for f in findings],
            }
        ],
    }


def _result(finding: Diagnostic) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(finding.line, 1)}
    if finding.col:
        region["startColumn"] = finding.col
    text = finding.message + (f" ({finding.hint})" if finding.hint else "")
    return {
        "ruleId": finding.code or "naftiko",
        "level": _LEVELS.get(finding.severity, "note"),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.file},
                    "region": region,
                }
            }
        ],
    }
