"""What the schema cannot say: versions, references, unique names, distinct ports, JSONPath.

Severity follows SEMANTICS.md: what breaks the whole file is an error; what breaks one tool
or operation is a warning naming it (the unit answers an error when called); ``--strict``
turns every warning into an error.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Iterator
from typing import Any

from naftiko.errors import Diagnostic
from naftiko.names import norm
from naftiko.spec.document import Document
from naftiko.spec.yaml import JsonPath

SUPPORTED = "1.0.0-alpha2"


def strict(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.severity == "warning":
        return dataclasses.replace(diagnostic, severity="error")
    return diagnostic


def version(doc: Document) -> bool:
    """Check the document kind and version; False when nothing else is worth checking."""
    data = doc.data
    if not isinstance(data, dict):
        doc.diag(
            "error",
            (),
            "a capability file must be a YAML mapping",
            hint="start with 'naftiko: \"1.0.0-alpha2\"'",
            code="not-mapping",
        )
        return False
    declared = data.get("naftiko")
    if declared is None:
        doc.diag(
            "error",
            (),
            "missing 'naftiko' version key",
            hint=f"add 'naftiko: \"{SUPPORTED}\"' at the top",
            code="version",
        )
        return False
    if str(declared) == "1.0.0-alpha1":
        doc.diag(
            "error",
            ("naftiko",),
            "this file declares naftiko 1.0.0-alpha1; naftiko-py runs 1.0.0-alpha2",
            hint="alpha2 renamed the workflow layout: move operations under "
            "capability.consumes[].resources[] and adapters under capability.exposes[], "
            'then set naftiko: "1.0.0-alpha2"',
            code="version",
        )
        return False
    if str(declared) != SUPPORTED:
        doc.diag(
            "error",
            ("naftiko",),
            f"unsupported naftiko version {declared!r}",
            hint=f'naftiko-py runs "{SUPPORTED}"',
            code="version",
        )
        return False
    has_capability = "capability" in data
    has_consumes = "consumes" in data
    if has_capability and has_consumes:
        doc.diag(
            "error",
            ("consumes",),
            "a file is either a capability or a shared consumes file, not both",
            hint="move the root 'consumes' into capability.consumes",
            code="document-kind",
        )
    elif not has_capability and not has_consumes:
        doc.diag(
            "error",
            (),
            "nothing to run: no 'capability' and no root 'consumes'",
            hint="add a 'capability' with consumes and exposes",
            code="document-kind",
        )
    return True


def check(doc: Document) -> None:
    data = doc.data
    capability = data.get("capability") if isinstance(data, dict) else None
    consumes_root: JsonPath = ("consumes",)
    consumes = data.get("consumes")
    if isinstance(capability, dict):
        consumes_root = ("capability", "consumes")
        consumes = capability.get("consumes")
    namespaces = _consumes(doc, consumes if isinstance(consumes, list) else [], consumes_root)
    if isinstance(capability, dict):
        _binds(doc, data, capability)
        aggregates = _aggregates(doc, capability)
        _exposes(doc, capability, namespaces, aggregates)


# --- consumes ------------------------------------------------------------------------------


def _consumes(doc: Document, entries: list[Any], root: JsonPath) -> dict[str, dict[str, Any]]:
    """Unique namespaces; identical repeats are a warning and dropped, different ones an error."""
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    keep: list[Any] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("namespace"), str):
            keep.append(entry)
            continue
        if entry.get("type", "http") != "http":
            continue
        name = entry["namespace"]
        path = (*root, index, "namespace")
        if name in seen:
            first_index, first = seen[name]
            file, line, _ = doc.where((*root, first_index, "namespace"))
            if _same(first, entry):
                doc.diag(
                    "warning",
                    path,
                    f"consumes namespace '{name}' is declared twice with identical content; "
                    "one declaration is kept",
                    hint=f"remove the repeat (first at {file}:{line})",
                    code="duplicate-same",
                )
                continue
            doc.diag(
                "error",
                path,
                f"consumes namespace '{name}' is declared twice with different content",
                hint=f"rename one of them (first at {file}:{line})",
                code="duplicate-namespace",
            )
            continue
        seen[name] = (index, entry)
        keep.append(entry)
        base = entry.get("baseUri")
        if isinstance(base, str) and not base.startswith(("http://", "https://", "{{")):
            doc.diag(
                "warning",
                (*root, index, "baseUri"),
                f"namespace '{name}' has no usable baseUri ({base!r}); its calls fail "
                "until one is given",
                hint=f"set an http(s) URL, or run with --base-uri {name}=URL",
                code="base-uri",
            )
        for res_i, resource in _items(entry, "resources"):
            for op_i, operation in _items(resource, "operations"):
                _outputs(
                    doc,
                    operation.get("outputParameters"),
                    (*root, index, "resources", res_i, "operations", op_i, "outputParameters"),
                    consumed=True,
                )
    entries[:] = keep
    return {name: entry for name, (_, entry) in seen.items()}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _items(parent: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    values = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield index, value


def operations_of(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Operation name -> operation, across resources (the first of a name wins)."""
    found: dict[str, dict[str, Any]] = {}
    for _, resource in _items(entry, "resources"):
        for _, operation in _items(resource, "operations"):
            name = operation.get("name")
            if isinstance(name, str) and name not in found:
                found[name] = {**operation, "__resource__": resource}
    return found


