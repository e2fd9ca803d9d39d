"""Validated data -> frozen model: defaults applied, dialect normalised, units marked.
Runs only on documents without errors: it trusts the schema's shape, reads optionals warily.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from naftiko.bytesize import size
from naftiko.location import Location
from naftiko.spec.document import Document
from naftiko.spec.imports import location_path
from naftiko.spec.management import observability, scripting, text
from naftiko.spec.model import (
    Adapter,
    Auth,
    Bind,
    Body,
    Capability,
    ConsumedOperation,
    Consumes,
    ExposedParam,
    Forward,
    McpPrompt,
    McpResource,
    OutputParam,
    PromptArgument,
    Resource,
    Step,
    Unit,
)
from naftiko.spec.params import consumed_params, exposed_params
from naftiko.spec.paths import absolute_paths, operation_path
from naftiko.spec.skills import skills
from naftiko.spec.yaml import JsonPath

_DISABLING = {
    "unit-invalid",
    "unit-disabled",
    "unknown-call",
    "unknown-ref",
    "unsupported-step",
    "unknown-forward",
    "undecoded-format",
}


def build(doc: Document) -> Capability:
    data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    capability = data.get("capability") or {}
    info = data.get("info") or {}
    consumes_path: JsonPath = ("capability", "consumes") if "capability" in data else ("consumes",)
    consumes_list = capability.get("consumes") if "capability" in data else data.get("consumes")
    builder = _Builder(doc)
    return Capability(
        path=doc.path,
        version=str(data.get("naftiko")),
        label=str(info.get("label") or info.get("title") or ""),
        description=str(info.get("description") or ""),
        binds=tuple(
            builder.bind(b, p)
            for root, holder in ((("binds",), data), (("capability", "binds"), capability))
            for p, b in _indexed(holder.get("binds"), root)
        ),
        consumes=tuple(
            builder.consumes(c, p)
            for p, c in _first_of_each_namespace(_indexed(consumes_list, consumes_path))
        ),
        exposes=tuple(
            builder.adapter(a, p)
            for p, a in _indexed(capability.get("exposes"), ("capability", "exposes"))
            if a.get("type") in ("rest", "mcp", "skill", "control")
        ),
        functions=tuple(
            builder.unit(f, p, "function", str(g.get("namespace")), "aggregate")
            for gp, g in _indexed(capability.get("aggregates"), ("capability", "aggregates"))
            for p, f in _indexed(g.get("functions"), (*gp, "functions"))
        ),
        warnings=tuple(doc.warnings),
        scripting=scripting(capability.get("exposes"), builder.where),
    )


def _first_of_each_namespace(
    entries: list[tuple[JsonPath, dict[str, Any]]],
) -> list[tuple[JsonPath, dict[str, Any]]]:
    """HTTP consumes entries, an identical repeat of a namespace (a rules warning) left out."""
    seen: set[Any] = set()
    found = []
    for path, entry in entries:
        name = entry.get("namespace")
        if entry.get("type") == "http" and name is not None and name not in seen:
            seen.add(name)
            found.append((path, entry))
    return found


def _indexed(values: Any, root: JsonPath) -> list[tuple[JsonPath, dict[str, Any]]]:
    if not isinstance(values, list):
        return []
    return [((*root, i), v) for i, v in enumerate(values) if isinstance(v, dict)]


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.disabled: dict[JsonPath, str] = {}
        for found in doc.warnings:
            if found.code in _DISABLING:
                self.disabled.setdefault(found.path, found.message)

    def where(self, path: JsonPath) -> Location:
        return Location(*self.doc.where(path))

    def problem(self, path: JsonPath) -> str:
        for found, message in self.disabled.items():
            if found[: len(path)] == path:
                return message
        return ""

    def outputs(self, values: Any, path: JsonPath) -> tuple[OutputParam, ...]:
        if not isinstance(values, list):
            return ()
        return tuple(
            _output(v, (*path, "outputParameters", i), self)
            for i, v in enumerate(values)
            if isinstance(v, dict)
        )

    def bind(self, data: dict[str, Any], path: JsonPath) -> Bind:
        return Bind(
            namespace=str(data["namespace"]),
            keys={str(k): str(v) for k, v in (data.get("keys") or {}).items()},
            location=data.get("location"),
            where=self.where(path),
            key_where={str(k): self.where((*path, "keys", k)) for k in data.get("keys") or {}},
        )

    def tls_files(self, block: Any) -> dict[str, str]:
        """x-naftiko-tls paths as absolute file paths, relative to the capability file."""
        if not isinstance(block, dict):
            return {}
        base = self.doc.path.parent
        return {
            key: str(location_path(value, base))
            for key, value in block.items()
            if key in ("ca", "certificate", "key") and isinstance(value, str)
        }

    def consumes(self, data: dict[str, Any], path: JsonPath) -> Consumes:
        namespace = str(data["namespace"])
        operations = []
        absolute = absolute_paths(data.get("resources"))
        for r_path, resource in _indexed(data.get("resources"), (*path, "resources")):
            resource_params = consumed_params(resource.get("inputParameters"))
            for o_path, op in _indexed(resource.get("operations"), (*r_path, "operations")):
                if self.problem(o_path):
                    continue
                params = resource_params + consumed_params(op.get("inputParameters"))
                operations.append(
                    ConsumedOperation(
                        namespace=namespace,
                        name=str(op["name"]),
                        method=str(op.get("method", "GET")).upper(),
                        path=operation_path(resource, op, absolute, params),
                        params=params,
                        body=_body(op.get("body")),
                        output_format=str(op.get("outputRawFormat") or "json").lower(),
                        outputs=self.outputs(op.get("outputParameters"), o_path),
                        description=str(op.get("description") or ""),
                        where=self.where(o_path),
                        extensions=_extensions(op),
                        media_type=str(op.get("x-naftiko-outputMediaType") or ""),
                        max_size=size(op.get("x-naftiko-maxBinarySize")),
                    )
                )
        auth = data.get("authentication")
        return Consumes(
            namespace=namespace,
            base_uri=str(data["baseUri"]),
            params=consumed_params(data.get("inputParameters")),
            auth=Auth(str(auth["type"]), dict(auth)) if isinstance(auth, dict) else None,
            operations=tuple(operations),
            description=str(data.get("description") or ""),
            where=self.where(path),
            resilience=dict(data.get("x-naftiko-resilience") or {}),
            tls=self.tls_files(data.get("x-naftiko-tls")),
            extensions=_extensions(data),
        )

    def adapter(self, data: dict[str, Any], path: JsonPath) -> Adapter:
        kind = str(data["type"])
        namespace = str(data.get("namespace") or kind)
        units: list[Unit] = []
        resources: list[Resource] = []
        mcp_resources: list[McpResource] = []
        prompts: list[McpPrompt] = []
        if kind == "mcp":
            units = [
                self.unit(t, p, "tool", namespace, kind)
                for p, t in _indexed(data.get("tools"), (*path, "tools"))
            ]
            mcp_resources = [
                self.mcp_resource(r, p, namespace)
                for p, r in _indexed(data.get("resources"), (*path, "resources"))
            ]
            units += [r.unit for r in mcp_resources if r.unit is not None]
            prompts = [
                self.prompt(r, p) for p, r in _indexed(data.get("prompts"), (*path, "prompts"))
            ]
        elif kind == "rest":
            resources = [
                self.resource(r, p, namespace)
                for p, r in _indexed(data.get("resources"), (*path, "resources"))
            ]
            units = [u for r in resources for u in r.units]
        auth = data.get("authentication")
        port = data.get("port")
        return Adapter(
            type=kind,
            namespace=namespace,
            address=data.get("address"),
            port=port if isinstance(port, int) else None,
            description=str(data.get("description") or ""),
            transport=str(data.get("transport") or "http"),
            auth=Auth(str(auth["type"]), dict(auth)) if isinstance(auth, dict) else None,
            units=tuple(units),
            resources=tuple(resources),
            mcp_resources=tuple(mcp_resources),
            prompts=tuple(prompts),
            skills=skills(data.get("skills")),
            observability=observability(data.get("observability")),
            cache_scope=str(data.get("x-naftiko-cacheScope") or "public"),
            ttl_ms=int(data.get("x-naftiko-ttlMs") or 0),
            where=self.where(path),
        )

    def mcp_resource(self, data: dict[str, Any], path: JsonPath, namespace: str) -> McpResource:
        location = data.get("location")
        dynamic = data.get("call") or data.get("steps")
        return McpResource(
            name=str(data["name"]),
            uri=str(data["uri"]),
            label=str(data.get("label") or ""),
            description=str(data.get("description") or ""),
            mime_type=str(data.get("mimeType") or ""),
            location=str(location) if location and not dynamic else None,
            unit=self.unit(data, path, "resource", namespace, "mcp") if dynamic else None,
            where=self.where(path),
        )

    def prompt(self, data: dict[str, Any], path: JsonPath) -> McpPrompt:
        return McpPrompt(
            name=str(data["name"]),
            label=str(data.get("label") or ""),
            description=str(data.get("description") or ""),
            arguments=tuple(
                PromptArgument(
                    name=str(a["name"]),
                    label=str(a.get("label") or ""),
                    description=str(a.get("description") or ""),
                    required=bool(a.get("required", True)),
                )
                for a in data.get("arguments") or []
                if isinstance(a, dict) and "name" in a
            ),
            template=tuple(
                (str(m.get("role") or "user"), str(m.get("content") or ""))
                for m in data.get("template") or []
                if isinstance(m, dict)
            ),
            location=str(data["location"]) if data.get("location") else None,
            where=self.where(path),
        )

    def resource(self, data: dict[str, Any], path: JsonPath, namespace: str) -> Resource:
        shared = exposed_params(data.get("inputParameters"), rest=True) or ()
        units = tuple(
            self.unit(
                op,
                o_path,
                "operation",
                namespace,
                "rest",
                path_=str(data.get("path", "")),
                shared=shared,
                fallback=str(data.get("name") or ""),
            )
            for o_path, op in _indexed(data.get("operations"), (*path, "operations"))
        )
        forward = data.get("forward")
        return Resource(
            path=str(data.get("path", "")),
            name=str(data.get("name") or ""),
            description=str(data.get("description") or ""),
            units=units,
            forward=Forward(
                str(forward["targetNamespace"]),
                tuple(str(h) for h in forward.get("trustedHeaders") or ()),
            )
            if isinstance(forward, dict)
            and forward.get("targetNamespace")
            and not self.problem((*path, "forward"))
            else None,
            where=self.where(path),
        )

    def unit(
        self,
        data: dict[str, Any],
        path: JsonPath,
        kind: Any,
        adapter: str,
        adapter_type: str,
        *,
        path_: str | None = None,
        shared: tuple[ExposedParam, ...] = (),
        fallback: str = "",
    ) -> Unit:
        method = data.get("method")
        name = (
            data.get("name")
            or data.get("ref", "").partition(".")[2]
            or (f"{fallback}-{str(method).lower()}" if fallback else str(method or "unit").lower())
        )
        declared = exposed_params(data.get("inputParameters"), rest=adapter_type == "rest")
        inputs = shared + declared if declared is not None else (shared or None)
        return Unit(
            kind=kind,
            adapter=adapter,
            adapter_type=adapter_type,
            name=str(name),
            description=str(data.get("description") or ""),
            label=str(data.get("label") or data.get("title") or ""),
            method=str(method).upper() if method else None,
            path=path_,
            inputs=inputs,
            call=data.get("call"),
            with_=dict(data.get("with") or {}),
            ref=data.get("ref"),
            steps=tuple(
                _step(s, (*path, "steps", i), self.where)
                for i, s in enumerate(data.get("steps") or [])
                if isinstance(s, dict)
            ),
            mappings=tuple(
                (str(m["targetName"]), str(m["value"]))
                for m in data.get("mappings") or []
                if isinstance(m, dict) and "targetName" in m and "value" in m
            ),
            outputs=self.outputs(data.get("outputParameters"), path),
            hints={k: bool(v) for k, v in (data.get("hints") or {}).items()},
            semantics={k: bool(v) for k, v in (data.get("semantics") or {}).items()},
            disabled=self.problem(path),
            where=self.where(path),
            scopes=tuple(str(x) for x in data.get("x-naftiko-scopes") or ()),
        )


def _body(data: Any) -> Body | None:
    if data is None:
        return None
    if isinstance(data, str):
        return Body("raw", data)
    if isinstance(data, dict):
        kind = str(data.get("type") or "json")
        kind = {"formUrlEncoded": "form", "multipartForm": "multipart"}.get(kind, kind)
        return Body(kind, data.get("data"))
    return None


def _output(data: dict[str, Any], path: JsonPath, builder: _Builder) -> OutputParam:
    mapping = data.get("mapping")
    value = data.get("value")
    key = "mapping"
    if mapping is None and isinstance(value, str) and value.startswith("$"):
        mapping, value, key = value, None, "value"
    items = data.get("items")
    items_path: JsonPath = (*path, "items")
    if isinstance(items, list):
        if len(items) == 1:
            items, items_path = items[0], (*items_path, 0)
        else:
            items = {
                "type": "object",
                "properties": {str(i.get("name")): i for i in items if isinstance(i, dict)},
            }
    properties = data.get("properties")
    return OutputParam(
        type=data.get("type"),
        name=data.get("name"),
        mapping=mapping,
        value=value,
        properties=tuple(
            (str(k), _output(v, (*path, "properties", k), builder))
            for k, v in properties.items()
            if isinstance(v, dict)
        )
        if isinstance(properties, dict)
        else (),
        items=_output(items, items_path, builder) if isinstance(items, dict) else None,
        where=builder.where((*path, key) if mapping is not None else path),
    )


def _step(data: dict[str, Any], path: JsonPath, where: Callable[[JsonPath], Location]) -> Step:
    fields = data.get("outputParameters") or []
    dependencies = data.get("dependencies")
    return Step(
        name=str(data.get("name")),
        type=str(data.get("type") or "call"),
        call=data.get("call"),
        with_=dict(data.get("with") or {}),
        index=data.get("index"),
        match=data.get("match"),
        lookup_value=data.get("lookupValue"),
        fields=tuple(str(f) for f in fields if isinstance(f, str)),
        where=where(path),
        file=text(data.get("file")),
        language=text(data.get("language")),
        location=text(data.get("location")),
        dependencies=tuple(str(d) for d in dependencies) if isinstance(dependencies, list) else (),
        key_where={str(k): where((*path, k)) for k in data},
    )


def _extensions(data: dict[str, Any]) -> dict[str, Any]:
    """The x-naftiko-* blocks of an entry, by the name after the prefix."""
    return {k[len("x-naftiko-") :]: v for k, v in data.items() if str(k).startswith("x-naftiko-")}
