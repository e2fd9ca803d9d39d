"""`naftiko inspect`: what a capability offers, without reading its YAML.

It describes the plans `run` would serve (adapters and their URLs, REST routes, MCP tools and
their inputs, call targets), the binds it needs (names and where they come from, never a
value) and what is disabled and why. Secrets are not read: binds are placeholders, as in
`validate`; only whether each variable or file is present is looked at.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, TypedDict

from naftiko.engine import ConsumedPlan, Engine, ExposedPlan
from naftiko.pipeline import Compiled
from naftiko.spec.imports import location_path
from naftiko.spec.model import Adapter, Capability

# `in`: path, query, header, cookie or body for REST and consumed; argument for a tool
Input = TypedDict("Input", {"name": str, "type": str, "required": bool, "in": str})


class Target(TypedDict, total=False):
    """A `naftiko call` target; ``disabled`` only when it cannot run."""

    target: str
    kind: str  # tool, operation, function, consumed...
    inputs: list[Input]
    disabled: str


class Route(TypedDict, total=False):
    method: str
    path: str
    target: str  # an operation's, or
    forward: str  # the namespace a forwarding resource passes on to


class Tool(TypedDict, total=False):
    name: str
    description: str
    inputs: list[Input]
    hints: dict[str, bool]
    disabled: str


class AdapterSummary(TypedDict, total=False):
    namespace: str
    type: str
    transport: Literal["stdio"]
    run: str  # the command that serves a stdio adapter
    address: str
    port: int | None  # None: a free port, chosen at start
    url: str
    authentication: str
    routes: list[Route]
    tools: list[Tool]
    resources: list[str]
    prompts: list[str]
    skills: list[str]


class Bind(TypedDict, total=False):
    namespace: str
    source: str  # "environment" or the file's location
    variables: list[str]  # from the environment: the names read,
    missing: list[str]  # and those not set
    keys: list[str]  # from a file: the keys read,
    present: bool  # and whether it exists


class Disabled(TypedDict):
    target: str
    reason: str


class Description(TypedDict):
    """What `naftiko inspect --format json` prints."""

    file: str
    label: str
    description: str
    specVersion: str
    adapters: list[AdapterSummary]
    targets: list[Target]
    binds: list[Bind]
    disabled: list[Disabled]
    warnings: list[str]


def describe(compiled: Compiled, environ: Mapping[str, str] | None = None) -> Description:
    """The capability as plain data (what `--format json` prints)."""
    capability, engine = compiled.capability, compiled.engine
    assert capability is not None and engine is not None
    env = os.environ if environ is None else environ
    return {
        "file": compiled.file,
        "label": capability.label,
        "description": capability.description,
        "specVersion": capability.version,
        "adapters": [_adapter(a, engine) for a in capability.exposes],
        "targets": targets(engine),
        "binds": _binds(capability, env),
        "disabled": [{"target": p.target, "reason": p.disabled} for p in compiled.disabled],
        "warnings": [str(d) for d in compiled.warnings],
    }


def targets(engine: Engine) -> list[Target]:
    """Every `naftiko call` target with the inputs it takes."""
    found: list[Target] = []
    for name, plan in engine.plans.items():
        if isinstance(plan, ExposedPlan):
            if plan.unit.kind == "resource":
                continue
            inputs = [_input(i.name, i.type, i.required, i.location) for i in plan.signature]
            kind: str = plan.unit.kind
        else:
            inputs = [
                _input(p.name, p.type or "string", p.required or p.in_ == "path", p.in_)
                for p in plan.operation.params
                if p.value is None
            ]
            kind = "consumed"
        target: Target = {"target": name, "kind": kind, "inputs": inputs}
        if off := _off(plan):
            target["disabled"] = off
        found.append(target)
    return found


def _off(plan: ConsumedPlan | ExposedPlan) -> str:
    """Why the target cannot run ("" when it can)."""
    return plan.disabled if isinstance(plan, ExposedPlan) and plan.disabled else ""


def _input(name: str, type_: str, required: bool, where: str) -> Input:
    return {"name": name, "type": type_, "required": required, "in": where}


def _adapter(adapter: Adapter, engine: Engine) -> AdapterSummary:
    found: AdapterSummary = {"namespace": adapter.namespace, "type": adapter.type}
    if adapter.transport == "stdio":
        found["transport"] = "stdio"
        found["run"] = f"naftiko run FILE --mcp-stdio {adapter.namespace}"
    else:
        host = adapter.address or "127.0.0.1"
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        found["address"] = host
        found["port"] = adapter.port
        if adapter.port:
            suffix = "/mcp" if adapter.type == "mcp" else ""
            found["url"] = f"http://{shown}:{adapter.port}{suffix}"
    if adapter.auth is not None:
        found["authentication"] = adapter.auth.type
    if adapter.type == "rest":
        routes: list[Route] = [
            {
                "method": unit.method or "GET",
                "path": resource.path,
                "target": f"{adapter.namespace}.{unit.name}",
            }
            for resource in adapter.resources
            for unit in resource.units
        ]
        routes += [
            {"method": "*", "path": resource.path, "forward": resource.forward.namespace}
            for resource in adapter.resources
            if resource.forward is not None
        ]
        found["routes"] = routes
    if adapter.type == "mcp":
        found["tools"] = [_tool(engine, adapter, unit.name) for unit in adapter.units]
        found["resources"] = [r.uri for r in adapter.mcp_resources]
        found["prompts"] = [p.name for p in adapter.prompts]
    if adapter.type == "skill":
        found["skills"] = [skill.name for skill in adapter.skills]
    return found


def _tool(engine: Engine, adapter: Adapter, name: str) -> Tool:
    plan = engine.plans.get(f"{adapter.namespace}.{name}")
    if not isinstance(plan, ExposedPlan):
        return {"name": name}
    found: Tool = {
        "name": name,
        "description": plan.description.strip().splitlines()[0] if plan.description.strip() else "",
        "inputs": [_input(i.name, i.type, i.required, "argument") for i in plan.signature],
    }
    if plan.unit.hints:
        found["hints"] = dict(plan.unit.hints)
    if off := _off(plan):
        found["disabled"] = off
    return found


def _binds(capability: Capability, environ: Mapping[str, str]) -> list[Bind]:
    found: list[Bind] = []
    for bind in capability.binds:
        if bind.location is None:
            variables = sorted(set(bind.keys.values()))
            found.append(
                {
                    "namespace": bind.namespace,
                    "source": "environment",
                    "variables": variables,
                    "missing": [v for v in variables if v not in environ],
                }
            )
            continue
        path = _bind_file(bind.location, capability.path.parent)
        found.append(
            {
                "namespace": bind.namespace,
                "source": bind.location,
                "keys": sorted(bind.keys),
                "present": path is not None and path.exists(),
            }
        )
    return found


def _bind_file(location: str, base: Path) -> Path | None:
    try:
        return location_path(location, base)
    except ValueError:
        return None


def as_text(described: Description) -> str:
    """The description for a terminal: one section per part, one line per item."""
    lines = [
        f"{described['file']}: {described['label'] or '(no label)'} "
        f"(spec {described['specVersion']})"
    ]
    if described["description"]:
        lines.append(f"  {described['description'].strip().splitlines()[0]}")
    lines.append("")
    lines.append("adapters:")
    for adapter in described["adapters"]:
        lines.extend(_adapter_lines(adapter))
    lines.append("")
    lines.append("call targets (naftiko call FILE TARGET -p NAME=VALUE):")
    lines.extend(target_lines(described["targets"]))
    lines.append("")
    lines.append("binds:")
    if not described["binds"]:
        lines.append("  none")
    for bind in described["binds"]:
        if bind["source"] == "environment":
            missing = set(bind["missing"])
            names = ", ".join(v + (" (not set)" if v in missing else "") for v in bind["variables"])
            lines.append(f"  {bind['namespace']}: environment {names}")
        else:
            state = "" if bind["present"] else " (file not found)"
            lines.append(
                f"  {bind['namespace']}: {bind['source']}{state}: {', '.join(bind['keys'])}"
            )
    if described["disabled"]:
        lines.append("")
        lines.append("disabled (run serves the rest):")
        lines.extend(f"  {d['target']}: {d['reason']}" for d in described["disabled"])
    if described["warnings"]:
        lines.append("")
        lines.append(f"{len(described['warnings'])} warning(s): naftiko validate shows them")
    return "\n".join(lines) + "\n"


def _adapter_lines(adapter: AdapterSummary) -> list[str]:
    where = (
        "stdio (" + adapter["run"] + ")"
        if adapter.get("transport") == "stdio"
        else adapter.get("url") or f"{adapter['address']}, a free port at start"
    )
    auth = f", {adapter['authentication']} authentication" if "authentication" in adapter else ""
    lines = [f"  {adapter['namespace']} ({adapter['type']}): {where}{auth}"]
    routes = adapter.get("routes", [])
    width = max((len(r["path"]) for r in routes), default=0)
    for route in routes:
        to = route.get("target") or f"forward to {route['forward']}"
        lines.append(f"    {route['method']:<7} {route['path']:<{width}}  -> {to}")
    for tool in adapter.get("tools", []):
        inputs = _inputs_text(tool.get("inputs", []))
        off = f"  [disabled: {tool['disabled']}]" if "disabled" in tool else ""
        lines.append(f"    tool {tool['name']}({inputs}){off}")
        if tool.get("description"):
            lines.append(f"      {tool['description']}")
    for uri in adapter.get("resources", []):
        lines.append(f"    resource {uri}")
    for name in adapter.get("prompts", []):
        lines.append(f"    prompt {name}")
    for name in adapter.get("skills", []):
        lines.append(f"    skill {name}")
    return lines


def target_lines(found: Sequence[Target]) -> list[str]:
    """One line per call target with its inputs (`name*` is required)."""
    if not found:
        return ["  none"]
    width = max(len(t["target"]) for t in found)
    return [
        f"  {t['target']:<{width}}  {_inputs_text(t['inputs']) or '(no inputs)'}"
        + (f"  [disabled: {t['disabled']}]" if "disabled" in t else "")
        for t in found
    ]


def _inputs_text(inputs: Sequence[Input]) -> str:
    return ", ".join(f"{i['name']}{'*' if i['required'] else ''}: {i['type']}" for i in inputs)
