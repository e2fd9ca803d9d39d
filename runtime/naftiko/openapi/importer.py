"""OpenAPI (2.0, 3.0, 3.1) to capabilities, laid out as the published Kombo files are.

One capability per tag: a consumes block with one resource per path (sorted) and one operation
per method, every parameter with the API's type, enum, bounds and format, its description and
requiredness, the JSON body as `body` with the body's own schema; bearer, apikey or basic auth
bound to environment variables; a REST adapter (one resource per path, under the server's base
path) and an MCP adapter (hints from the HTTP method), and typed outputs from the success
response's schema, which give each tool an `outputSchema`.

Names: by default the API's own, from each `operationId` (`listPets` -> `list-pets`), falling
back to the method and path; `style="evangelist"` names consumed operations from method and
path (`getpets`) and tools from summaries, as the API Evangelist and Kombo files do.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from naftiko.jsontypes import JSON
from naftiko.openapi.mock import METHODS
from naftiko.openapi.paging import answer_schema, pagination
from naftiko.openapi.resolver import Resolver
from naftiko.openapi.schemas import PARAM_KEYWORDS, json_schema, unwrapped

_STOPWORDS = frozenset(
    {"a", "an", "the", "to", "from", "of", "for", "in", "on", "with", "by", "and", "or", "into"}
)
_HINTS = {
    "GET": {"readOnly": True, "destructive": False, "idempotent": True},
    "DELETE": {"readOnly": False, "destructive": True, "idempotent": True},
    "PUT": {"readOnly": False, "destructive": False, "idempotent": True},
    "PATCH": {"readOnly": False, "destructive": False, "idempotent": True},
}
_WRITE_HINTS = {"readOnly": False, "destructive": False, "idempotent": False}
_SCALARS = {"string", "number", "integer", "boolean"}
_MAX_OUTPUT_DEPTH = 3


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def tags_of(document: Mapping[str, JSON]) -> list[str]:
    """Tags in the document's order, then any used by operations only."""
    tags = document.get("tags")
    listed = tags if isinstance(tags, list) else []
    found = [str(t["name"]) for t in listed if isinstance(t, dict) and "name" in t]
    for _, _, operation in _operations(document):
        for tag in operation.get("tags") or []:
            if tag not in found:
                found.append(str(tag))
    return found


STYLES = ("openapi", "evangelist")


def import_openapi(
    document: Mapping[str, JSON],
    tag: str | None = None,
    *,
    typed_outputs: bool = True,
    style: str = "openapi",
) -> dict[str, JSON]:
    """The capability for one tag (or every operation when ``tag`` is None)."""
    info = document.get("info")
    title = str((info.get("title") if isinstance(info, dict) else None) or "API")
    # the namespace is the whole title, kebab-cased (`Complex API` is complex-api), as the
    # reference engine names it; API Evangelist's files drop a trailing " API", and so do
    # the variable names of both (KOMBO_API_KEY)
    provider = title.removesuffix(" API").strip() or title
    prefix = slug(provider if style == "evangelist" else title)
    selected = [
        (path, method, op)
        for path, method, op in _operations(document)
        if tag is None or tag in (op.get("tags") or [])
    ]
    selected.sort(key=lambda entry: entry[0])  # stable: methods keep the document's order
    general = tag is None or tag.lower() == "general"
    namespace = f"{prefix}-{slug(tag)}" if tag else prefix
    label = title if general else f"{title} — {tag}"
    lead = next((op.get("summary") for _, _, op in selected if op.get("summary")), "")
    base_uri, base_path = _server(document)
    auth, binds = _auth(document, slug(provider))
    surfaces = _Surfaces(Resolver(document), document, namespace, base_path, style, typed_outputs)
    for path, method, operation in selected:
        surfaces.add(path, method, operation)
    consumes: dict[str, Any] = {
        "type": "http",
        "namespace": namespace,
        "baseUri": base_uri,
        "description": f"{label} business capability. Self-contained, no shared references.",
        "resources": surfaces.resources,
    }
    if auth:
        consumes["authentication"] = auth
    info_tags: list[str] = [provider] if general or tag is None else [provider, tag]
    today = datetime.date.today().isoformat()
    capability: dict[str, Any] = {
        "naftiko": "1.0.0-alpha2",
        "info": {
            "label": label,
            "description": f"{label}. {len(selected)} operations. Lead operation: {lead}. "
            f"Self-contained Naftiko capability covering one {provider} business surface.",
            "tags": info_tags,
            "created": today,
            "modified": today,
        },
    }
    if binds:
        capability["binds"] = binds
    capability["capability"] = {
        "consumes": [consumes],
        "exposes": surfaces.exposes(label),
    }
    return capability