# --- binds ---------------------------------------------------------------------------------


def _binds(doc: Document, data: dict[str, Any], capability: dict[str, Any]) -> None:
    for root in (("binds",), ("capability", "binds")):
        holder = data if len(root) == 1 else capability
        seen: set[str] = set()
        for index, bind in _items(holder, "binds"):
            name = bind.get("namespace")
            if name in seen:
                doc.diag(
                    "error",
                    (*root, index, "namespace"),
                    f"bind namespace '{name}' is declared twice",
                    hint="merge the two binds or rename one",
                    code="duplicate-namespace",
                )
            if isinstance(name, str):
                seen.add(name)
            location = bind.get("location")
            if isinstance(location, str) and not location.startswith("file:"):
                doc.diag(
                    "error",
                    (*root, index, "location"),
                    f"bind location scheme of {location!r} is not supported",
                    hint="use file:// (YAML, JSON, .env or a directory of files) or omit "
                    "location to read environment variables",
                    code="bind-scheme",
                )


# --- aggregates ----------------------------------------------------------------------------


def _aggregates(doc: Document, capability: dict[str, Any]) -> dict[str, dict[str, Any]]:
    functions: dict[str, dict[str, Any]] = {}
    for index, aggregate in _items(capability, "aggregates"):
        for f_index, function in _items(aggregate, "functions"):
            key = f"{aggregate.get('namespace')}.{function.get('name')}"
            if key in functions:
                doc.diag(
                    "error",
                    ("capability", "aggregates", index, "functions", f_index, "name"),
                    f"aggregate function '{key}' is declared twice",
                    hint="rename one of them",
                    code="duplicate-name",
                )
            functions[key] = function
    return functions


# --- exposes -------------------------------------------------------------------------------


def _exposes(
    doc: Document,
    capability: dict[str, Any],
    namespaces: dict[str, dict[str, Any]],
    aggregates: dict[str, dict[str, Any]],
) -> None:
    seen_ns: dict[str, int] = {}
    ports: dict[tuple[str, int], int] = {}
    for index, adapter in _items(capability, "exposes"):
        path: JsonPath = ("capability", "exposes", index)
        name = adapter.get("namespace")
        if isinstance(name, str):
            if name in seen_ns or name in namespaces:
                doc.diag(
                    "error",
                    (*path, "namespace"),
                    f"namespace '{name}' is used by two blocks",
                    hint="every adapter and consumes namespace must be unique",
                    code="duplicate-namespace",
                )
            seen_ns[name] = index
        port = adapter.get("port")
        if isinstance(port, int) and port > 0 and adapter.get("transport") != "stdio":
            key = (str(adapter.get("address", "127.0.0.1")), port)
            loose = [k for k in ports if k[1] == port]
            if loose:
                other = ports[loose[0]]
                file, line, _ = doc.where(("capability", "exposes", other, "port"))
                doc.diag(
                    "warning",
                    (*path, "port"),
                    f"port {port} is already used by exposes[{other}]; "
                    "`naftiko run` refuses to start until one moves",
                    hint=f"give each adapter its own port (other one at {file}:{line}), "
                    "or override one with --port NAMESPACE=PORT",
                    code="port-clash",
                )
            ports[key] = index
        _forwards(doc, adapter, path, namespaces)
        _skills(doc, adapter, path, capability)
        units = list(_units(adapter, path))
        forwards = [r for _, r in _items(adapter, "resources") if r.get("forward")]
        if not units and not forwards and adapter.get("type") in ("rest", "mcp"):
            what = "resources" if adapter.get("type") == "rest" else "tools"
            doc.diag(
                "warning",
                path,
                f"adapter '{name}' declares no {what}; it serves nothing",
                hint=f"add {what} or remove the adapter",
                code="empty-adapter",
            )
        names: dict[str, JsonPath] = {}
        for unit_path, unit in units:
            unit_name = unit.get("name")
            if isinstance(unit_name, str) and adapter.get("type") == "mcp" and "uri" not in unit:
                if unit_name in names:
                    doc.diag(
                        "warning",
                        (*unit_path, "name"),
                        f"tool name '{unit_name}' is declared twice; the first one is served",
                        code="duplicate-name",
                    )
                names.setdefault(unit_name, unit_path)
            _unit(doc, unit, unit_path, adapter, namespaces, aggregates)


