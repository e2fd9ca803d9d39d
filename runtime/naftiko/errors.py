"""The error tree. Every error knows where it comes from and what the caller should do.

                                 CLI     REST (problem+json)   MCP tool
    NaftikoError                 exit 1  500                   isError
    ├── SpecError                exit 1  -                     -        Diagnostics, file:line:col
    ├── BindError                exit 1  -                     -        a secret is not set
    ├── TargetError              exit 1  501                   isError  unknown or disabled unit
    ├── InputError               exit 1  400                   isError  one entry per field
    ├── UpstreamError            exit 1  upstream's status     isError  status, headers, body kept
    │   └── UpstreamInvalid      exit 1  502                   isError  too big, not JSON, bad code
    ├── UpstreamUnavailable      exit 1  504 timeout, 502      isError  no answer in time, or none
    └── ScriptError              exit 1  500                   isError  a script failed, a limit met

Each face encodes an error from the same data: ``title``, ``message``, ``hint`` and
``details()`` (what a program reads: the fields, the upstream status and body); ``as_dict()``
is all of it. The CLI scrubs bound values from what it prints, REST and MCP from what they
send; messages are built from names, never from rendered values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from naftiko.jsontypes import JSON
from naftiko.location import Location

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a capability file, located precisely enough to jump to."""

    severity: Severity
    message: str
    file: str = ""
    line: int = 0
    col: int = 0
    field: str = ""
    hint: str = ""
    code: str = ""
    path: tuple[str | int, ...] = dataclasses.field(default=(), compare=False, repr=False)

    @classmethod
    def at(
        cls,
        where: Location,
        severity: Severity,
        message: str,
        *,
        field: str = "",
        hint: str = "",
        code: str = "",
    ) -> Diagnostic:
        """A finding at a place the model recorded."""
        return cls(severity, message, where.file, where.line, where.col, field, hint, code)

    def location(self) -> str:
        if not self.file:
            return ""
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file

    def __str__(self) -> str:
        parts = [p for p in (self.location(), self.severity) if p]
        head = ": ".join(parts)
        where = f"{self.field}: " if self.field else ""
        text = f"{head}: {where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def as_dict(self) -> dict[str, JSON]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "code": self.code,
        }


def of_severity(found: Sequence[Diagnostic], severity: Severity) -> list[Diagnostic]:
    """The findings of one severity, in order."""
    return [d for d in found if d.severity == severity]


class NaftikoError(Exception):
    """Root of every error the runtime raises on purpose."""

    exit_code = 1
    http_status = 500
    title = "Internal error"
    told = False  # its source already logs it (once per outage): no line per request

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def details(self) -> dict[str, JSON]:
        """What a program reads besides the message; empty for most errors."""
        return {}

    def as_dict(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"error": self.title, "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        data.update(self.details())
        return data


class SpecError(NaftikoError):
    """The capability file (or a file it imports) cannot run as written."""

    title = "Invalid capability"

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        lines = "\n".join(str(d) for d in errors)
        super().__init__(f"{len(errors)} error(s) in the capability:\n{lines}")


class BindError(NaftikoError):
    """A bind cannot be resolved: names the variable, namespace and source, never a value."""

    title = "Unresolved bind"


class TargetError(NaftikoError):
    """The requested tool or operation does not exist or cannot run."""

    title = "Unknown or disabled target"
    http_status = 501


@dataclass(frozen=True)
class FieldProblem:
    name: str
    problem: str
    location: str = ""

    def __str__(self) -> str:
        # a tool's inputs are all its arguments: saying so in a message adds nothing
        where = f" (in: {self.location})" if self.location not in ("", "arguments") else ""
        return f"{self.name}{where}: {self.problem}"


class InputError(NaftikoError):
    """The caller's inputs are wrong; lists every bad field at once."""

    title = "Invalid input"
    http_status = 400

    def __init__(self, problems: Sequence[FieldProblem], *, hint: str = "") -> None:
        self.problems = tuple(problems)
        text = "; ".join(str(p) for p in self.problems)
        super().__init__(f"invalid input: {text}", hint=hint)

    def details(self) -> dict[str, JSON]:
        fields: list[JSON] = [
            {"name": p.name, "in": p.location, "problem": p.problem} for p in self.problems
        ]
        return {"errors": fields}


@dataclass(slots=True)
class UpstreamResponse:
    """What an upstream answered, kept whole so callers can pass it back unchanged."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    content_type: str = ""
    data: JSON = None
    # seconds this answer stays fresh in the response cache (None: not cached)
    fresh_for: float | None = None

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class UpstreamError(NaftikoError):
    """The upstream answered with a non-2xx status (or a body we cannot decode)."""

    title = "Upstream error"

    def __init__(self, message: str, response: UpstreamResponse, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.response = response
        self.http_status = response.status if response.status >= 400 else 502

    def details(self) -> dict[str, JSON]:
        response = self.response
        body = response.data if response.data is not None else response.text()
        return {"status": response.status, "body": body}


class UpstreamInvalid(UpstreamError):
    """The upstream answered what cannot be passed on: a body over the size limit, a body
    that is not the JSON its content type claims, a status outside 100-599."""

    title = "Invalid upstream answer"

    def __init__(self, message: str, response: UpstreamResponse, *, hint: str = "") -> None:
        super().__init__(message, response, hint=hint)
        self.http_status = 502


class UpstreamUnavailable(NaftikoError):
    """The upstream could not be reached or did not answer in time."""

    title = "Upstream unavailable"

    def __init__(self, message: str, *, timeout: bool, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.timeout = timeout
        self.http_status = 504 if timeout else 502
        self.title = "Upstream timeout" if timeout else "Upstream unreachable"

    def details(self) -> dict[str, JSON]:
        return {"status": self.http_status}


class ScriptError(NaftikoError):
    """A script step failed, met a limit, or may not run now; names the step, never a value."""

    title = "Script step failed"

    def __init__(self, step: str, message: str, *, limit: str = "", hint: str = "") -> None:
        super().__init__(f"script step '{step}' {message}", hint=hint)
        self.step = step
        self.limit = limit

    def details(self) -> dict[str, JSON]:
        found: dict[str, JSON] = {"step": self.step}
        if self.limit:
            found["limit"] = self.limit
        return found
