"""Validate merged capability data against our JSON Schema (compiled once per process).

Schema findings are sorted by what they break: an unknown key is a warning (an error under
``--strict``); a problem inside one tool or operation disables that unit only; anything else
breaks the file.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from naftiko.errors import Diagnostic
from naftiko.spec.document import Document, dotted
from naftiko.spec.yaml import JsonPath

_UNIT_DEPTH = {
    # (path pattern) -> length of the unit prefix; '*' matches any index.
    ("capability", "exposes", "*", "tools", "*"): 5,
    ("capability", "exposes", "*", "resources", "*", "operations", "*"): 7,
    ("capability", "exposes", "*", "resources", "*"): 5,
    ("capability", "exposes", "*", "prompts", "*"): 5,
    ("capability", "exposes", "*", "skills", "*"): 5,
    ("capability", "consumes", "*", "resources", "*", "operations", "*"): 7,
    ("consumes", "*", "resources", "*", "operations", "*"): 5,
    ("capability", "aggregates", "*", "functions", "*"): 5,
}
# MCP resources share the 'resources' key with REST; both are units of their adapter.


def schema_text() -> str:
    """Our capability JSON Schema, from the installed package or the source tree."""
    try:
        packaged = resources.files("naftiko").joinpath("schemas/capability.schema.json")
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover
        pass
    source_tree = Path(__file__).resolve().parents[3] / "schemas" / "capability.schema.json"
    return source_tree.read_text(encoding="utf-8")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def unit_of(path: JsonPath) -> JsonPath | None:
    """The tool/operation/function a path belongs to, if any (deepest match wins)."""
    best: JsonPath | None = None
    for pattern, depth in _UNIT_DEPTH.items():
        if len(path) < depth:
            continue
        matches = all(p == "*" or p == q for p, q in zip(pattern, path[:depth], strict=True))
        if matches and (best is None or depth > len(best)):
            best = path[:depth]
    return best


def check(doc: Document) -> None:
    """Append schema diagnostics for ``doc`` to ``doc.diagnostics``."""
    start = len(doc.diagnostics)
    for error in validator().iter_errors(doc.data):
        _report(doc, error)
    doc.diagnostics[start:] = _one_per_slip(doc.diagnostics[start:])


def _one_per_slip(found: list[Diagnostic]) -> list[Diagnostic]:
    """`nme: id` is one mistake, though the schema sees two (a missing 'name' and an unknown
    'nme'): the missing key's finding moves to the slip's line and names it, and the unknown
    key's goes."""
    slips = {
        (d.path[:-1], d.hint): d
        for d in found
        if d.code == "unknown-key" and d.hint.startswith("did you mean '")
    }
    merged: list[Diagnostic] = []
    taken: set[int] = set()
    for diagnostic in found:
        missing = _MISSING.fullmatch(diagnostic.message.split(";")[0])
        slip = slips.get((diagnostic.path, f"did you mean '{missing[1]}'?")) if missing else None
        if slip is None or missing is None:
            merged.append(diagnostic)
            continue
        taken.add(id(slip))
        merged.append(
            dataclasses.replace(
                diagnostic,
                message=diagnostic.message.replace(
                    missing[0], f"{missing[0]} ('{slip.path[-1]}' is written instead)", 1
                ),
                line=slip.line,
                col=slip.col,
                field=slip.field,
                path=slip.path,
                hint=f"did you mean '{missing[1]}'?",
            )
        )
    return [d for d in merged if id(d) not in taken]


_MISSING = re.compile(r"missing required key '([^']+)'")


