"""MCP tools compiled from YAML once: definitions, argument checks, results.

A tool's ``inputSchema`` comes from its plan's signature (declared or derived);
``outputSchema`` from the plan's output schema, only when shaping guarantees an object;
``annotations`` only from what the file sets (hints, or an aggregate's semantics). Calls go
through ``engine.invoke``, which converts and checks the arguments; what goes wrong in a call
(bad arguments, upstream errors, timeouts, an answer the output schema cannot hold) is a
result with ``isError: true``, never a protocol error.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from naftiko import jsonio
from naftiko.engine import ExposedPlan, Plan, Result, invoke, raw_object
from naftiko.engine.signature import Input
from naftiko.errors import NaftikoError, UpstreamError
from naftiko.observe.redact import scrub, scrub_data
from naftiko.spec.model import Unit

STRUCTURED_FROM = "2025-06-18"
_HINTS = {
    "readOnly": "readOnlyHint",
    "destructive": "destructiveHint",
    "idempotent": "idempotentHint",
    "openWorld": "openWorldHint",
}


@dataclass(frozen=True)
class Tool:
    name: str
    plan: ExposedPlan
    definition: Mapping[str, Any]
    output_schema: Mapping[str, Any] | None
    # (argument, x-mcp-header token) of each input the upstream gets as a header
    mirrored: tuple[tuple[str, str], ...] = ()

    @property
    def scopes(self) -> tuple[str, ...]:
        """OAuth2 scopes a caller needs for this tool, besides the adapter's."""
        return self.plan.unit.scopes

    def describe(self, version: str) -> dict[str, Any]:
        """The tools/list entry for a negotiated revision."""
        found = dict(self.definition)
        if self.output_schema is not None and version >= STRUCTURED_FROM:
            found["outputSchema"] = self.output_schema
        return found

    async def call(self, arguments: Mapping[str, Any], version: str) -> dict[str, Any]:
        if None in arguments.values():  # a null argument is an absent one
            arguments = {k: v for k, v in arguments.items() if v is not None}
        try:
            result = await invoke(self.plan, arguments)
        except UpstreamError as exc:
            return _upstream_failure(exc, version)
        except NaftikoError as exc:
            return failure(f"tool '{self.name}': {exc}", exc.as_dict(), version)
        if result.binary:  # bytes: an image, audio or blob block, never text
            content = binary_content(result, f"naftiko://{self.plan.target}")
            return {"content": [content], "isError": False}
        return success(result, version, self.plan if self.output_schema else None)


def compile_tools(units: tuple[Unit, ...], plans: Mapping[str, Plan]) -> list[Tool]:
    tools = []
    seen: set[str] = set()
    for unit in units:
        if unit.kind != "tool" or unit.name in seen:
            continue
        seen.add(unit.name)
        plan = plans[unit.target]
        assert isinstance(plan, ExposedPlan)
        function = plan.function.unit if plan.function is not None else None
        schema = _input_schema(plan.signature)
        out = plan.output_schema
        if out is None or out.get("type") != "object" or "properties" not in out:
            out = None
        definition: dict[str, Any] = {"name": unit.name}
        title = plan.title
        if title:
            definition["title"] = title
        definition["description"] = plan.description or _description(unit)
        definition["inputSchema"] = schema
        annotations = _annotations(unit, function, title)
        if annotations:
            definition["annotations"] = annotations
        mirrored = tuple(
            (name, entry["x-mcp-header"])
            for name, entry in schema.get("properties", {}).items()
            if "x-mcp-header" in entry
        )
        tools.append(Tool(unit.name, plan, definition, out, mirrored))
    return tools


