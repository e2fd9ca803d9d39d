"""Every template in a file, checked on the line where it is written.

A template that does not parse breaks the file. A variable that no input, bind, step or
parameter defines renders empty, or leaves out what it fills (`Authorization: Bearer ` with
nothing after it): the rest serves, so it is a warning that `validate` counts as an error.
So is a `with` that reads an input its unit does not declare: that parameter is never sent.
What each template may name is `spec.scopes`'s to say; path placeholders are
`spec.placeholders`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from naftiko.names import GENERIC_PREFIXES, norm
from naftiko.spec.document import Document
from naftiko.spec.paths import absolute_paths
from naftiko.spec.placeholders import consumed_path, rest_route
from naftiko.spec.scopes import (
    Bound,
    Caller,
    Exposed,
    Names,
    Scope,
    bound,
    callers,
    closest,
    exposed,
    functions,
    inputs_of,
    params,
    spelled,
)
from naftiko.spec.sections import items, output_nodes
from naftiko.spec.yaml import JsonPath
from naftiko.template import TemplateSyntaxError, variables_of


def check_templates(doc: Document) -> None:
    """Append a diagnostic for each template problem in ``doc``, at its field."""
    data = doc.data
    if not isinstance(data, dict):
        return
    capability = data.get("capability")
    if not isinstance(capability, dict):
        # a shared consumes file: its binds and callers are those of whoever imports it
        _shared(doc, data.get("consumes"))
        return
    flawed = [d.path for d in doc.diagnostics if d.code in _SHAPE]
    binds = bound(data, capability)
    if any(p[:1] == ("binds",) or p[:2] == ("capability", "binds") for p in flawed):
        binds = replace(binds, unknown=True)
    known = functions(capability)
    calling = callers(capability, known)
    for index, entry in items(capability, "consumes"):
        if entry.get("type", "http") == "http":
            _consumed(doc, entry, ("capability", "consumes", index), binds, calling)
    for found in exposed(capability):
        size = len(found.path)
        if not any(p[:size] == found.path for p in flawed):  # its slip says it first
            _exposed(doc, found, binds, known)


# findings about a file's shape: what follows from one is not said again
_SHAPE = frozenset({"unit-invalid", "unknown-key", "schema"})


def _shared(doc: Document, entries: Any) -> None:
    """Syntax only: a shared file's variables are judged in each capability importing it."""
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        for where, text in _strings(entry, ("consumes", index)):
            _parses(doc, text, where)


# --- the consumed side ---------------------------------------------------------------------


def _consumed(
    doc: Document,
    entry: dict[str, Any],
    path: JsonPath,
    binds: Bound,
    calling: dict[str, list[Caller]],
) -> None:
    """An operation nothing calls is judged by nothing: whatever `naftiko call` passes it
    fills it. The credentials and the baseUri are judged whatever calls them."""
    namespace = str(entry.get("namespace"))
    own = spelled(p["name"] for _, p in params(entry))
    wide = _scope(binds, own, aliases=GENERIC_PREFIXES)
    operations: list[tuple[JsonPath, dict[str, Any], dict[str, Any], Scope]] = []
    for r_index, resource in items(entry, "resources"):
        shared = spelled(p["name"] for _, p in params(resource))
        for o_index, op in items(resource, "operations"):
            o_path = (*path, "resources", r_index, "operations", o_index)
            declared = spelled(p["name"] for _, p in params(op))
            scope = _scope(binds, own | shared | declared, aliases=GENERIC_PREFIXES)
            mine = calling.get(f"{namespace}.{op.get('name')}", [])
            scope.open = not mine
            for caller in mine:
                scope.open |= caller.inputs is None
                scope.names |= (caller.inputs or {}) | caller.passes
                scope.aliases |= caller.aliases
            operations.append((o_path, resource, op, scope))
            wide.names |= scope.names
            wide.open |= bool(mine) and scope.open
            wide.aliases |= scope.aliases
    _text(doc, entry.get("baseUri"), (*path, "baseUri"), wide, "the baseUri is incomplete")
    for where, text in _strings(entry.get("authentication"), (*path, "authentication")):
        _text(doc, text, where, wide, "the credential is sent without it")
    for index, param in params(entry):
        _text(doc, param.get("value"), (*path, "inputParameters", index, "value"), wide)
    absolute = absolute_paths(entry.get("resources"))
    for o_path, resource, op, scope in operations:
        for holder, base in ((resource, o_path[:-2]), (op, o_path)):
            for index, param in params(holder):
                _text(doc, param.get("value"), (*base, "inputParameters", index, "value"), scope)
        for where, text in _strings(op.get("body"), (*o_path, "body")):
            _text(doc, text, where, scope, "the body is sent without it")
        if _paths_parse(doc, resource, op, o_path):
            consumed_path(doc, resource, op, o_path, scope, absolute)


