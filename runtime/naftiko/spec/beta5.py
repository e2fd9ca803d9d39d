"""The successor's dialect (Ikanos `1.0.0-beta1` to `1.0.0-beta5`) read into the one model.

A beta file says `ikanos:` instead of `naftiko:`, `display` instead of `label`, names its
resources, operations, parameters, tools, prompts, arguments, skills, steps and flows by the
keys of maps instead of `name` fields in lists, imports with `from` instead of `location`,
and maps step outputs with `target` instead of `targetName`. `translate` rewrites the parsed
file into the alpha2 shape every later stage reads, and moves every source mark along with
its node, so that each error still names the line and column as written in the beta file.
What alpha2 cannot say is listed (`Translated.dropped`) and reported as warnings; a ziti
tunnel is refused. What differs is read from the dialect table (`dialect.py`), which the
editor schema and `naftiko migrate` read too; this module only walks the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from naftiko.spec.dialect import ALPHA2, VERSIONS, of
from naftiko.spec.yaml import JsonPath, Source

__all__ = ["ALPHA2", "VERSIONS", "Translated", "is_beta", "translate"]

Rule = Callable[["_Walk", Any, JsonPath, JsonPath], Any]
Rules = dict[str, Rule]


@dataclass
class Translated:
    source: Source
    version: str
    dropped: list[tuple[JsonPath, str]] = field(default_factory=list)  # new path, what
    refused: list[tuple[JsonPath, str]] = field(default_factory=list)


def is_beta(data: object) -> bool:
    return isinstance(data, dict) and "ikanos" in data and "naftiko" not in data


def translate(source: Source) -> Translated:
    """The file in the alpha2 shape, with marks that still point into the beta text."""
    walk = _Walk(source)
    data = walk.root(source.data)
    version = str(source.data.get("ikanos"))
    translated = Source(file=source.file, data=data, marks=walk.marks)
    return Translated(translated, version, walk.dropped, walk.refused)


class _Walk:
    def __init__(self, source: Source) -> None:
        self.old = source.marks
        self.marks: dict[JsonPath, tuple[int, int]] = {}
        self.dropped: list[tuple[JsonPath, str]] = []
        self.refused: list[tuple[JsonPath, str]] = []

    def mark(self, new: JsonPath, old: JsonPath) -> None:
        found = self.old.get(old)
        if found is not None:
            self.marks[new] = found

    def copy(self, value: Any, new: JsonPath, old: JsonPath) -> Any:
        """A node kept as it is, its marks moved."""
        self.mark(new, old)
        if isinstance(value, dict):
            return {k: self.copy(v, (*new, k), (*old, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.copy(v, (*new, i), (*old, i)) for i, v in enumerate(value)]
        return value

    def fields(
        self, value: Any, new: JsonPath, old: JsonPath, kind: str, rules: Rules | None = None
    ) -> Any:
        """An object of definition ``kind``, as the dialect table has it: fields renamed or
        dropped, named entries (a map) listed. ``rules`` translate a field (by its alpha2
        name), or each entry of a named one."""
        self.mark(new, old)
        if not isinstance(value, dict):
            return self.copy(value, new, old)
        difference = of(kind)
        renamed, dropped = difference.to_alpha2(), difference.dropped()
        found: dict[str, Any] = {}
        for key, item in value.items():
            if key in dropped:
                self.dropped.append(((*new, key), f"'{key}' (alpha2 has no such field)"))
                continue
            name = str(renamed.get(key, key))
            rule = rules.get(name) if rules else None
            target, origin = (*new, name), (*old, key)
            if name in difference.named and isinstance(item, dict):
                found[name] = self.named(item, target, origin, rule or _copy)
            elif name in difference.named and isinstance(item, list):
                found[name] = self.listed(item, target, origin, rule or _copy)
            else:
                found[name] = (
                    rule(self, item, target, origin) if rule else self.copy(item, target, origin)
                )
            self.mark(target, origin)
        return found

    def named(self, value: Any, new: JsonPath, old: JsonPath, each: Rule) -> Any:
        """A map keyed by name, as a list of entries with `name` first."""
        self.mark(new, old)
        if not isinstance(value, dict):
            return self.copy(value, new, old)
        items: list[Any] = []
        for index, (key, item) in enumerate(value.items()):
            target, origin = (*new, index), (*old, key)
            body = each(self, item if item is not None else {}, target, origin)
            entry = {"name": key, **body} if isinstance(body, dict) else body
            self.mark(target, origin)
            self.mark((*target, "name"), origin)
            items.append(entry)
        return items

    def listed(self, value: Any, new: JsonPath, old: JsonPath, each: Rule) -> Any:
        self.mark(new, old)
        if not isinstance(value, list):
            return self.copy(value, new, old)
        return [each(self, item, (*new, i), (*old, i)) for i, item in enumerate(value)]

    # --- the document ----------------------------------------------------------------------

    def root(self, data: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {"naftiko": ALPHA2}
        self.mark(("naftiko",), ("ikanos",))
        self.mark((), ())
        for key, item in data.items():
            if key == "ikanos":
                continue
            rule = _ROOT.get(key)
            found[key] = (
                rule(self, item, (key,), (key,)) if rule else self.copy(item, (key,), (key,))
            )
            self.mark((key,), (key,))
        capability = found.get("capability")
        if isinstance(capability, dict) and "binds" in capability:
            # alpha2 binds live at the root
            moved = capability.pop("binds")
            start = len(found.get("binds") or [])
            found["binds"] = [*(found.get("binds") or []), *(moved or [])]
            for index in range(len(moved or [])):
                self.mark(("binds", start + index), ("capability", "binds", index))
        return found


def _copy(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.copy(value, new, old)


def _as(kind: str, rules: Rules | None = None) -> Rule:
    """The rule for an object of definition ``kind``."""
    return lambda walk, value, new, old: walk.fields(value, new, old, kind, rules)


def _import(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    """An imported entry (of any section): `from` is alpha2's `location`."""
    return walk.fields(value, new, old, "ImportedConsumes")


