"""A consumed operation compiled into a request recipe: URL, parameters, body, auth.

Everything textual is compiled here, once; ``build`` only looks values up and encodes them.
Inputs that would reshape the request (a path value of '..' or one missing) are refused
with an InputError naming every field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp

from naftiko.consume.auth import CompiledAuth, Credentials
from naftiko.errors import FieldProblem, InputError
from naftiko.names import norm
from naftiko.observe.span import CLIENT, Shape
from naftiko.routes import as_mustache, openapi_path
from naftiko.spec.model import Body, ConsumedOperation, ConsumedParam, Consumes
from naftiko.template import MISSING, DataTemplate, JsonTemplate, Params, Template, text_of

# what no header or cookie value may hold (RFC 9110): control characters but HTAB
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# what a path segment holds unencoded: RFC 3986's unreserved characters, as `quote` keeps them
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")
_CONTENT_TYPES = {
    "json": "application/json",
    "raw": "application/json",
    "text": "text/plain; charset=utf-8",
    "xml": "application/xml",
    "sparql": "application/sparql-query",
    "form": "application/x-www-form-urlencoded",
}


def as_template(text: str) -> Template:
    """Path templates accept `{x}` (OpenAPI style) as well as `{{x}}`."""
    return Template(as_mustache(text))


@dataclass(slots=True)
class Outgoing:
    method: str
    url: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    body: bytes | aiohttp.FormData | None = None
    route: str = ""  # the operation's path template, for traces (never the rendered URL)
    # the header parameters the operation declares: what scopes a limit the upstream announces
    scope: tuple[str, ...] = ()
    # the largest answer read for this operation, when it sets its own (binary answers)
    max_body: int | None = None
    shape: Shape | None = None  # what its spans share, when traced


@dataclass(frozen=True)
class _Param:
    name: str
    location: str
    value: Template | Any
    required: bool


def span_shape(namespace: str, method: str, route: str, base: str | None = None) -> Shape:
    """An upstream call's span: method and path template, never the rendered URL; the
    server's host and port when the base URI is fixed (its user info never). The template
    is written as OpenTelemetry's `url.template` is (`/ships/{imo}`)."""
    route = openapi_path(route)
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "url.template": route or None,
        "naftiko.namespace": namespace,
    }
    try:
        parts = urlsplit(base) if base is not None else None
        port = parts.port if parts is not None else None
    except ValueError:  # not a URL the runtime could call anyway
        parts = None
    if parts is not None and parts.hostname:
        attributes["server.address"] = parts.hostname
        attributes["server.port"] = port or {"http": 80, "https": 443}.get(parts.scheme)
    return Shape(f"{method} {route}".rstrip(), CLIENT, attributes)


class RequestRecipe:
    """How to turn a parameter map into one upstream request for one operation."""

    def __init__(self, consumes: Consumes, operation: ConsumedOperation, base_uri: str) -> None:
        self.namespace = consumes.namespace
        self.operation = operation
        self.method = operation.method
        self.what = f"{operation.method} {operation.name}"  # how messages name the call
        self.base = Template(base_uri.rstrip("/"))
        self.url = as_template("/" + operation.path.lstrip("/") if operation.path else "")
        # the path with a `{}` per placeholder, for str.format (the base in it when fixed)
        path_format = "".join(
            part.replace("{", "{{").replace("}", "}}") if isinstance(part, str) else "{}"
            for part in self.url.parts
        )
        fixed_base = self.base.source.replace("{", "{{").replace("}", "}}")
        self.url_format = (fixed_base if self.base.is_static else "") + path_format
        self.params = _merge(consumes.params + operation.params)
        self.body = _compile_body(operation.body)
        self.body_params = tuple(p for p in self.params if p.location == "body")
        # path parameters whose `value` fills the placeholder (`{{env.ORG}}`), not the caller
        path_values = {
            norm(p.name): p for p in self.params if p.location == "path" and p.value is not None
        }
        # each placeholder of the path, with the parameter whose `value` fills it (or None)
        self.path_vars = tuple((name, path_values.get(norm(name))) for name in self.url.variables)
        # the parameters ``build`` places besides path and body
        self.placed = tuple(
            p for p in self.params if p.location not in ("body", "path", "environment")
        )
        self.auth = CompiledAuth(consumes.auth) if consumes.auth else None
        self.content_type = _content_type(operation.body)
        self.scope = tuple(p.name for p in self.params if p.location == "header")
        fixed = base_uri if self.base.is_static else None  # a templated host is per call
        self.shape = span_shape(self.namespace, self.method, operation.path, fixed)

    def build(self, scope: Params) -> Outgoing:
        problems: list[FieldProblem] = []
        url = self._url(scope, problems)
        out = Outgoing(
            self.method,
            url,
            route=self.operation.path,
            scope=self.scope,
            max_body=self.operation.max_size,
            shape=self.shape,
        )
        for param in self.placed:
            value = _value(param, scope)
            if value is MISSING or value is None:
                if param.required:
                    problems.append(FieldProblem(param.name, "is required", param.location))
                continue
            if param.location == "query":
                values = value if isinstance(value, list) else [value]
                out.query.extend((param.name, text_of(v)) for v in values)
            elif _UNSAFE.search(text := text_of(value)):
                problem = "must not contain line breaks or other control characters"
                problems.append(FieldProblem(param.name, problem, param.location))
            elif param.location == "header":
                out.headers[param.name] = text
            elif param.location == "cookie":
                out.cookies[param.name] = text
        if self.body is not None or self.body_params:
            out.body = self._body(scope, problems, out)
        if problems:
            raise InputError(problems)
        if self.auth is not None:
            credentials = Credentials()
            self.auth.apply(scope, credentials)
            out.headers.update(credentials.headers)
            out.query.extend(credentials.query)
            out.cookies.update(credentials.cookies)
        return out

    def _url(self, scope: Params, problems: list[FieldProblem]) -> str:
        segments: list[str] = []
        for name, param in self.path_vars:
            value = _value(param, scope) if param is not None else scope.lookup(name)
            if value is MISSING or value is None or value == "":
                problems.append(FieldProblem(name, "is required", "path"))
                segments.append("")
                continue
            text = value if type(value) is str else text_of(value)
            if text in (".", ".."):
                problems.append(FieldProblem(name, "must not be '.' or '..'", "path"))
            # one segment: percent-encoded, '/' included, so that no input changes the path
            segments.append(text if _UNRESERVED.fullmatch(text) else quote(text, safe=""))
        path = self.url_format.format(*segments)
        return path if self.base.is_static else self.base.render(scope) + path

    def _body(
        self, scope: Params, problems: list[FieldProblem], out: Outgoing
    ) -> bytes | aiohttp.FormData | None:
        if self.body is not None:
            kind, compiled = self.body
            if self.content_type:
                out.headers.setdefault("Content-Type", self.content_type)
            return _encode_body(kind, compiled, scope)
        if not self.body_params:
            return None
        present: dict[str, Any] = {}
        for param in self.body_params:
            value = _value(param, scope)
            if value is MISSING or value is None:
                if param.required:
                    problems.append(FieldProblem(param.name, "is required", "body"))
                continue
            present[param.name] = value
        if not present:
            return None
        out.headers.setdefault("Content-Type", "application/json")
        if len(self.body_params) == 1 and norm(self.body_params[0].name) in ("body", "payload"):
            payload = next(iter(present.values()))
        else:
            payload = present
        return json.dumps(payload, ensure_ascii=False).encode()