def _paths_parse(doc: Document, resource: dict[str, Any], op: dict[str, Any], at: JsonPath) -> bool:
    resource_ok = _parses(doc, resource.get("path"), (*at[:-2], "path"))
    return _parses(doc, op.get("path"), (*at, "path")) and resource_ok


def _strings(node: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Every string below ``node``, with its path."""
    stack: list[tuple[JsonPath, Any]] = [(path, node)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            stack.extend(((*where, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*where, i), v) for i, v in enumerate(value))


def _parses(doc: Document, text: Any, where: JsonPath) -> bool:
    if not isinstance(text, str) or "{{" not in text:
        return True
    try:
        variables_of(text)
    except TemplateSyntaxError as exc:
        doc.diag(
            "error",
            where,
            f"template does not parse: {exc}",
            hint="variables are written {{name}}; close every '{{' with '}}'",
            code="template",
        )
        return False
    return True


def _text(
    doc: Document, text: Any, where: JsonPath, scope: Scope, effect: str = "it renders empty"
) -> None:
    """A template's syntax and variables, judged against ``scope``."""
    if not isinstance(text, str) or "{{" not in text or not _parses(doc, text, where):
        return
    for name in variables_of(text):
        if scope.defines(name):
            continue
        near = scope.closest(name)
        shown = sorted(scope.known().values())
        listed = ", ".join(shown[:10]) + (", ..." if len(shown) > 10 else "")
        doc.diag(
            "warning",
            where,
            f"template variable '{name}' is not an input, bind or step here; {effect}",
            hint=f"did you mean '{{{{{near}}}}}'?"
            if near
            else f"defined here: {listed or 'nothing'}; bind a variable or declare an input",
            code="undefined-variable",
        )


# --- the exposed side ----------------------------------------------------------------------


def _scope(binds: Bound, names: Names, *, open_: bool = False, aliases: frozenset[str]) -> Scope:
    return Scope(names, open_ or binds.unknown, aliases, binds.variables, binds.namespaces)


def _exposed(doc: Document, found: Exposed, binds: Bound, known: dict[str, dict[str, Any]]) -> None:
    unit, path = found.unit, found.path
    inputs = inputs_of(found, known)
    adapter = found.adapter
    aliases = frozenset(
        {str(adapter.get("namespace")), str(adapter.get("type")), *GENERIC_PREFIXES}
    )
    steps = spelled(s.get("name") for _, s in items(unit, "steps"))
    mapped = spelled(m.get("targetName") for _, m in items(unit, "mappings"))
    scope = _scope(binds, (inputs or {}) | steps | mapped, open_=inputs is None, aliases=aliases)
    _with(doc, unit.get("with"), (*path, "with"), scope, inputs)
    for index, step in items(unit, "steps"):
        _with(doc, step.get("with"), (*path, "steps", index, "with"), scope, inputs)
    for where, text in _output_values(unit.get("outputParameters"), (*path, "outputParameters")):
        _text(doc, text, where, scope)
    resource = found.resource
    rest = adapter.get("type") == "rest" and inputs is not None and resource is not None
    if rest and _parses(doc, (resource or {}).get("path"), (*path[:-2], "path")):
        rest_route(doc, found, inputs or {})


def _with(doc: Document, with_: Any, path: JsonPath, scope: Scope, inputs: Names | None) -> None:
    if not isinstance(with_, dict):
        return
    for key, value in with_.items():
        if not isinstance(value, str):
            continue
        if "{{" in value:
            _text(doc, value, (*path, key), scope)
            continue
        prefix, _, name = value.partition(".")
        if inputs is None or not name or prefix not in scope.aliases or " " in value:
            continue
        if norm(name) not in inputs:
            near = closest(name, inputs)
            doc.diag(
                "warning",
                (*path, key),
                f"'{value}' reads input '{name}', which this unit does not declare: "
                f"'{key}' is never sent",
                hint="declare it under inputParameters"
                + (f", or did you mean '{prefix}.{near}'?" if near else ""),
                code="unknown-input",
            )


def _output_values(outputs: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Each output's `value` template (not a `$` JSONPath), at any depth."""
    for where, node in output_nodes(outputs, path):
        text = node.get("value")
        if isinstance(text, str) and not text.startswith("$"):
            yield (*where, "value"), text
