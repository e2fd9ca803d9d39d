"""`with` entries compiled once: caller inputs, templates, JSONPath over step outputs, literals.

A value `<prefix>.<name>` is the caller's input `<name>` when the prefix is this adapter's
namespace, its type, or the generic `rest` / `tools` / `mcp`; an absent input omits the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from naftiko.engine.scope import CallScope
from naftiko.jsonpath import CompiledPath, compile_path
from naftiko.template import MISSING, Template


@dataclass(frozen=True)
class WithEntry:
    key: str
    kind: str  # input | template | path | literal
    data: Any

    def resolve(self, scope: CallScope, steps: Mapping[str, Any] | None = None) -> Any:
        if self.kind == "input":
            return scope.get(self.data)
        if self.kind == "template":
            return self.data.value(scope)
        if self.kind == "path":
            path: CompiledPath = self.data
            found = path.find(steps if steps is not None else scope.params)
            return MISSING if found is None else found
        return self.data


def compile_with(with_: Mapping[str, Any], aliases: frozenset[str]) -> tuple[WithEntry, ...]:
    entries = []
    for key, value in with_.items():
        entries.append(_entry(str(key), value, aliases))
    return tuple(entries)


def _entry(key: str, value: Any, aliases: frozenset[str]) -> WithEntry:
    if not isinstance(value, str):
        return WithEntry(key, "literal", value)
    if "{{" in value:
        return WithEntry(key, "template", Template(value))
    if value.startswith("$.") or value == "$":
        return WithEntry(key, "path", compile_path(value))
    prefix, dot, rest = value.partition(".")
    if dot and rest and prefix in aliases and " " not in value:
        return WithEntry(key, "input", rest)
    return WithEntry(key, "literal", value)


def apply_with(
    entries: tuple[WithEntry, ...],
    params: dict[str, Any],
    scope: CallScope,
    steps: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The parameter map after ``with``: each resolved entry set, absent ones left out."""
    resolved = dict(params)
    for entry in entries:
        value = entry.resolve(scope, steps)
        if value is MISSING or value is None:
            continue
        resolved[entry.key] = value
    return resolved
