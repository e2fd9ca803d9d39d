"""Where something was written: file, line and column, kept as one value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str = ""
    line: int = 0
    col: int = 0

    @classmethod
    def parse(cls, where: str) -> Location:
        """Read back the `file:line:col` the model stores in `where`."""
        head, _, col = where.rpartition(":")
        file, _, line = head.rpartition(":")
        if file and line.isdigit() and col.isdigit():
            return cls(file, int(line), int(col))
        return cls(where)

    def __str__(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file