def _imported_or(rule: Rule) -> Rule:
    def either(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
        if isinstance(value, dict) and "from" in value:
            return _import(walk, value, new, old)
        return rule(walk, value, new, old)

    return either


def _consumes(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    if isinstance(value, dict) and "tunnel" in value:
        walk.mark((*new, "tunnel"), (*old, "tunnel"))
        walk.refused.append(((*new, "tunnel"), "a ziti tunnel"))
        value = {k: v for k, v in value.items() if k != "tunnel"}
    return walk.fields(value, new, old, "ConsumesHttp", _CONSUMES)


def _outputs(kind: str) -> Rule:
    """Output parameters: their `items` may name fields by key too (recursively)."""
    return _as(kind, {"items": _items, "properties": _properties})


def _items(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    if isinstance(value, dict) and not _is_parameter(value):
        return walk.named(value, new, old, _output)  # fields of each item, by name
    if isinstance(value, list):
        return walk.listed(value, new, old, _output)
    return _output(walk, value, new, old)


def _properties(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    walk.mark(new, old)
    if not isinstance(value, dict):
        return walk.copy(value, new, old)
    return {k: _output(walk, v, (*new, k), (*old, k)) for k, v in value.items()}


def _is_parameter(value: dict[str, Any]) -> bool:
    """An output parameter itself (it has a type or a mapping), not a map of named ones."""
    return any(key in value and not isinstance(value[key], dict) for key in _PARAMETER_KEYS)


_PARAMETER_KEYS = ("type", "mapping", "value", "const")
_output = _outputs("OutputParameter")


def _unit(kind: str) -> Rule:
    """A tool, REST operation, call-backed resource or aggregate flow."""
    return _as(
        kind,
        {
            "steps": _copy,
            "mappings": lambda w, i, n, o: w.listed(i, n, o, _as("StepMapping")),
            "outputParameters": _output,
        },
    )


def _exposes(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    if not isinstance(value, dict):
        return walk.copy(value, new, old)
    kind = {"rest": "ExposesRest", "mcp": "ExposesMcp", "skill": "ExposesSkill"}.get(
        str(value.get("type"))
    )
    if kind is None:
        return walk.copy(value, new, old)
    return walk.fields(value, new, old, kind, _ADAPTERS.get(kind))


_CONSUMES: Rules = {
    "resources": _as(
        "ConsumedResource",
        {"operations": _as("ConsumedOperation", {"outputParameters": _as("OutputParameter")})},
    )
}
_ADAPTERS: dict[str, Rules] = {
    "ExposesRest": {"resources": _as("ExposedResource", {"operations": _unit("ExposedOperation")})},
    "ExposesMcp": {
        "tools": _unit("McpTool"),
        "resources": _unit("McpResource"),
        "prompts": _as("McpPrompt", {"arguments": _as("McpPrompt.arguments")}),
    },
    "ExposesSkill": {"skills": _as("Skill")},
}


def _list_of(each: Rule) -> Rule:
    return lambda walk, value, new, old: walk.listed(value, new, old, each)


_SECTIONS: Rules = {
    "consumes": _list_of(_imported_or(_consumes)),
    "exposes": _list_of(_imported_or(_exposes)),
    "aggregates": _list_of(
        _imported_or(_as("Aggregate", {"functions": _unit("AggregateFunction")}))
    ),
    "binds": _list_of(_imported_or(_copy)),
}
_ROOT: Rules = {"info": _as("Info"), "capability": _as("Capability", _SECTIONS), **_SECTIONS}