def _merge(params: tuple[ConsumedParam, ...]) -> tuple[_Param, ...]:
    """Later declarations (resource, then operation) override earlier ones of same name+in."""
    merged: dict[tuple[str, str], _Param] = {}
    for param in params:
        value: Any = param.value
        if isinstance(value, str):
            value = Template(value)
        merged[(norm(param.name), param.in_)] = _Param(param.name, param.in_, value, param.required)
    return tuple(merged.values())


def _value(param: _Param, scope: Params) -> Any:
    if isinstance(param.value, Template):
        if param.value.is_static:
            return param.value.source
        found = param.value.value(scope)
        return None if found == "" else found
    if param.value is not None:
        return param.value
    return scope.get(param.name)


def _compile_body(
    body: Body | None,
) -> tuple[str, Template | JsonTemplate | DataTemplate] | None:
    if body is None:
        return None
    if body.type == "raw":
        return ("raw", JsonTemplate(str(body.data)))
    if body.type == "json":
        if isinstance(body.data, str):
            return ("raw", JsonTemplate(body.data))
        return ("json", DataTemplate(body.data))
    if body.type in ("text", "xml", "sparql"):
        return (
            "text",
            Template(body.data if isinstance(body.data, str) else json.dumps(body.data)),
        )
    if body.type == "form":
        if isinstance(body.data, str):
            return ("text", Template(body.data))
        return ("form", DataTemplate(body.data or {}))
    if body.type == "multipart":
        return ("multipart", DataTemplate(body.data or []))
    return ("json", DataTemplate(body.data))


def _content_type(body: Body | None) -> str:
    if body is None:
        return ""
    if body.type == "form" and not isinstance(body.data, str):
        return _CONTENT_TYPES["form"]
    return _CONTENT_TYPES.get(body.type, "")


def _encode_body(
    kind: str, compiled: Template | JsonTemplate | DataTemplate, scope: Params
) -> bytes | aiohttp.FormData:
    if kind == "raw":
        return str(compiled.render(scope)).encode()
    if kind == "json":
        return json.dumps(compiled.render(scope), ensure_ascii=False).encode()
    if kind == "text":
        return str(compiled.render(scope)).encode()
    if kind == "form":
        data = compiled.render(scope)
        fields = data.items() if isinstance(data, dict) else ()  # a DataTemplate of a mapping
        pairs = [(str(k), text_of(v)) for k, v in fields if v is not None]
        return urlencode(pairs).encode()
    parts = compiled.render(scope)
    form = aiohttp.FormData(default_to_multipart=True)
    for part in parts if isinstance(parts, list) else ():
        if not isinstance(part, dict) or part.get("name") is None:
            continue
        value = part.get("value")
        filename, content = part.get("filename"), part.get("contentType")
        form.add_field(
            str(part["name"]),
            text_of(value) if value is not None else "",
            filename=filename if isinstance(filename, str) else None,
            content_type=content if isinstance(content, str) else None,
        )
    return form
