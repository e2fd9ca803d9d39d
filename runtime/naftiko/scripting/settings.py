"""What governs script steps at run time: the switch, defaults, limits and the statistics.

Built from `management.scripting` when the capability loads; `PUT /scripting` changes it:
the switch, the limits and the allowed languages from the next execution. The defaults are
recorded, but steps keep the files they resolved when the capability loaded. The
statistics are this process's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from naftiko.spec.model import Scripting

LANGUAGES = ("javascript", "python")  # what runs; groovy is refused with these named
DECLARED = (*LANGUAGES, "groovy")  # what the spec lets a file write
_KNOWN = (
    "allowedLanguages",
    "defaultLanguage",
    "defaultLocation",
    "enabled",
    "statementLimit",
    "timeout",
)


def enabled(declared: Scripting | None, environ: Mapping[str, str] | None = None) -> bool:
    """On unless `management.scripting.enabled: false`, or, when that key is not written,
    NAFTIKO_SCRIPTING=false."""
    if declared is not None and declared.enabled is not None:
        return declared.enabled
    value = (environ if environ is not None else os.environ).get("NAFTIKO_SCRIPTING", "")
    return value.strip().lower() not in ("false", "0", "no", "off")


class StatsView(TypedDict, total=False):
    totalExecutions: int
    totalErrors: int
    averageDurationMs: float
    lastExecutionAt: str  # UTC, when a script has run


class View(TypedDict, total=False):
    """What `GET /scripting` answers (and `PUT /scripting` after a change)."""

    enabled: bool
    defaultLocation: str
    defaultLanguage: str
    timeout: int  # ms
    statementLimit: int
    allowedLanguages: list[str]
    stats: StatsView


@dataclass
class Stats:
    executions: int = 0
    errors: int = 0
    total_ms: float = 0.0
    last_at: float | None = None  # seconds since 1970

    def count(self, took_ms: float, failed: bool) -> None:
        self.executions += 1
        self.errors += failed
        self.total_ms += took_ms
        self.last_at = time.time()


@dataclass
class Governance:
    """The settings in force (mutable through the control port) and what ran under them."""

    enabled: bool
    default_location: str | None = None
    default_language: str | None = None
    timeout_ms: int = 60_000
    statement_limit: int = 100_000
    allowed_languages: tuple[str, ...] = ()
    declared_enabled: bool | None = None
    stats: Stats = field(default_factory=Stats)

    @classmethod
    def of(cls, declared: Scripting | None, environ: Mapping[str, str] | None = None) -> Governance:
        if declared is None:
            return cls(enabled(None, environ))
        return cls(
            enabled(declared, environ),
            declared.default_location,
            declared.default_language,
            declared.timeout_ms,
            declared.statement_limit,
            declared.allowed_languages,
            declared.enabled,
        )

    def refuses(self, language: str) -> str | None:
        """Why a script in ``language`` may not run now, or None."""
        if not self.enabled:
            return "scripting is disabled"
        if self.allowed_languages and language not in self.allowed_languages:
            allowed = ", ".join(self.allowed_languages)
            return f"language '{language}' is not among the allowed languages ({allowed})"
        return None

    def view(self) -> View:
        """What `GET /scripting` answers."""
        found: View = {"enabled": self.enabled}
        if self.default_location:
            found["defaultLocation"] = self.default_location
        if self.default_language:
            found["defaultLanguage"] = self.default_language
        found["timeout"] = self.timeout_ms
        found["statementLimit"] = self.statement_limit
        if self.allowed_languages:
            found["allowedLanguages"] = list(self.allowed_languages)
        stats = self.stats
        average = stats.total_ms / stats.executions if stats.executions else 0.0
        shown: StatsView = {
            "totalExecutions": stats.executions,
            "totalErrors": stats.errors,
            "averageDurationMs": round(average, 2),
        }
        if stats.last_at is not None:
            shown["lastExecutionAt"] = time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(stats.last_at)
            )
        found["stats"] = shown
        return found

    def update(self, body: object) -> list[str]:
        """Apply a partial `PUT /scripting` body; every problem found, and nothing applied
        unless there is none."""
        if not isinstance(body, dict):
            return ["the body must be a JSON object"]
        problems = [
            f"unknown key '{k}' (known: {', '.join(_KNOWN)})" for k in body if k not in _KNOWN
        ]
        changes: dict[str, Any] = {}
        if "enabled" in body:
            if isinstance(body["enabled"], bool):
                changes["enabled"] = body["enabled"]
            else:
                problems.append("enabled must be true or false")
        for key, attribute in (("timeout", "timeout_ms"), ("statementLimit", "statement_limit")):
            if key in body:
                value = body[key]
                if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                    changes[attribute] = value
                else:
                    problems.append(f"{key} must be an integer of at least 1")
        if "defaultLocation" in body:
            value = body["defaultLocation"]
            if isinstance(value, str) and value.startswith("file:"):
                changes["default_location"] = value
            else:
                problems.append("defaultLocation must be a file: URI (file:///path/to/scripts)")
        if "defaultLanguage" in body:
            value = body["defaultLanguage"]
            if value in LANGUAGES:
                changes["default_language"] = value
            else:
                problems.append(f"defaultLanguage must be one of {', '.join(LANGUAGES)}")
        if "allowedLanguages" in body:
            value = body["allowedLanguages"]
            if isinstance(value, list) and all(v in LANGUAGES for v in value):
                changes["allowed_languages"] = tuple(value)
            else:
                problems.append(f"allowedLanguages must be an array of {', '.join(LANGUAGES)}")
        if not problems:
            for attribute, value in changes.items():
                setattr(self, attribute, value)
        return problems
