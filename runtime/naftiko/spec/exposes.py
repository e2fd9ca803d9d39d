"""The rules of the exposes section: adapters, their units, skills, forwards, `with` and outputs.

Severity follows SEMANTICS.md: what breaks the whole file is an error; what breaks one tool or
operation is a warning naming it (the unit answers an error when called).
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any

from naftiko.jsonpath import JsonPathSyntaxError, compile_path
from naftiko.names import norm
from naftiko.routes import variables
from naftiko.spec.document import Document
from naftiko.spec.sections import adapter_units, items, operations_of, output_nodes
from naftiko.spec.yaml import JsonPath


def check_exposes(
    doc: Document,
    capability: dict[str, Any],
    namespaces: dict[str, dict[str, Any]],
    aggregates: dict[str, dict[str, Any]],
    consumes_slipped: bool = False,
) -> None:
    """``consumes_slipped``: the consumes section has a slip already reported; calls into
    it are then not judged (they follow from that slip)."""
    seen_ns: dict[str, int] = {}
    ports: dict[tuple[str, int], int] = {}
    for index, adapter in items(capability, "exposes"):
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
        _address(doc, adapter.get("address"), (*path, "address"))
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
        forwards = [r for _, r in items(adapter, "resources") if r.get("forward")]
        empty = not units and not forwards and not _slipped(doc, path)
        if empty and adapter.get("type") in ("rest", "mcp"):
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
            judged = None if consumes_slipped else namespaces
            _unit(doc, unit, unit_path, adapter, judged, aggregates)


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _address(doc: Document, address: Any, path: JsonPath) -> None:
    """An address is what a socket binds: an IP or a host name, without scheme or port."""
    if not isinstance(address, str):
        return
    try:
        ipaddress.ip_address(address)
        return
    except ValueError:
        pass
    if not _HOST.match(address):
        doc.diag(
            "error",
            path,
            f"address {address!r} is not an IP address or host name to listen on",
            hint="write the host alone (127.0.0.1, 0.0.0.0, localhost); the port goes in `port`",
            code="address",
        )


def _skills(
    doc: Document, adapter: dict[str, Any], path: JsonPath, capability: dict[str, Any]
) -> None:
    """Skill tools point at a sibling REST or MCP adapter's operation or tool, or at an
    instruction file under the skill's location."""
    if adapter.get("type") != "skill":
        return
    actions: dict[str, set[str]] = {}
    for _, sibling in items(capability, "exposes"):
        namespace = sibling.get("namespace")
        if sibling.get("type") in ("rest", "mcp") and isinstance(namespace, str):
            names = {
                str(unit.get("name"))
                for _, unit in _units(sibling, ())
                if isinstance(unit.get("name"), str)
            }
            actions[namespace] = names
    for s_index, skill in items(adapter, "skills"):
        for t_index, tool in items(skill, "tools"):
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
    for r_index, resource in items(adapter, "resources"):
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
    for where, unit, _ in adapter_units(adapter, path):
        yield where, unit


def _unit(
    doc: Document,
    unit: dict[str, Any],
    path: JsonPath,
    adapter: dict[str, Any],
    namespaces: dict[str, dict[str, Any]] | None,
    aggregates: dict[str, dict[str, Any]],
) -> None:
    """``namespaces`` is None when calls are not to be judged."""
    label = unit.get("name") or unit.get("method") or "unit"
    call = unit.get("call")
    if namespaces is not None and isinstance(call, str) and "." in call:
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
    for s_index, step in items(unit, "steps"):
        step_call = step.get("call")
        if namespaces is not None and isinstance(step_call, str) and "." in step_call:
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
    if (
        not any(unit.get(k) for k in ("call", "steps", "ref"))
        and _acts(unit)
        and not _slipped(doc, path)
    ):
        doc.diag(
            "warning",
            path,
            f"'{label}' has no call, steps, ref or output `value`: it has nothing to answer "
            "with; it is disabled",
            hint="call a consumed operation (call: NAMESPACE.OPERATION), or give its outputs "
            "a value",
            code="unit-disabled",
        )
    outputs(doc, unit.get("outputParameters"), (*path, "outputParameters"), consumed=False)


def _slipped(doc: Document, path: JsonPath) -> bool:
    """Whether the unit has an unknown key already reported (`cal:` for `call:`): what the
    unit then lacks is that one mistake, said once."""
    return any(d.code == "unknown-key" and d.path[:-1] == path for d in doc.diagnostics)


def _acts(unit: dict[str, Any]) -> bool:
    """Whether a unit is meant to answer calls yet has nothing to answer from (a static MCP
    resource answers from its `location`; mock outputs from their values)."""
    if "uri" in unit:
        return False
    for _, node in output_nodes(unit.get("outputParameters"), ()):
        value = node.get("value")
        if value is not None and not (isinstance(value, str) and value.startswith("$")):
            return False
    return True


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
    fmt = str(found.get("outputRawFormat") or "").lower()
    if fmt in _UNDECODED:
        doc.diag(
            "warning",
            path,
            f"'{label}' calls '{call}', whose answers are {fmt}, which naftiko does not "
            "decode (it would need the message schema); it is disabled",
            hint="have the upstream answer JSON, or declare outputRawFormat: text to pass "
            "the answer on as text",
            code="undecoded-format",
        )
        return None
    return {**found, "__consumes__": entry}


_UNDECODED = frozenset({"avro", "protobuf"})


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
    placeholders = [{norm(v) for v in variables(text)} for text in texts]
    for key in with_:
        if norm(key) in known or any(norm(key) in names for names in placeholders):
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
        found.extend(p for _, p in items(holder, "inputParameters"))
    return found


def outputs(doc: Document, outputs: Any, path: JsonPath, *, consumed: bool) -> None:
    """Every JSONPath must compile: a bad one breaks the file (SEMANTICS.md, Documents)."""
    for where, node in output_nodes(outputs, path):
        expression = node.get("mapping")
        key = "mapping"
        if (
            expression is None
            and isinstance(node.get("value"), str)
            and (consumed or node["value"].startswith("$"))
        ):
            expression, key = node["value"], "value"
        problem, hint = "", "use JSONPath such as $.data.items[0].id"
        if not isinstance(expression, str):
            pass
        elif not expression.startswith("$"):
            if key == "mapping" and not consumed:  # compiled for every call
                problem, hint = "a JSONPath starts with '$'", f"write $.{expression.lstrip('.')}"
        else:
            try:
                compile_path(expression)
            except JsonPathSyntaxError as exc:
                problem = str(exc)
        if problem:
            doc.diag(
                "error",
                (*where, key),
                f"invalid JSONPath {expression!r}: {problem}",
                hint=hint,
                code="jsonpath",
            )
