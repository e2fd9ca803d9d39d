"""The successor's dialect (Ikanos `1.0.0-beta1` to `1.0.0-beta5`) read into the one model.

A beta file says `ikanos:` instead of `naftiko:`, `display` instead of `label`, names its
resources, operations, parameters, tools, prompts, arguments, skills, steps and flows by the
keys of maps instead of `name` fields in lists, imports with `from` instead of `location`,
and maps step outputs with `target` instead of `targetName`. `translate` rewrites the parsed
file into the alpha2 shape every later stage reads, and moves every source mark along with
its node, so that each error still names the line and column as written in the beta file.
What alpha2 cannot say is listed (`Translated.dropped`) and reported as warnings; a ziti
tunnel is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from naftiko.spec.yaml import JsonPath, Source

VERSIONS = tuple(f"1.0.0-beta{n}" for n in range(1, 6))
ALPHA2 = "1.0.0-alpha2"

Rule = Callable[["_Walk", Any, JsonPath, JsonPath], Any]


@dataclass
class Translated:
    source: Source
    version: str
    dropped: list[tuple[JsonPath, str]] = field(default_factory=list)  # new path, what
    refused: list[tuple[JsonPath, str]] = field(default_factory=list)


def is_beta(data: Any) -> bool:
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
        self,
        value: Any,
        new: JsonPath,
        old: JsonPath,
        rules: dict[str, Rule] | None = None,
        renamed: dict[str, str] | None = None,
        dropped: tuple[str, ...] = (),
    ) -> Any:
        """An object: some fields renamed, some translated by their own rule, some dropped."""
        self.mark(new, old)
        if not isinstance(value, dict):
            return self.copy(value, new, old)
        found: dict[str, Any] = {}
        for key, item in value.items():
            if key in dropped:
                self.dropped.append(((*new, key), f"'{key}' (alpha2 has no such field)"))
                continue
            name = str(renamed.get(key, key)) if renamed else str(key)
            rule = rules.get(key) if rules else None
            target, origin = (*new, name), (*old, key)
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


def _params(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.named(value, new, old, _display)


def _display(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.fields(value, new, old, renamed={"display": "label"}, dropped=("tags",))


def _info(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.fields(value, new, old, renamed={"display": "label"}, dropped=("version",))


def _import(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.fields(value, new, old, renamed={"from": "location"})


def _consumes(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    if isinstance(value, dict) and "from" in value:
        return _import(walk, value, new, old)
    if isinstance(value, dict) and "tunnel" in value:
        walk.mark((*new, "tunnel"), (*old, "tunnel"))
        walk.refused.append(((*new, "tunnel"), "a ziti tunnel"))
        value = {k: v for k, v in value.items() if k != "tunnel"}
    return walk.fields(
        value, new, old, rules={"inputParameters": _params, "resources": _consumed_resources}
    )


def _consumed_resources(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    def resource(w: _Walk, item: Any, n: JsonPath, o: JsonPath) -> Any:
        return w.fields(
            item,
            n,
            o,
            rules={"inputParameters": _params, "operations": _consumed_operations},
            renamed={"display": "label"},
            dropped=("tags",),
        )

    return walk.named(value, new, old, resource)


def _consumed_operations(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    def operation(w: _Walk, item: Any, n: JsonPath, o: JsonPath) -> Any:
        return w.fields(
            item,
            n,
            o,
            rules={"inputParameters": _params, "outputParameters": _params},
            renamed={
                "display": "label",
                "outputMediaType": "x-naftiko-outputMediaType",
                "maxBinarySize": "x-naftiko-maxBinarySize",
            },
            dropped=("tags",),
        )

    return walk.named(value, new, old, operation)


def _unit(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    """A tool, REST operation, call-backed resource or aggregate flow."""
    return walk.fields(
        value,
        new,
        old,
        rules={
            "inputParameters": _params,
            "steps": _steps,
            "mappings": _mappings,
            "outputParameters": _outputs,
        },
        renamed={"display": "label"},
        dropped=("tags", "outputMediaType", "responses", "responseBinary", "binary"),
    )


def _outputs(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    """Named outputs (mock values, orchestrated results) are a map in beta; mapped ones a
    list, as in alpha2. Either way their `items` may name fields by key too."""
    if isinstance(value, dict):
        return walk.named(value, new, old, _output)
    return walk.listed(value, new, old, _output)


def _output(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.fields(value, new, old, rules={"items": _items, "properties": _properties})


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


def _steps(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.named(value, new, old, lambda w, i, n, o: w.copy(i, n, o))


def _mappings(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.listed(
        value, new, old, lambda w, i, n, o: w.fields(i, n, o, renamed={"target": "targetName"})
    )


def _exposes(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    if not isinstance(value, dict):
        return walk.copy(value, new, old)
    if "from" in value:
        return _import(walk, value, new, old)
    kind = value.get("type")
    if kind == "rest":
        return walk.fields(value, new, old, rules={"resources": _rest}, dropped=("maxBinarySize",))
    if kind == "mcp":
        rules: dict[str, Rule] = {
            "tools": lambda w, i, n, o: w.named(i, n, o, _unit),
            "resources": lambda w, i, n, o: w.named(i, n, o, _unit),
            "prompts": lambda w, i, n, o: w.named(i, n, o, _prompt),
        }
        hints = {"ttlMs": "x-naftiko-ttlMs", "cacheScope": "x-naftiko-cacheScope"}
        return walk.fields(value, new, old, rules=rules, renamed=hints, dropped=("maxBinarySize",))
    if kind == "skill":
        return walk.fields(value, new, old, rules={"skills": _skills})
    return walk.copy(value, new, old)


def _rest(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    def resource(w: _Walk, item: Any, n: JsonPath, o: JsonPath) -> Any:
        return w.fields(
            item,
            n,
            o,
            rules={
                "inputParameters": _params,
                "operations": lambda w2, i2, n2, o2: w2.named(i2, n2, o2, _unit),
            },
            renamed={"display": "label"},
            dropped=("tags",),
        )

    return walk.named(value, new, old, resource)


def _prompt(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.fields(value, new, old, rules={"arguments": _params}, renamed={"display": "label"})


def _skills(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    def skill(w: _Walk, item: Any, n: JsonPath, o: JsonPath) -> Any:
        return w.fields(
            item,
            n,
            o,
            rules={
                "tools": lambda w2, i2, n2, o2: w2.named(
                    i2, n2, o2, lambda w3, i3, n3, o3: w3.copy(i3, n3, o3)
                )
            },
        )

    return walk.named(value, new, old, skill)


def _aggregate(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    if isinstance(value, dict) and "from" in value:
        return _import(walk, value, new, old)
    return walk.fields(
        value,
        new,
        old,
        rules={"flows": lambda w, i, n, o: w.named(i, n, o, _unit)},
        renamed={"display": "label", "flows": "functions"},
    )


def _capability(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    return walk.fields(value, new, old, rules=_SECTIONS)


def _list_of(each: Rule) -> Rule:
    return lambda walk, value, new, old: walk.listed(value, new, old, each)


def _bind(walk: _Walk, value: Any, new: JsonPath, old: JsonPath) -> Any:
    if isinstance(value, dict) and "from" in value:
        return _import(walk, value, new, old)
    return walk.copy(value, new, old)


_SECTIONS: dict[str, Rule] = {
    "consumes": _list_of(_consumes),
    "exposes": _list_of(_exposes),
    "aggregates": _list_of(_aggregate),
    "binds": _list_of(_bind),
}
_ROOT: dict[str, Rule] = {"info": _info, "capability": _capability, **_SECTIONS}
