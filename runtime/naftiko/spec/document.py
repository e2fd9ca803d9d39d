"""A capability document assembled from its file and the files it imports.

Imported consumes entries are spliced into the main data; an overlay remembers which file
(and which path inside it) each spliced subtree came from, so every diagnostic points at
the line the author has to edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from naftiko.errors import Diagnostic, Severity, of_severity
from naftiko.jsontypes import JSON
from naftiko.spec.yaml import JsonPath, Source


def dotted(path: JsonPath) -> str:
    """Render a path the way authors read it: ``capability.consumes[0].namespace``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class Document:
    """The merged data of one capability file plus where each part was written."""

    path: Path
    main: Source
    data: JSON
    overlays: dict[JsonPath, tuple[Source, JsonPath]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # the spec version as written: "1.0.0-alpha2", or an Ikanos beta read through beta5.py
    dialect: str = "1.0.0-alpha2"

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def where(self, path: JsonPath) -> tuple[str, int, int]:
        """File, line and column of the node at ``path`` (or its nearest ancestor)."""
        for cut in range(len(path), -1, -1):
            overlay = self.overlays.get(path[:cut])
            if overlay is not None:
                source, inner = overlay
                line, col = source.mark((*inner, *path[cut:]))
                return source.file, line, col
        line, col = self.main.mark(path)
        return self.main.file, line, col

    def diag(
        self,
        severity: Severity,
        path: JsonPath,
        message: str,
        *,
        hint: str = "",
        code: str = "",
    ) -> Diagnostic:
        file, line, col = self.where(path)
        found = Diagnostic(
            severity,
            message,
            file=file,
            line=line,
            col=col,
            field=dotted(path),
            hint=hint,
            code=code,
            path=path,
        )
        self.diagnostics.append(found)
        return found

    @property
    def errors(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "error")

    @property
    def warnings(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "warning")
