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

from naftiko.spec.beta5 import VERSIONS
from naftiko.spec.schema import schema

# definition -> its fields that hold named entries (a list in alpha2, a map in beta)
NAMED: dict[str, tuple[str, ...]] = {
    "ConsumesHttp": ("inputParameters", "resources"),
    "ConsumedResource": ("inputParameters", "operations"),
    "ConsumedOperation": ("inputParameters", "outputParameters"),
    "ExposesRest": ("resources",),
    "ExposedResource": ("inputParameters", "operations"),
    "ExposedOperation": ("inputParameters", "steps", "outputParameters"),
    "ExposesMcp": ("tools", "resources", "prompts"),
    "McpTool": ("inputParameters", "steps", "outputParameters"),
    "McpResource": ("steps", "outputParameters"),
    "McpPrompt": ("arguments",),
    "ExposesSkill": ("skills",),
    "Skill": ("tools",),
    "Aggregate": ("functions",),
    "AggregateFunction": ("inputParameters", "steps", "outputParameters"),
}
# beta-only fields, accepted (the loader reports that they have no effect yet)
_TAGS = {"type": "array", "items": {"type": "string"}}
_SIZE = {"type": ["integer", "string"], "description": "Bytes, or a size such as 25MiB."}
BETA_ONLY: dict[str, dict[str, Any]] = {
    "Info": {"version": {"type": "string"}},
    "ConsumesHttp": {"tunnel": {"type": "object"}},
    "ConsumedResource": {"tags": _TAGS},
    "ConsumedOperation": {
        "tags": _TAGS,
        "outputMediaType": {"type": "string"},
        "maxBinarySize": _SIZE,
    },
    "ExposedResource": {"tags": _TAGS},
    "ExposedOperation": {
        "tags": _TAGS,
        "responses": {"type": "object"},
        "responseBinary": {"type": "object"},
    },
    "McpTool": {"tags": _TAGS},
    "McpResource": {"binary": {"type": "boolean"}},
    "AggregateFunction": {"tags": _TAGS, "outputMediaType": {"type": "string"}},
    "ExposesRest": {"maxBinarySize": _SIZE},
    "ExposesMcp": {
        "maxBinarySize": _SIZE,
        "ttlMs": {"type": "integer", "minimum": 0},
        "cacheScope": {"enum": ["public", "private"]},
    },
}


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
        _rename(definition, "label", "display")
        for field, kind in BETA_ONLY.get(name, {}).items():
            definition.setdefault("properties", {})[field] = kind
        for field in NAMED.get(name, ()):
            _as_map(definition, field)
    _rename(defs["ImportedConsumes"], "location", "from")
    _rename(defs["StepMapping"], "targetName", "target")
    _rename(defs["Aggregate"], "functions", "flows")
    defs["ConsumesEntry"]["if"] = {"required": ["from"]}
    return found


def beta_schema_text() -> str:
    return json.dumps(beta_schema(), indent=2, ensure_ascii=False) + "\n"


def _entries(defs: dict[str, Any]) -> set[str]:
    """The definitions named entries refer to; inline entries are made unnamed in place."""
    found: set[str] = set()
    for name, fields in NAMED.items():
        for field in fields:
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
