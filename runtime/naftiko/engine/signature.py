"""The inputs a tool or operation accepts: declared, or derived from what `with` feeds.

Files written to the spec declare `inputParameters`. Generated files (the Kombo dialect)
declare none and pass caller inputs straight through `with: {param: tools.name}`; their
signature is then the consumed operation's parameters that `with` feeds (name, type,
required, description), or all of them when there is no `with`. REST exports it as OpenAPI,
MCP as each tool's `inputSchema`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from naftiko.jsonpath import CompiledPath, compile_path
from naftiko.jsontypes import JSON
from naftiko.names import GENERIC_PREFIXES, norm
from naftiko.routes import variables
from naftiko.spec.model import ConsumedOperation, ConsumedParam, ExposedParam, Unit
from naftiko.template import Template, TemplateSyntaxError

TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
_LOCATIONS = ("query", "header", "cookie", "path", "body")


@dataclass(frozen=True)
class Input:
    name: str
    location: str
    type: str
    required: bool
    description: str = ""
    # JSON Schema keywords beyond the type (enum, bounds, format, a body's properties)
    schema: Mapping[str, JSON] = field(default_factory=dict)


def signature(
    unit: Unit,
    declared: tuple[ExposedParam, ...] | None,
    call: ConsumedOperation | None,
    path_names: frozenset[str] = frozenset(),
) -> list[Input]:
    """Each input a caller may send; ``path_names`` are the route's variables (normalised)."""
    if declared is not None:
        listed = [
            Input(
                p.name,
                p.in_ or ("path" if norm(p.name) in path_names else "query"),
                p.type if p.type in TYPES else "string",
                p.required,
                p.description,
            )
            for p in declared
            if p.value is None or (isinstance(p.value, str) and p.value.startswith("$"))
            if p.in_ != "environment"
        ]
        if unit.kind == "tool" and call is not None:  # arguments reach the call by name
            listed += _unfilled(listed, unit, call)
        return listed
    if call is None:
        return []
    consumed = {norm(p.name): p for p in call.params if p.value is None}
    aliases = {unit.adapter, unit.adapter_type, *GENERIC_PREFIXES}
    if not unit.with_:
        derived = [_from_consumed(p.name, p) for p in consumed.values()]
    else:
        derived = []
        for key, value in unit.with_.items():
            if not isinstance(value, str):
                continue
            prefix, dot, name = value.partition(".")
            param = consumed.get(norm(str(key)))
            if dot and prefix in aliases and param is not None:
                derived.append(_from_consumed(name, param))
    return _with_implied(derived, unit, call, aliases)


def _with_implied(
    derived: list[Input], unit: Unit, call: ConsumedOperation, aliases: set[str]
) -> list[Input]:
    """Every value the call needs from its caller, beyond the parameters `with` feeds: a
    `with` key naming an input for no declared parameter, `{{tools.X}}` in the body or in a
    parameter's value, each path placeholder nothing else fills (then required), and every
    other declared parameter, which the caller may send under its own name."""
    found = {norm(i.name): i for i in derived}
    declared = {norm(p.name): p for p in call.params}
    placeholders = {norm(v): v for v in variables(call.path)}

    def add(item: Input) -> None:
        found.setdefault(norm(item.name), item)

    fed: set[str] = set()
    for key, value in unit.with_.items():
        fed.add(norm(str(key)))
        if not isinstance(value, str):
            continue
        prefix, dot, name = value.partition(".")
        if dot and name and prefix in aliases and norm(str(key)) not in declared:
            in_path = norm(str(key)) in placeholders
            add(Input(name, "path" if in_path else "query", "string", in_path))
    for text in _texts(call):
        for name in _caller_variables(text, aliases):
            add(Input(name, "body", "string", False))
    for key, spelled in placeholders.items():
        param = declared.get(key)
        if key in fed or (param is not None and param.value is not None):
            continue
        if param is not None:
            add(replace(_from_consumed(param.name, param), required=True))
        else:
            add(Input(spelled, "path", "string", True))
    for key, param in declared.items():  # the caller's own inputs pass through by name
        if key not in fed and param.value is None and param.in_ != "environment":
            add(_from_consumed(param.name, param))
    return list(found.values())


def _unfilled(listed: list[Input], unit: Unit, call: ConsumedOperation) -> list[Input]:
    """Path placeholders a tool that declares its inputs forgot: nothing fills them, so the
    caller must (Sentry's tools list `cursor` but not `organization_id_or_slug`)."""
    have = {norm(i.name) for i in listed} | {norm(str(k)) for k in unit.with_}
    fixed = {norm(p.name) for p in call.params if p.value is not None}
    return [
        Input(name, "path", "string", True)
        for name in variables(call.path)
        if norm(name) not in have and norm(name) not in fixed
    ]


def _texts(call: ConsumedOperation) -> list[str]:
    """The template texts of a consumed operation: its body and its parameters' values."""
    texts = [p.value for p in call.params if isinstance(p.value, str)]
    stack: list[Any] = [call.body.data] if call.body is not None else []
    while stack:  # depth first, in the order written
        node = stack.pop()
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return texts


def _caller_variables(text: str, aliases: set[str]) -> list[str]:
    """`X` for each `{{tools.X}}` (or another adapter prefix) in ``text``."""
    if "{{" not in text:
        return []
    try:
        names = Template(text).variables
    except TemplateSyntaxError:
        return []  # reported where the template is compiled
    found = []
    for name in names:
        prefix, dot, rest = name.partition(".")
        if dot and rest and prefix in aliases and "." not in rest:
            found.append(rest)
    return found


def _from_consumed(name: str, param: ConsumedParam) -> Input:
    location = param.in_ if param.in_ in _LOCATIONS else "query"
    kind = param.type if param.type in TYPES else "string"
    if location == "body" and norm(name) in ("body", "payload") and kind == "string":
        kind = "object"
    required = param.required or location == "path"  # a path cannot leave one out
    return Input(name, location, str(kind), required, param.description, param.constraints)


@dataclass(frozen=True)
class Source:
    """Where an HTTP request carries one declared input: its location and key there, and for
    a body field given as `$...`, the JSONPath into the JSON body."""

    name: str
    location: str
    key: str
    array: bool = False
    path: CompiledPath | None = None


def sources(
    declared: tuple[ExposedParam, ...] | None, path_names: Mapping[str, str]
) -> tuple[Source, ...] | None:
    """The declared inputs' places in a request (``path_names``: normalised -> as written in
    the route); None means every part of the request is an input."""
    if declared is None:
        return None
    found = (_source(p, path_names) for p in declared)
    return tuple(s for s in found if s is not None)


def _source(param: ExposedParam, path_names: Mapping[str, str]) -> Source | None:
    value = param.value
    if value is not None and not (isinstance(value, str) and value.startswith("$")):
        return None  # a fixed value: the engine supplies it
    location = param.in_ or ("path" if norm(param.name) in path_names else "query")
    if location == "environment":
        return None
    path = compile_path(value) if isinstance(value, str) else None
    key = path_names.get(norm(param.name), param.name) if location == "path" else param.name
    return Source(param.name, location, key, param.type == "array", path)
