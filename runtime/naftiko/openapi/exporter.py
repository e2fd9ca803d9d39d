"""A REST adapter described as OpenAPI 3.1, from the declarations alone (no secrets, no network).

Parameters come from declared `inputParameters`; in the generated-file dialect (none
declared) they come from the consumed operation's parameters that `with` feeds, as MCP
derives tool schemas. Typed outputs give response schemas. Upstream statuses pass through,
so call-backed operations answer `2XX`; our own errors are problem+json.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from naftiko.engine import Engine, ExposedPlan
from naftiko.engine.signature import Input
from naftiko.jsontypes import JSON
from naftiko.names import norm
from naftiko.routes import openapi_path, variables
from naftiko.spec.model import Adapter, Capability, Unit, pick_adapter
from naftiko.version import __version__

_PARAM_LOCATIONS = ("query", "header", "cookie")
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "hint": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "in": {"type": "string"},
                    "problem": {"type": "string"},
                },
            },
        },
    },
    "required": ["title", "status"],
}


def rest_adapter(capability: Capability, namespace: str | None = None) -> Adapter:
    """The REST adapter named ``namespace``, or the only one."""
    return pick_adapter(capability.exposes, "rest", namespace, str(capability.path))


def export_openapi(
    engine: Engine, adapter: Adapter, server_url: str | None = None
) -> dict[str, JSON]:
    """The adapter as OpenAPI 3.1, from its plans: the inputs and output schemas the engine
    checks and shapes are the ones documented."""
    capability = engine.capability
    paths: dict[str, dict[str, Any]] = {}
    seen_ids: set[str] = set()
    for resource in adapter.resources:
        item = paths.setdefault(openapi_path(resource.path), {})
        for unit in resource.units:
            method = (unit.method or "GET").lower()
            plan = engine.plans.get(unit.target)
            if method in item or not isinstance(plan, ExposedPlan) or plan.disabled:
                continue
            item[method] = _operation(plan, seen_ids)
        if resource.forward is not None and "x-naftiko-forward" not in item:
            item["x-naftiko-forward"] = {"targetNamespace": resource.forward.namespace}
    if not server_url:
        host = adapter.address or "127.0.0.1"
        server_url = f"http://{host}:{adapter.port}" if adapter.port else None
    info: dict[str, Any] = {
        "title": capability.label or adapter.namespace,
        "version": capability.version,
        "x-generator": f"naftiko {__version__}",
    }
    if capability.description:
        info["description"] = capability.description
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": info,
        "paths": {path: item for path, item in paths.items() if item},
        "components": {"schemas": {"Problem": _PROBLEM}},
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def _operation(plan: ExposedPlan, seen: set[str]) -> dict[str, Any]:
    unit = plan.unit
    operation_id = unit.name
    suffix = 2
    while operation_id in seen:
        operation_id, suffix = f"{unit.name}-{suffix}", suffix + 1
    seen.add(operation_id)
    result: dict[str, Any] = {"operationId": operation_id}
    if plan.title:
        result["summary"] = plan.title
    if plan.description:
        result["description"] = plan.description
    parameters, body = _inputs(unit, plan.signature)
    if parameters:
        result["parameters"] = parameters
    if body is not None:
        result["requestBody"] = body
    success: dict[str, Any] = {"description": "The shaped answer"}
    schema = plan.output_schema
    if schema is not None:
        success["content"] = {"application/json": {"schema": schema}}
    mock = not unit.call and not unit.ref and not unit.steps
    errors: dict[str, Any] = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    if not mock:  # the upstream's own error body and Content-Type pass through unchanged
        errors["application/json"] = {"schema": {}}
        errors["*/*"] = {"schema": {}}
    result["responses"] = {
        ("200" if mock else "2XX"): success,
        "default": {
            "description": "A problem+json error of ours, or the upstream's own error answer "
            "passed through unchanged (its status, body and Content-Type)",
            "content": errors,
        },
    }
    return result


def _inputs(unit: Unit, accepted: tuple[Input, ...]) -> tuple[list[dict[str, Any]], Any]:
    path_names = variables(unit.path or "")
    parameters = {
        ("path", norm(name)): _parameter(name, "path", "string", True, "") for name in path_names
    }
    body_fields: dict[str, tuple[dict[str, Any], bool]] = {}
    whole_body: tuple[dict[str, Any], bool] | None = None
    for found in accepted:
        name, location, kind = found.name, found.location, found.type
        required, description, extra = found.required, found.description, found.schema
        if location == "path":
            key = ("path", norm(name))
            if key in parameters:
                parameters[key] = _parameter(
                    parameters[key]["name"], "path", kind, True, description, extra
                )
            continue
        if location in _PARAM_LOCATIONS:
            parameters.setdefault(
                (location, norm(name)),
                _parameter(name, location, kind, required, description, extra),
            )
        elif norm(name) in ("body", "payload"):
            whole_body = (_schema(kind, description, extra), required)
        else:
            body_fields[name] = (_schema(kind, description, extra), required)
    body = None
    if whole_body is not None:
        content = {"application/json": {"schema": whole_body[0]}}
        body = {"required": whole_body[1], "content": content}
    elif body_fields:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {k: v[0] for k, v in body_fields.items()},
        }
        needed = [k for k, v in body_fields.items() if v[1]]
        if needed:
            schema["required"] = needed
        body = {"required": bool(needed), "content": {"application/json": {"schema": schema}}}
    return list(parameters.values()), body


def _parameter(
    name: str,
    location: str,
    kind: str,
    required: bool,
    description: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "in": location}
    if description:
        found["description"] = description
    if required or location == "path":
        found["required"] = True
    found["schema"] = _schema(kind, "", extra)
    if kind in ("array", "object") and location != "path":
        found["style"] = "form"
    return found


def _schema(kind: str, description: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind if kind in _TYPES else "string", **(extra or {})}
    if description:
        schema["description"] = description
    return schema
