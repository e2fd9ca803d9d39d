"""What a REST request gives an operation as inputs, decided once per operation at load.

With declared `inputParameters`, each is read from where its `in` says (path, query, header,
cookie, or a top-level field of the JSON body, or a `$` JSONPath into it); the engine then
types and checks them. Without any (the generated-file dialect), every path variable, query
parameter and header is an input and `body` is the parsed JSON body. Credentials and
hop-by-hop headers are never inputs: a caller's Authorization must not reach an upstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp.web_request import BaseRequest

from naftiko.engine import ExposedPlan
from naftiko.engine.signature import Source
from naftiko.names import norm

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


class Inputs:
    """Collects one operation's inputs from a request."""

    def __init__(self, sources: tuple[Source, ...] | None, reads_body: bool) -> None:
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


def compile_inputs(plan: ExposedPlan) -> Inputs:
    """The plan says where each input is; a body is read only when one is there."""
    if plan.sources is None:
        return Inputs(None, (plan.unit.method or "GET") in _BODY_METHODS)
    return Inputs(plan.sources, any(s.location == "body" for s in plan.sources))


def _read(source: Source, request: BaseRequest, path: Mapping[str, str], body: Any) -> Any:
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
    headers = request.headers
    found: dict[str, Any] = {}
    for name in headers:  # by name: a multidict's items view is several times slower
        if name.lower() not in NOT_INPUTS:
            found[name] = headers[name]  # a repeated header: its first value, as `in: header`
    if "?" in request.raw_path:  # the query is parsed only when there is one
        query = request.query
        for name in query:
            values = query.getall(name)
            found[name] = values if len(values) > 1 else values[0]
    found.update(path)
    if body is not None:
        found["body"] = body
    return found
