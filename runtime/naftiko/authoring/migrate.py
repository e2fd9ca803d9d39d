"""`naftiko migrate FILE --to beta5|alpha2`: a capability rewritten in the other dialect.

Comments, key order and quoting are kept (ruamel.yaml round-trips them): only what differs
between the dialects changes. Lists of named entries become maps keyed by the name and back;
`label` and `display`, `location` and `from` (imports), `targetName` and `target` (step
mappings), `functions` and `flows` (aggregates) swap; the version key changes. What the other
dialect cannot say is dropped and listed (beta-only fields going to alpha2), or kept and
listed (naftiko-py `x-naftiko-*` blocks going to beta5, which Ikanos does not know). What
differs is read from the dialect table (`spec/dialect.py`), as the loader reads it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from naftiko.errors import NaftikoError
from naftiko.spec.dialect import ALPHA2 as ALPHA
from naftiko.spec.dialect import BETA, of


@dataclass
class Migrated:
    text: str
    notes: list[str] = field(default_factory=list)


def migrate(text: str, to: str) -> Migrated:
    """``text`` (one capability file) in the dialect ``to``: "beta5" or "alpha2"."""
    yaml = _yaml()
    data = yaml.load(text)
    if not isinstance(data, CommentedMap):
        raise NaftikoError("the file is not a YAML mapping", hint="give a capability file")
    if to == "beta5":
        if "naftiko" not in data:
            raise NaftikoError("the file is not an alpha2 capability (no 'naftiko' key)")
        walk = _Walk(to_beta=True)
        _rename(data, "naftiko", "ikanos")
        data["ikanos"] = BETA
    elif to == "alpha2":
        if "ikanos" not in data:
            raise NaftikoError("the file is not an Ikanos capability (no 'ikanos' key)")
        walk = _Walk(to_beta=False)
        _rename(data, "ikanos", "naftiko")
        data["naftiko"] = ALPHA
    else:
        raise NaftikoError(f"unknown dialect {to!r}", hint="--to beta5 or --to alpha2")
    walk.document(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return Migrated(out.getvalue(), walk.notes)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long description
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


class _Walk:
    def __init__(self, to_beta: bool) -> None:
        self.to_beta = to_beta
        self.notes: list[str] = []

    # --- the shape of a capability ----------------------------------------------------------

    def document(self, data: CommentedMap) -> None:
        self.info(data.get("info"))
        for section in (data, data.get("capability")):
            if isinstance(section, CommentedMap):
                self.sections(section)
        capability = data.get("capability")
        if not self.to_beta and isinstance(capability, CommentedMap) and "binds" in capability:
            moved = capability.pop("binds")  # alpha2 binds live at the root
            if "binds" in data and isinstance(data["binds"], list):
                data["binds"].extend(moved or [])
            else:
                data.insert(list(data).index("capability"), "binds", moved)

    def sections(self, section: CommentedMap) -> None:
        for entry in _items(section.get("consumes")):
            self.consumes(entry)
        for entry in _items(section.get("exposes")):
            self.exposes(entry)
        for entry in _items(section.get("aggregates")):
            if not self.imported(entry):
                self.shape(
                    entry, "Aggregate", "aggregate", {"functions": self.unit("AggregateFunction")}
                )
        for entry in _items(section.get("binds")):
            self.imported(entry)

    def info(self, info: Any) -> None:
        if not isinstance(info, CommentedMap):
            return
        if self.to_beta and "label" not in info:
            self.notes.append("info has no label: Ikanos requires info.display; add one")
        self.shape(info, "Info", "info")

    def consumes(self, entry: CommentedMap) -> None:
        if self.imported(entry):
            return
        what = f"consumes '{entry.get('namespace')}'"
        self.shape(entry, "ConsumesHttp", what, {"resources": self.consumed_resource})

    def consumed_resource(self, entry: CommentedMap) -> None:
        self.shape(entry, "ConsumedResource", "resource", {"operations": self.consumed_operation})

    def consumed_operation(self, entry: CommentedMap) -> None:
        self.shape(entry, "ConsumedOperation", f"operation '{entry.get('name')}'")
        self.outputs(entry)

    def exposes(self, entry: CommentedMap) -> None:
        if self.imported(entry):
            return
        what = f"adapter '{entry.get('namespace')}'"
        kind = entry.get("type")
        if kind == "rest":
            resources = {"resources": self.rest_resource}
            self.shape(entry, "ExposesRest", what, resources, {"resources": self._resource_key})
        elif kind == "mcp":
            arguments = {"arguments": lambda e: self.shape(e, "McpPrompt.arguments", "argument")}
            children = {
                "tools": self.unit("McpTool"),
                "resources": self.unit("McpResource"),
                "prompts": lambda e: self.shape(e, "McpPrompt", "prompt", arguments),
            }
            self.shape(entry, "ExposesMcp", what, children)
        elif kind == "skill":
            skills = {"skills": lambda e: self.shape(e, "Skill", "skill")}
            self.shape(entry, "ExposesSkill", what, skills)

    def rest_resource(self, entry: CommentedMap) -> None:
        resource = str(entry.get("name") or "")
        operations = {"operations": self.unit("ExposedOperation")}
        keys = {"operations": _operation_key(resource)}
        self.shape(entry, "ExposedResource", "REST resource", operations, keys)

    def unit(self, kind: str) -> Callable[[CommentedMap], None]:
        """A tool, REST operation, call-backed resource or aggregate flow of ``kind``."""

        def unit(entry: CommentedMap) -> None:
            self.shape(entry, kind, f"'{entry.get('name', '')}'")
            for mapping in _items(entry.get("mappings")):
                self.shape(mapping, "StepMapping", "mapping")
            self.outputs(entry)

        return unit

    def outputs(self, entry: CommentedMap) -> None:
        """Named outputs are a map in beta; unnamed (mapped) ones stay a list."""
        found = entry.get("outputParameters")
        if self.to_beta:
            if isinstance(found, list) and found and all(_has_name(p) for p in found):
                self.named(entry, "outputParameters", self.output)
            else:
                for item in _items(found):
                    self.output(item)
        elif isinstance(found, CommentedMap):
            self.named(entry, "outputParameters", self.output)
        else:
            for item in _items(found):
                self.output(item)

    def output(self, entry: CommentedMap) -> None:
        self.shape(entry, "OutputParameter", f"output '{entry.get('name', '')}'")
        items = entry.get("items")
        named_list = isinstance(items, list) and bool(items) and all(_has_name(i) for i in items)
        named_map = isinstance(items, CommentedMap) and not _is_parameter(items)
        if (self.to_beta and named_list) or (not self.to_beta and named_map):
            self.named(entry, "items", self.output)
        elif isinstance(items, CommentedMap):
            self.output(items)
        for child in (entry.get("properties") or {}).values():
            if isinstance(child, CommentedMap):
                self.output(child)

    def shape(
        self,
        entry: CommentedMap,
        kind: str,
        what: str,
        children: Mapping[str, Callable[[CommentedMap], None]] | None = None,
        keys: Mapping[str, Callable[[CommentedMap], str]] | None = None,
    ) -> None:
        """``entry``, of definition ``kind``, as the dialect table has it in the other
        dialect: fields renamed, beta-only ones dropped (going to alpha2), named entries
        keyed or listed (each then shaped by ``children``, keyed by ``keys`` when unnamed);
        output parameters are shaped apart, since beta lets them stay a list."""
        difference = of(kind)
        if not self.to_beta:
            for old, new in difference.to_alpha2().items():
                _rename(entry, old, new)
            self.drop(entry, difference.dropped(), what)
        for name in difference.named:
            if name != "outputParameters":
                self.named(entry, name, (children or {}).get(name), (keys or {}).get(name))
        if self.to_beta:
            for old, new in difference.to_beta().items():
                _rename(entry, old, new)
            self.extensions(entry, what)

    # --- the moves -------------------------------------------------------------------------

    def named(
        self,
        entry: CommentedMap,
        key: str,
        each: Callable[[CommentedMap], None] | None = None,
        key_of: Callable[[CommentedMap], str] | None = None,
    ) -> None:
        """``entry[key]``: a list of named entries as a map keyed by name, or back."""
        found = entry.get(key)
        if self.to_beta and isinstance(found, list):
            for item in _items(found):
                if each is not None:
                    each(item)
            entry[key] = _as_map(found, key_of, self.notes, key)
        elif not self.to_beta and isinstance(found, CommentedMap):
            listed = _as_list(found)
            for item in _items(listed):
                if each is not None:
                    each(item)
            entry[key] = listed

    def imported(self, entry: CommentedMap) -> bool:
        """An imported entry (of any section): its `location` is beta's `from`."""
        if "import" not in entry or ("location" if self.to_beta else "from") not in entry:
            return False
        self.shape(entry, "ImportedConsumes", "import")
        return True

    def drop(self, entry: CommentedMap, keys: tuple[str, ...], what: str) -> None:
        for key in keys:
            if key in entry:
                del entry[key]
                self.notes.append(f"{what}: '{key}' dropped (alpha2 has no such field)")

    def extensions(self, entry: CommentedMap, what: str) -> None:
        if self.to_beta:
            for key in entry:
                if str(key).startswith("x-naftiko-"):
                    self.notes.append(
                        f"{what}: '{key}' kept; it is a naftiko-py extension Ikanos ignores"
                    )

    def _resource_key(self, entry: CommentedMap) -> str:
        """A REST resource without a name is keyed by its path."""
        return _path_key(str(entry.get("path") or "resource"))