def _skills(
    doc: Document, adapter: dict[str, Any], path: JsonPath, capability: dict[str, Any]
) -> None:
    """Skill tools point at a sibling REST or MCP adapter's operation or tool, or at an
    instruction file under the skill's location."""
    if adapter.get("type") != "skill":
        return
    actions: dict[str, set[str]] = {}
    for _, sibling in _items(capability, "exposes"):
        if sibling.get("type") in ("rest", "mcp") and isinstance(sibling.get("namespace"), str):
            names = {
                str(unit.get("name"))
                for _, unit in _units(sibling, ())
                if isinstance(unit.get("name"), str)
            }
            actions[sibling["namespace"]] = names
    for s_index, skill in _items(adapter, "skills"):
        for t_index, tool in _items(skill, "tools"):
            where = (*path, "skills", s_index, "tools", t_index)
            source, instruction = tool.get("from"), tool.get("instruction")
            if (source is None) == (instruction is None):
                doc.diag(
                    "warning" if source is None else "error",
                    where,
                    f"skill tool '{tool.get('name')}' needs exactly one of `from` and "
                    "`instruction`" + ("; it is left out of the skill" if source is None else ""),
                    hint="point `from` at a REST or MCP adapter's operation or tool",
                    code="skill-tool",
                )
                continue
            if instruction is not None:
                if not skill.get("location"):
                    doc.diag(
                        "error",
                        (*where, "instruction"),
                        "an instruction needs the skill to have a `location` directory",
                        code="skill-tool",
                    )
                continue
            if not isinstance(source, dict):
                continue
            target, action = source.get("sourceNamespace"), source.get("action")
            if target not in actions:
                doc.diag(
                    "error",
                    (*where, "from", "sourceNamespace"),
                    f"'{target}' is not a REST or MCP adapter of this capability",
                    hint=_suggest(str(target), actions, "REST and MCP adapters"),
                    code="skill-tool",
                )
            elif action not in actions[target]:
                doc.diag(
                    "error",
                    (*where, "from", "action"),
                    f"adapter '{target}' has no tool or operation '{action}'",
                    hint=_suggest(str(action), actions[target], f"names in {target}"),
                    code="skill-tool",
                )


def _forwards(
    doc: Document,
    adapter: dict[str, Any],
    path: JsonPath,
    namespaces: dict[str, dict[str, Any]],
) -> None:
    if adapter.get("type") != "rest":
        return
    for r_index, resource in _items(adapter, "resources"):
        forward = resource.get("forward")
        if not isinstance(forward, dict):
            continue
        target = forward.get("targetNamespace")
        if isinstance(target, str) and target not in namespaces:
            doc.diag(
                "warning",
                (*path, "resources", r_index, "forward", "targetNamespace"),
                f"forward targets '{target}', but no consumes block declares it; "
                "the forward is disabled",
                hint=_suggest(target, namespaces, "declared namespaces"),
                code="unknown-forward",
            )


def _units(adapter: dict[str, Any], path: JsonPath) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for t_index, tool in _items(adapter, "tools"):
        yield (*path, "tools", t_index), tool
    for r_index, resource in _items(adapter, "resources"):
        if adapter.get("type") == "mcp":
            yield (*path, "resources", r_index), resource
            continue
        for o_index, operation in _items(resource, "operations"):
            yield (*path, "resources", r_index, "operations", o_index), operation