def _input_schema(inputs: tuple[Input, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    properties: dict[str, Any] = {}
    tokens: set[str] = set()
    for item in inputs:
        entry: dict[str, Any] = {"type": item.type, **item.schema}
        if item.description:
            entry["description"] = item.description
        if item.name in properties:
            continue
        # An input the upstream receives as a header is declared for mirroring, so that a
        # gateway can route on it (Kombo's X-Integration-Id); one token per header name.
        if (
            item.location == "header"
            and item.type in _MIRRORABLE
            and _TOKEN.fullmatch(item.name)
            and item.name.lower() not in tokens
        ):
            entry["x-mcp-header"] = item.name
            tokens.add(item.name.lower())
        properties[item.name] = entry
    if properties:
        schema["properties"] = properties
    required = [i.name for i in inputs if i.required and i.name in properties]
    if required:
        schema["required"] = list(dict.fromkeys(required))
    return schema


_MIRRORABLE = frozenset({"string", "integer", "boolean"})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _description(unit: Unit) -> str:
    """What a tool without a description of its own (or its function's) is told to be."""
    if unit.call:
        return f"Calls {unit.call}."
    return f"The {unit.name} tool."


def _annotations(unit: Unit, function: Unit | None, title: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if title:
        found["title"] = title
    semantics = function.semantics if function is not None else {}
    if "safe" in semantics:  # safe: read-only and not destructive; unsafe: not read-only
        found["readOnlyHint"] = semantics["safe"]
        if semantics["safe"]:
            found["destructiveHint"] = False
    if "idempotent" in semantics:
        found["idempotentHint"] = semantics["idempotent"]
    for key, value in unit.hints.items():  # the tool's own hints win, field by field
        if key in _HINTS:
            found[_HINTS[key]] = value
    return found


def result_text(result: Result) -> str:
    """The answer as text: the upstream body when it passes unshaped, else JSON (or the
    string itself)."""
    upstream = result.upstream
    if result.passthrough and upstream is not None:
        return upstream.text()
    data = result.data
    return data if isinstance(data, str) else jsonio.dumps(data).decode()


def binary_content(result: Result, uri: str) -> dict[str, Any]:
    """Bytes as MCP content: an image or audio block, else an embedded resource's blob."""
    assert result.upstream is not None
    kind = result.upstream.content_type.split(";")[0].strip() or "application/octet-stream"
    data = base64.b64encode(result.upstream.body).decode()
    if kind.startswith(("image/", "audio/")):
        return {"type": kind.split("/")[0], "data": data, "mimeType": kind}
    return {"type": "resource", "resource": {"uri": uri, "mimeType": kind, "blob": data}}


def success(result: Result, version: str, declared: ExposedPlan | None) -> dict[str, Any]:
    """The tool's answer; with an output schema declared, only what fits it (else isError)."""
    text = result_text(result)
    clean = scrub(text)
    leaked = clean != text  # an upstream that echoes a credential: scrub both copies
    answer: dict[str, Any] = {"content": [{"type": "text", "text": clean}], "isError": False}
    if version < STRUCTURED_FROM:
        return answer
    if not leaked and (declared is None or declared.output_check is None):
        raw = raw_object(result)
        if raw is not None:  # embedded as it came, checked whole when it came
            answer["structuredContent"] = jsonio.fragment(raw)
            return answer
    try:
        structured = scrub_data(result.data) if leaked else result.data
    except UpstreamError:  # a pass-through body that claimed JSON and is not
        structured = None
    if declared is not None and declared.output_check is not None:
        problem = declared.output_check(structured)
        if problem is not None:
            return failure(
                f"the answer does not fit the outputSchema of '{declared.unit.name}' "
                f"({problem}); the upstream answered: {text}",
                {"error": "answer does not fit the outputSchema", "problem": problem},
                version,
            )
    if isinstance(structured, dict):
        answer["structuredContent"] = structured
    return answer


def failure(text: str, structured: Mapping[str, Any], version: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"content": [{"type": "text", "text": scrub(text)}], "isError": True}
    if version >= STRUCTURED_FROM:  # an upstream error may echo a credential too
        answer["structuredContent"] = scrub_data(dict(structured))
    return answer


def _upstream_failure(exc: UpstreamError, version: str) -> dict[str, Any]:
    """The upstream's status and body, readable as text and as data (Kombo's `error.code`)."""
    details = exc.details()
    body = details["body"]
    shown = body if isinstance(body, str) else jsonio.dumps(body).decode()
    text = f"{exc.message}: {shown}" if exc.response.status >= 400 else str(exc)
    return failure(text, details, version)