def _operation_key(resource: str) -> Callable[[CommentedMap], str]:
    """An unnamed REST operation is keyed as the runtime names it: resource-method."""

    def key(entry: CommentedMap) -> str:
        method = str(entry.get("method") or "unit").lower()
        reference = str(entry.get("ref") or "").partition(".")[2]
        return reference or (f"{resource}-{method}" if resource else method)

    return key


def _path_key(path: str) -> str:
    return "-".join(re.findall(r"[A-Za-z0-9_]+", path)) or "resource"


def _as_map(
    found: list[Any], key_of: Callable[[CommentedMap], str] | None, notes: list[str], what: str
) -> CommentedMap:
    result = CommentedMap()
    for index, item in enumerate(found):
        if not isinstance(item, CommentedMap):
            notes.append(f"{what}[{index}] is not an object; kept out of the map")
            continue
        comment = item.ca.items.pop("name", None)
        if "name" in item:
            name = str(item.pop("name"))
        else:  # the key a name would be; alpha2 will read it back as a name
            name = key_of(item) if key_of else str(index)
            notes.append(f"{what}[{index}] has no name; keyed '{name}', a name once back in alpha2")
        if name in result:  # a map cannot hold a name twice: the later one is renamed
            taken, suffix = name, 2
            while f"{taken}-{suffix}" in result:
                suffix += 1
            name = f"{taken}-{suffix}"
            notes.append(f"{what}: the name '{taken}' is used twice; the second is keyed '{name}'")
        result[name] = item if len(item) else None
        if comment is not None:
            result.ca.items[name] = comment
        seq_comment = found.ca.items.get(index) if isinstance(found, CommentedSeq) else None
        if seq_comment is not None and name not in result.ca.items:
            result.ca.items[name] = seq_comment
    return result


