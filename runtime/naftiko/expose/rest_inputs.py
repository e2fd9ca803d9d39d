"""What a REST request gives an operation as inputs, decided once per operation at load.

With declared `inputParameters`, each is read from where its `in` says (path, query, header,
cookie, or a top-level field of the JSON body, or a `$` JSONPath into it); the engine then
types and checks them. Without any (the generated-file dialect), every path variable, query
parameter and header is an input and `body` is the parsed JSON body. Credentials and
hop-by-hop headers are never inputs: a caller's Authorization must not reach an upstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp.web_request import BaseRequest

from naftiko.engine import ConsumedPlan
from naftiko.jsonpath import CompiledPath, compile_path
from naftiko.names import norm
from naftiko.routes import variables
from naftiko.spec.model import ExposedParam, Unit

NOT_INPUTS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "host",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "proxy-connection",
    }
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class _Source:
    name: str
    location: str
    key: str
    array: bool = False
    path: CompiledPath | None = None


class Inputs:
    """Collects one operation's inputs from a request."""

    def __init__(self, sources: tuple[_Source, ...] | None, reads_body: bool) -> None:
        self._sources = sources
        self.reads_body = reads_body

    def collect(self, request: BaseRequest, path: Mapping[str, str], body: Any) -> dict[str, Any]:
        if self._sources is None:
            return _everything(request, path, body)
        found: dict[str, Any] = dict(path)
        for source in self._sources:
            value = _read(source, request, path, body)
            if value is not None:
                found[source.name] = value
        return found


def compile_inputs(unit: Unit, call: ConsumedPlan | None) -> Inputs:
    declared = unit.inputs
    if declared is None:
        return Inputs(None, (unit.method or "GET") in _BODY_METHODS)
    names = {norm(v): v for v in variables(unit.path or "")}
    sources = tuple(s for s in (_source(p, names) for p in declared) if s is not None)
    return Inputs(sources, any(s.location == "body" for s in sources))


def _source(param: ExposedParam, path_names: Mapping[str, str]) -> _Source | None:
    value = param.value
    if value is not None and not (isinstance(value, str) and value.startswith("$")):
        return None  # a fixed value: the engine supplies it
    location = param.in_ or ("path" if norm(param.name) in path_names else "query")
    if location == "environment":
        return None
    path = compile_path(value) if isinstance(value, str) else None
    key = path_names.get(norm(param.name), param.name) if location == "path" else param.name
    return _Source(param.name, location, key, param.type == "array", path)


def _read(source: _Source, request: BaseRequest, path: Mapping[str, str], body: Any) -> Any:
    location = source.location
    if location == "path":
        return path.get(source.key)
    if location == "query":
        if source.array:
            values = request.query.getall(source.key, [])
            return values if len(values) > 1 else (values[0] if values else None)
        return request.query.get(source.key)
    if location == "header":
        return request.headers.get(source.key)
    if location == "cookie":
        return request.cookies.get(source.key)
    if source.path is not None:
        return source.path.find(body)
    if isinstance(body, dict) and source.key in body:
        return body[source.key]
    return body if norm(source.key) in ("body", "payload") else None


def _everything(request: BaseRequest, path: Mapping[str, str], body: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        name: value for name, value in request.headers.items() if name.lower() not in NOT_INPUTS
    }
    for name in request.query:
        values = request.query.getall(name)
        found[name] = values if len(values) > 1 else values[0]
    found.update(path)
    if body is not None:
        found["body"] = body
    return found