def _unit(
    doc: Document,
    unit: dict[str, Any],
    path: JsonPath,
    adapter: dict[str, Any],
    namespaces: dict[str, dict[str, Any]],
    aggregates: dict[str, dict[str, Any]],
) -> None:
    label = unit.get("name") or unit.get("method") or "unit"
    call = unit.get("call")
    if isinstance(call, str) and "." in call:
        target = _operation(doc, call, (*path, "call"), label, namespaces)
        if target is not None:
            _with_keys(doc, unit.get("with"), (*path, "with"), target, label)
    ref = unit.get("ref")
    if isinstance(ref, str) and ref not in aggregates:
        doc.diag(
            "warning",
            (*path, "ref"),
            f"'{label}' refers to aggregate function '{ref}', which is not declared; "
            "it is disabled",
            hint=f"declared functions: {', '.join(sorted(aggregates)) or 'none'}",
            code="unknown-ref",
        )
    for s_index, step in _items(unit, "steps"):
        step_call = step.get("call")
        if isinstance(step_call, str) and "." in step_call:
            _operation(doc, step_call, (*path, "steps", s_index, "call"), label, namespaces)
        kind = step.get("type", "call")
        if kind not in ("call", "lookup", "script"):
            doc.diag(
                "warning",
                (*path, "steps", s_index, "type"),
                f"step type {kind!r} is not supported; '{label}' is disabled",
                hint="steps are call, lookup or script",
                code="unsupported-step",
            )
    _outputs(doc, unit.get("outputParameters"), (*path, "outputParameters"), consumed=False)


def _operation(
    doc: Document,
    call: str,
    path: JsonPath,
    label: str,
    namespaces: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    namespace, _, operation = call.partition(".")
    entry = namespaces.get(namespace)
    if entry is None:
        doc.diag(
            "warning",
            path,
            f"'{label}' calls '{call}', but no consumes block declares namespace "
            f"'{namespace}'; it is disabled",
            hint=_suggest(namespace, namespaces, "declared namespaces"),
            code="unknown-call",
        )
        return None
    operations = operations_of(entry)
    found = operations.get(operation)
    if found is None:
        doc.diag(
            "warning",
            path,
            f"'{label}' calls '{call}', but '{namespace}' has no operation '{operation}'; "
            "it is disabled",
            hint=_suggest(operation, operations, f"operations of {namespace}"),
            code="unknown-call",
        )
        return None
    return {**found, "__consumes__": entry}


def _suggest(name: str, known: Any, what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    if close:
        return f"did you mean {', '.join(close)}?"
    names = sorted(known)
    shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
    return f"{what}: {shown or 'none'}"


def _with_keys(
    doc: Document, with_: Any, path: JsonPath, target: dict[str, Any], label: str
) -> None:
    if not isinstance(with_, dict):
        return
    known = {norm(p["name"]) for p in _params(target) if isinstance(p.get("name"), str)}
    texts = [str(target["__resource__"].get("path", "")), json.dumps(target.get("body"))]
    for key in with_:
        if norm(key) in known or any(f"{{{key}}}" in t or f"{{{{{key}}}}}" in t for t in texts):
            continue
        doc.diag(
            "warning",
            (*path, key),
            f"'{label}' passes '{key}', which is not a parameter of the called operation",
            hint=f"parameters: {', '.join(sorted(known)) or 'none'}",
            code="unknown-with",
        )


def _params(target: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for holder in (target["__consumes__"], target["__resource__"], target):
        found.extend(p for _, p in _items(holder, "inputParameters"))
    return found


def _outputs(doc: Document, outputs: Any, path: JsonPath, *, consumed: bool) -> None:
    """Every JSONPath must compile: a bad one breaks the file (SEMANTICS.md, Documents)."""
    from naftiko.jsonpath import JsonPathSyntaxError, compile_path

    if not isinstance(outputs, list):
        return
    stack: list[tuple[JsonPath, Any]] = [((*path, i), o) for i, o in enumerate(outputs)]
    while stack:
        where, node = stack.pop()
        if not isinstance(node, dict):
            continue
        expression = node.get("mapping")
        key = "mapping"
        if (
            expression is None
            and isinstance(node.get("value"), str)
            and (consumed or node["value"].startswith("$"))
        ):
            expression, key = node["value"], "value"
        if isinstance(expression, str) and expression.startswith("$"):
            try:
                compile_path(expression)
            except JsonPathSyntaxError as exc:
                doc.diag(
                    "error",
                    (*where, key),
                    f"invalid JSONPath {expression!r}: {exc}",
                    hint="use JSONPath such as $.data.items[0].id",
                    code="jsonpath",
                )
        properties = node.get("properties")
        if isinstance(properties, dict):
            stack.extend(((*where, "properties", k), v) for k, v in properties.items())
        items = node.get("items")
        if isinstance(items, dict):
            stack.append(((*where, "items"), items))
        elif isinstance(items, list):
            stack.extend(((*where, "items", i), v) for i, v in enumerate(items))
