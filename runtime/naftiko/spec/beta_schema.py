"""Our JSON Schema for Ikanos beta files, derived from our alpha2 schema by the differences.

Nothing is copied from the Ikanos schema: the alpha2 definitions are rewritten where the
dialects differ (`ikanos` for `naftiko`, `display` for `label`, `from` for `location` in
imports, `target` for `targetName`, `flows` for `functions`, maps keyed by name for the lists
of named entries, `binds` allowed under `capability`, the beta-only fields), so the two stay
in step as ours changes. `naftiko schema --dialect beta5` prints it, for editors.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from naftiko.spec.dialect import DIALECT, VERSIONS, of
from naftiko.spec.schema import schema


@cache
def beta_schema() -> dict[str, Any]:
    found = copy.deepcopy(schema())
    found["$id"] = "https://naftiko-py.dev/schemas/capability-beta5.schema.json"
    found["title"] = "Ikanos capability (1.0.0-beta1 to beta5), as naftiko-py reads it"
    properties = found["properties"]
    properties.pop("naftiko", None)
    properties = {
        "ikanos": {"enum": list(VERSIONS), "description": "The Ikanos spec version."},
        **properties,
    }
    found["properties"] = properties
    found["required"] = ["ikanos"]
    defs = found["$defs"]
    for name in _entries(defs):  # a map's key is the entry's name: no `name` inside
        _unnamed(defs[name])
    items = defs["OutputParameter"]["properties"]["items"]
    items["anyOf"].append(
        {"type": "object", "additionalProperties": {"$ref": "#/$defs/OutputParameter"}}
    )
    for name, definition in defs.items():
        _differ(definition, name)
    defs["ConsumesEntry"]["if"] = {"required": ["from"]}
    return found


def beta_schema_text() -> str:
    return json.dumps(beta_schema(), indent=2, ensure_ascii=False) + "\n"


def _differ(definition: dict[str, Any], name: str) -> None:
    """One definition as beta writes it: beta-only fields added, fields renamed, lists of
    named entries made maps (the entries of inline ones rewritten first)."""
    difference = of(name)
    for field, kind in difference.beta_only.items():
        definition.setdefault("properties", {})[field] = dict(kind)
    for field in difference.named:
        entry = ((definition.get("properties") or {}).get(field) or {}).get("items")
        if isinstance(entry, dict) and "$ref" not in entry:
            _differ(entry, f"{name}.{field}")
    for field in difference.named:
        _as_map(definition, field)
    for old, new in difference.to_beta().items():
        if old not in difference.extended.values():  # those are beta-only fields above
            _rename(definition, old, new)


def _entries(defs: dict[str, Any]) -> set[str]:
    """The definitions named entries refer to; inline entries are made unnamed in place."""
    found: set[str] = set()
    for name, difference in DIALECT.items():
        if name not in defs:
            continue  # an inline definition
        for field in difference.named:
            listed = (defs[name].get("properties") or {}).get(field) or {}
            entry = listed.get("items") if isinstance(listed, dict) else None
            if isinstance(entry, dict) and "$ref" in entry:
                found.add(str(entry["$ref"]).rsplit("/", 1)[1])
            elif isinstance(entry, dict):
                _unnamed(entry)
    return found


def _unnamed(definition: dict[str, Any]) -> None:
    (definition.get("properties") or {}).pop("name", None)
    required = definition.get("required")
    if isinstance(required, list) and "name" in required:
        required.remove("name")


def _rename(definition: dict[str, Any], old: str, new: str) -> None:
    properties = definition.get("properties")
    if isinstance(properties, dict) and old in properties:
        properties[new] = properties.pop(old)
    required = definition.get("required")
    if isinstance(required, list) and old in required:
        required[required.index(old)] = new


def _as_map(definition: dict[str, Any], field: str) -> None:
    """A list of named entries as a map from name to entry (the entry's `name` implied);
    outputs may stay a list, for the unnamed (mapped) ones."""
    properties = definition.get("properties") or {}
    listed = properties.get(field)
    if not isinstance(listed, dict) or listed.get("type") != "array":
        return
    entry = listed.get("items", {})
    keyed = {
        "type": "object",
        "propertyNames": {"minLength": 1},
        "additionalProperties": {"anyOf": [entry, {"type": "null"}]},
    }
    if field == "outputParameters":
        properties[field] = {"oneOf": [listed, keyed]}
    else:
        properties[field] = keyed