@dataclass
class _Surfaces:
    """What the chosen operations become, one at a time: consumed resources, the REST
    adapter's resources, the MCP adapter's tools."""

    resolver: Resolver
    document: Mapping[str, Any]
    namespace: str
    base_path: str
    style: str
    typed_outputs: bool
    resources: list[dict[str, Any]] = field(default_factory=list)
    rest_resources: list[dict[str, Any]] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)
    by_path: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    tool_names: set[str] = field(default_factory=set)
    operation_names: set[str] = field(default_factory=set)

    def add(self, path: str, method: str, operation: dict[str, Any]) -> None:
        summary = str(operation.get("summary") or "").strip()
        own = kebab(str(operation.get("operationId") or ""))
        fallback = method + re.sub(r"[^a-z0-9]", "", path.lower())
        name = _unique(own if self.style == "openapi" and own else fallback, self.operation_names)
        params = _parameters(self.resolver, self.document, path, operation)
        consumed: dict[str, Any] = {
            "name": name,
            "method": method.upper(),
            "description": summary or name,
            "outputRawFormat": "json",
            "outputParameters": [{"name": "result", "type": "object", "value": "$."}],
        }
        if params:
            consumed["inputParameters"] = params
        paged = pagination(self.resolver, operation, params) if method.upper() == "GET" else None
        if paged is not None:
            consumed["x-naftiko-pagination"] = paged
        resource, rest = self._resources(path)
        resource["operations"].append(consumed)
        call = f"{self.namespace}.{name}"
        rest_op: dict[str, Any] = {
            "method": method.upper(),
            "name": name,
            "description": summary or name,
            "call": call,
        }
        if params:
            rest_op["with"] = {p["name"]: f"rest.{p['name']}" for p in params}
        rest_op["outputParameters"] = [{"type": "object", "mapping": "$."}]
        rest["operations"].append(rest_op)
        self.tools.append(self._tool(method, operation, summary, name, own, params))

    def _resources(self, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The consumed and the REST resource of ``path``, made on its first operation."""
        if path not in self.by_path:
            resource_name = path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
            resource: dict[str, Any] = {"name": resource_name, "path": path, "operations": []}
            rest: dict[str, Any] = {
                "path": self.base_path + path.replace("_", "-"),
                "name": resource_name.replace("_", "-"),
                "description": f"REST surface for {resource_name}.",
                "operations": [],
            }
            self.by_path[path] = (resource, rest)
            self.resources.append(resource)
            self.rest_resources.append(rest)
        return self.by_path[path]

    def _tool(
        self,
        method: str,
        operation: dict[str, Any],
        summary: str,
        name: str,
        own: str,
        params: list[dict[str, Any]],
    ) -> dict[str, Any]:
        if self.style == "openapi" and own:
            tool_name = _unique(own, self.tool_names)
        else:
            tool_name = _tool_name(summary, name, self.tool_names)
        tool: dict[str, Any] = {
            "name": tool_name,
            "description": summary or name,
            "hints": dict(_HINTS.get(method.upper(), _WRITE_HINTS)),
            "call": f"{self.namespace}.{name}",
        }
        if params:
            tool["with"] = {p["name"]: f"tools.{p['name']}" for p in params}
        typed = _typed_output(self.resolver, operation) if self.typed_outputs else None
        tool["outputParameters"] = [typed or {"type": "object", "mapping": "$."}]
        return tool

    def exposes(self, label: str) -> list[dict[str, Any]]:
        return [
            {
                "type": "rest",
                "namespace": f"{self.namespace}-rest",
                "port": 8080,
                "description": f"REST adapter for {label}. One Spectral-compliant resource per "
                f"consumed operation, prefixed with {self.base_path or '/'}.",
                "resources": self.rest_resources,
            },
            {
                "type": "mcp",
                "namespace": f"{self.namespace}-mcp",
                "port": 9090,
                "transport": "http",
                "description": f"MCP adapter for {label}. One tool per consumed operation, "
                "routed inline through this capability's consumes block.",
                "tools": self.tools,
            },
        ]


def _operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method in METHODS and isinstance(operation, dict):
                yield str(path), method, operation


def _server(document: Mapping[str, Any]) -> tuple[str, str]:
    servers = document.get("servers") or []
    if servers and isinstance(servers[0], dict) and servers[0].get("url"):
        url = str(servers[0]["url"]).rstrip("/")
        return url, urlsplit(url).path.rstrip("/")
    host = document.get("host")
    if host:  # Swagger 2.0
        scheme = (document.get("schemes") or ["https"])[0]
        base = str(document.get("basePath") or "").rstrip("/")
        return f"{scheme}://{host}{base}", base
    return "https://api.example.com", ""


def _auth(document: Mapping[str, Any], prefix: str) -> tuple[dict[str, Any] | None, list[Any]]:
    schemes = (
        (document.get("components") or {}).get("securitySchemes")
        or document.get("securityDefinitions")
        or {}
    )
    wanted = [n for r in document.get("security") or [] if isinstance(r, dict) for n in r]
    name = next((n for n in wanted if n in schemes), next(iter(schemes), None))
    scheme = schemes.get(name) if name else None
    if not isinstance(scheme, dict):
        return None, []
    stem = prefix.upper().replace("-", "_")
    kind = str(scheme.get("type", "")).lower()
    if (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic") or kind == "basic":
        keys = {f"{stem}_USERNAME": f"{stem}_USERNAME", f"{stem}_PASSWORD": f"{stem}_PASSWORD"}
        auth = {
            "type": "basic",
            "username": f"{{{{env.{stem}_USERNAME}}}}",
            "password": f"{{{{env.{stem}_PASSWORD}}}}",
        }
    elif kind == "apikey":
        keys = {f"{stem}_API_KEY": f"{stem}_API_KEY"}
        auth = {
            "type": "apikey",
            "key": str(scheme.get("name") or "X-API-Key"),
            "value": f"{{{{env.{stem}_API_KEY}}}}",
            "placement": str(scheme.get("in") or "header"),
        }
    else:
        keys = {f"{stem}_API_KEY": f"{stem}_API_KEY"}
        auth = {"type": "bearer", "token": f"{{{{env.{stem}_API_KEY}}}}"}
    return auth, [{"namespace": "env", "keys": keys}]


def _parameters(
    resolver: Resolver, document: Mapping[str, Any], path: str, operation: Mapping[str, Any]
) -> list[dict[str, Any]]:
    item = (document.get("paths") or {}).get(path) or {}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param, seen = resolver.deref(raw)
        if not isinstance(param, dict) or param.get("in") not in ("path", "query", "header"):
            if isinstance(param, dict) and param.get("in") == "body":  # Swagger 2.0 body
                schema = json_schema(resolver, param.get("schema"), seen, 0)
                found[("body", "body")] = _body(bool(param.get("required")), schema)
            continue
        # OpenAPI 3 puts the value's schema under `schema`; Swagger 2.0 on the parameter
        schema = param.get("schema") if "schema" in param else param
        value = json_schema(resolver, schema, seen, 0) or {}
        kind = value.pop("type", "string")
        entry: dict[str, Any] = {
            "name": str(param.get("name")),
            "in": str(param["in"]),
            "type": kind if kind in _SCALARS | {"array"} else "string",
        }
        if param.get("description"):
            entry["description"] = " ".join(str(param["description"]).split())
        if param.get("required") or param["in"] == "path":
            entry["required"] = True
        value.pop("description", None)
        entry.update({k: v for k, v in value.items() if k in PARAM_KEYWORDS})
        found[(entry["in"], entry["name"])] = entry
    body, seen = resolver.deref(operation.get("requestBody"))
    if isinstance(body, dict) and body:
        content = body.get("content")
        content = content if isinstance(content, dict) else {}
        media = content.get("application/json") or next(iter(content.values()), None)
        raw_schema = media.get("schema") if isinstance(media, dict) else None
        schema = json_schema(resolver, raw_schema, seen, 0)
        found[("body", "body")] = _body(bool(body.get("required")), schema)
    return list(found.values())


def _body(required: bool, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": "body",
        "in": "body",
        "type": "object",
        "description": "Request body (JSON).",
        "required": required,
    }
    if schema and schema.get("type", "object") == "object" and len(schema) > 1:
        found["schema"] = {k: v for k, v in schema.items() if k != "type"}
    return found


def kebab(text: str) -> str:
    """An operationId as a name: `listPets` -> `list-pets`, `getHTTPStatus` ->
    `get-http-status`, `get_user` -> `get-user`."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", spaced)
    return re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-")


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _tool_name(summary: str, fallback: str, taken: set[str]) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", summary.lower()) if w not in _STOPWORDS]
    return _unique("-".join(words) or fallback, taken)


