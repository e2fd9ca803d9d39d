"""Parameters as the model holds them: exposed ones (REST and tool inputs), and consumed ones
with the JSON Schema keywords an API documents for their values (enum, bounds, format, items,
or a whole `schema` for a body)."""

from __future__ import annotations

from typing import Any

from naftiko.spec.model import ConsumedParam, ExposedParam

_KNOWN_EXPOSED = {"name", "type", "in", "required", "description", "value"}


def exposed_params(values: Any, *, rest: bool = False) -> tuple[ExposedParam, ...] | None:
    """REST parameters are optional unless in the path or marked `required` (the alpha2
    schema forbids `required` there, so files could not say otherwise); tool ones required."""
    if not isinstance(values, list):
        return None
    return tuple(
        ExposedParam(
            name=str(p["name"]),
            type=str(p.get("type") or "string"),
            in_=p.get("in"),
            required=bool(p.get("required", p.get("in") == "path" if rest else True)),
            description=str(p.get("description") or ""),
            value=p.get("value"),
            extra={k: v for k, v in p.items() if k not in _KNOWN_EXPOSED},
        )
        for p in values
        if isinstance(p, dict) and "name" in p
    )


def consumed_params(values: Any) -> tuple[ConsumedParam, ...]:
    return tuple(
        ConsumedParam(
            name=str(p["name"]),
            in_=str(p.get("in", "query")),
            value=p.get("value"),
            type=p.get("type"),
            required=bool(p.get("required", False)),
            description=str(p.get("description") or ""),
            constraints=_constraints(p),
        )
        for p in values or []
        if isinstance(p, dict) and "name" in p
    )


# JSON Schema keywords a consumed parameter may carry (the OpenAPI importer writes them)
CONSTRAINTS = (
    "enum",
    "format",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
)


def _constraints(param: dict[str, Any]) -> dict[str, Any]:
    """The value's JSON Schema keywords: those written on the parameter, then `schema`."""
    found = {k: param[k] for k in CONSTRAINTS if k in param}
    schema = param.get("schema")
    if isinstance(schema, dict):
        found.update({k: v for k, v in schema.items() if k != "type"})
    return found
