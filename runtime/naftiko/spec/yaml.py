"""YAML text to plain data, with a source mark for every node.

Marks are kept in a flat dict keyed by the node's path (a tuple of keys and indices), so
the rest of the loader works on ordinary dicts and lists and asks for a location only when
it has something to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from naftiko.errors import Diagnostic, SpecError
from naftiko.yamlio import compose, construct

JsonPath = tuple[str | int, ...]


@dataclass
class Source:
    """One loaded file: its data and where each node came from (1-based line/col)."""

    file: str
    data: Any
    marks: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def mark(self, path: JsonPath) -> tuple[int, int]:
        """The nearest recorded position at or above ``path``."""
        for cut in range(len(path), -1, -1):
            found = self.marks.get(path[:cut])
            if found is not None:
                return found
        return (0, 0)


def _record(
    node: yaml.Node, path: JsonPath, marks: dict[JsonPath, tuple[int, int]], seen: set[int]
) -> None:
    """Marks of every node, each node walked once: an alias points at where it was anchored."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _record(value_node, child, marks, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _record(item, child, marks, seen)


def parse(text: str, file: str) -> Source:
    """Parse one YAML document; syntax errors become a SpecError located at the fault."""
    try:
        node = compose(text)
        data = construct(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        raise SpecError(
            [
                Diagnostic(
                    "error",
                    f"YAML syntax error: {problem}{context}",
                    file=file,
                    line=line,
                    col=col,
                    hint="check the indentation and quoting around this line",
                    code="yaml-syntax",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(
            [Diagnostic("error", f"YAML refused: {exc}", file=file, code="yaml-limit")]
        ) from None
    marks: dict[JsonPath, tuple[int, int]] = {}
    if node is not None:
        marks[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
        _record(node, (), marks, set())
    return Source(file=file, data=data, marks=marks)


SUFFIXES = (".yaml", ".yml", ".json")


def read(path: Path) -> Source:
    """Read and parse a file, reporting a missing or unreadable file as a SpecError."""
    if path.suffix.lower() not in SUFFIXES:
        raise SpecError(
            [
                Diagnostic(
                    "error",
                    f"unsupported file format {path.suffix or '(no extension)'!r}",
                    file=str(path),
                    hint="capability files are .yaml, .yml or .json",
                    code="file-format",
                )
            ]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(
            [Diagnostic("error", "file not found", file=str(path), code="file-missing")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            [Diagnostic("error", f"cannot read file: {exc}", file=str(path), code="file-read")]
        ) from None
    return parse(text, str(path))