def _typed_output(resolver: Resolver, operation: Mapping[str, Any]) -> dict[str, Any] | None:
    """`{type: object, properties: ...}` from the success response's JSON schema, top-level
    properties mapped from the root, so the tool gets an outputSchema."""
    schema, seen = answer_schema(resolver, operation)
    schema, seen = unwrapped(resolver, schema, seen)
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return None
    properties = {
        str(key): _typed(resolver, child, seen, f"$.{key}", 1)
        for key, child in schema["properties"].items()
        if re.fullmatch(r"[A-Za-z0-9_-]+", str(key))
    }
    return {"type": "object", "properties": properties} if properties else None


def _typed(resolver: Resolver, schema: Any, seen: frozenset[str], mapping: str, depth: int) -> Any:
    schema, seen = unwrapped(resolver, schema, seen)
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and isinstance(schema, dict) and isinstance(schema.get("enum"), list):
        values = [v for v in schema["enum"] if v is not None]
        kinds = {type(v) for v in values}
        kind = "string" if kinds == {str} else "boolean" if kinds == {bool} else None
    if kind not in _SCALARS and kind not in ("array", "object"):
        return {"mapping": mapping}  # oneOf, anyOf, null, untyped: passes as it comes
    if kind in _SCALARS:
        return {"type": kind, "mapping": mapping}
    if kind == "array":
        return {"type": "array", "mapping": mapping}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if kind == "object" and isinstance(properties, dict) and depth < _MAX_OUTPUT_DEPTH:
        nested = {
            str(key): _typed(resolver, child, seen, f"$.{key}", depth + 1)
            for key, child in properties.items()
            if re.fullmatch(r"[A-Za-z0-9_-]+", str(key))
        }
        if nested:
            return {"type": "object", "mapping": mapping, "properties": nested}
    return {"type": "object", "mapping": mapping}
