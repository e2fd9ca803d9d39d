"""Findings as SARIF 2.1.0, the format code-scanning services read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from naftiko.errors import Diagnostic

_LEVELS = {"error": "error", "warning": "warning"}


class Rule(TypedDict):
    id: str


class Driver(TypedDict):
    name: str
    version: str
    rules: list[Rule]


class Tool(TypedDict):
    driver: Driver


class Region(TypedDict, total=False):
    startLine: int
    startColumn: int


class ArtifactLocation(TypedDict):
    uri: str


class PhysicalLocation(TypedDict):
    artifactLocation: ArtifactLocation
    region: Region


class Location(TypedDict):
    physicalLocation: PhysicalLocation


class Message(TypedDict):
    text: str


class Result(TypedDict):
    ruleId: str
    level: str  # error, warning or note
    message: Message
    locations: list[Location]


class Run(TypedDict):
    tool: Tool
    results: list[Result]


# the functional form for the `$schema` key
Log = TypedDict("Log", {"$schema": str, "version": str, "runs": list[Run]})


def sarif(findings: Sequence[Diagnostic], version: str) -> Log:
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


def _result(finding: Diagnostic) -> Result:
    region: Region = {"startLine": max(finding.line, 1)}
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