def _report(doc: Document, error: ValidationError) -> None:
    path: JsonPath = tuple(error.absolute_path)
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        instance = error.instance if isinstance(error.instance, dict) else {}
        levels = _levels(error)
        for key in instance:
            if key not in known:
                doc.diag(
                    "warning",
                    (*path, key),
                    f"unknown key '{key}' is ignored",
                    hint=_unknown_key_hint(str(key), path, known, levels, error.schema),
                    code="unknown-key",
                )
        return
    message = _message(error)
    if path and path[-1] == "type" and error.validator in ("enum", "const") and _is_kind(path):
        what = "adapter" if "exposes" in path else "consumes entry"
        doc.diag(
            "warning",
            path,
            f"{what} type {error.instance!r} is not supported; it is skipped",
            hint="naftiko-py runs rest, mcp, skill and control adapters and http consumes",
            code="unsupported-type",
        )
        return
    unit = unit_of(path)
    if unit is not None:
        doc.diag(
            "warning",
            path,
            f"{message}; this unit is disabled",
            hint="fix this field; the rest of the file still serves",
            code="unit-invalid",
        )
        return
    doc.diag("error", path, message, code="schema")


def _unknown_key_hint(
    key: str, path: JsonPath, known: set[str], levels: dict[int, set[str]], here: Any
) -> str:
    """A spelling one letter or a letter case away at its own level (`resource`, `baseURI`);
    else where the key belongs when it is right at another level (an indentation slip);
    else a near spelling at its own level; nothing is guessed beyond those."""
    slight = [k for k in sorted(known) if _one_off(key, k)]
    if slight:
        return f"did you mean '{slight[0]}'?"
    for depth in range(len(path) - 1, -1, -1):
        if key in levels.get(depth, set()):
            owner = dotted(path[:depth]) or "the top level"
            return f"'{key}' belongs to {owner}, not to {dotted(path)}: check its indentation"
    for child, names in _children(here):
        if key in names:
            return f"'{key}' is a key of {dotted((*path, child))}: indent it under '{child}'"
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else "check its spelling or remove it"


def _one_off(typed: str, known: str) -> bool:
    """The same but for letter case, or for one letter added, dropped or changed."""
    a, b = typed.lower(), known.lower()
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _resolve(node: Any) -> Any:
    """A schema node with its local `$ref`s followed."""
    for _ in range(8):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        target: Any = schema()
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node


def _names(node: Any) -> set[str]:
    """The keys an object schema declares, through `allOf` branches and references."""
    node = _resolve(node)
    if not isinstance(node, dict):
        return set()
    found = set(node.get("properties", {}))
    for branch in node.get("allOf", []):
        found |= _names(branch)
    return found


def _levels(error: ValidationError) -> dict[int, set[str]]:
    """Instance depth -> the keys the schema declares there, along the failing path."""
    levels: dict[int, set[str]] = {0: _names(schema())}
    node: Any = schema()
    depth = 0
    tokens = list(error.absolute_schema_path)[:-1]  # the last one is the failing keyword
    naming = False
    for token in tokens:
        if isinstance(node, dict) and token not in node and "$ref" in node:
            node = _resolve(node)
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            break
        # a key under `properties` names a child; `items` and `additionalProperties`
        # are a child's schema: each goes one level down in the instance
        if naming or token in ("items", "additionalProperties"):
            depth += 1
            naming = False
        elif token in ("properties", "patternProperties"):
            naming = True
            continue
        levels.setdefault(depth, set()).update(_names(node))
    return levels


def _children(here: Any) -> list[tuple[str, set[str]]]:
    """Each declared key's own keys (an entry's, for a list): one level down."""
    found = []
    properties = _resolve(here).get("properties", {}) if isinstance(_resolve(here), dict) else {}
    for name, child in properties.items():
        child = _resolve(child)
        if isinstance(child, dict) and "items" in child:
            child = child["items"]
        names = _names(child)
        if names:
            found.append((str(name), names))
    return found


def _is_kind(path: JsonPath) -> bool:
    return (len(path) == 4 and path[1] in ("exposes", "consumes")) or (
        len(path) == 3 and path[0] == "consumes"
    )


def _message(error: ValidationError) -> str:
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in (error.instance or {})]
        return f"missing required key{'s' if len(missing) > 1 else ''} " + ", ".join(
            f"'{k}'" for k in missing
        )
    if error.validator == "pattern":
        return f"{error.instance!r} does not match the pattern {error.validator_value}"
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        return f"{error.instance!r} is not one of {', '.join(map(str, allowed))}"
    if error.validator == "type":
        return f"expected {error.validator_value}, got {type(error.instance).__name__}"
    return str(error.message)