def _as_list(found: CommentedMap) -> CommentedSeq:
    result = CommentedSeq()
    for name, item in found.items():
        entry = item if isinstance(item, CommentedMap) else CommentedMap()
        entry.insert(0, "name", name)
        comment = found.ca.items.get(name)
        if comment is not None:
            entry.ca.items.setdefault("name", comment)
        result.append(entry)
    return result


def _rename(entry: Any, old: str, new: str) -> None:
    """Rename a key where it stands, with its comment."""
    if not isinstance(entry, CommentedMap) or old not in entry or new in entry:
        return
    position = list(entry).index(old)
    value = entry.pop(old)
    comment = entry.ca.items.pop(old, None)
    entry.insert(position, new, value)
    if comment is not None:
        entry.ca.items[new] = comment


def _items(found: Any) -> list[CommentedMap]:
    if isinstance(found, list):
        return [i for i in found if isinstance(i, CommentedMap)]
    if isinstance(found, CommentedMap):
        return [v for v in found.values() if isinstance(v, CommentedMap)]
    return []


def _has_name(item: Any) -> bool:
    return isinstance(item, CommentedMap) and isinstance(item.get("name"), str)


def _is_parameter(value: CommentedMap) -> bool:
    return any(
        key in value and not isinstance(value[key], dict)
        for key in ("type", "mapping", "value", "const")
    )
