"""REST `forward`: pass a request through to a consumes namespace, as a careful proxy.

The upstream URL is the namespace's baseUri plus the caller's remaining path segments (each
re-encoded, '.' and '..' refused) and the caller's query string. Only `trustedHeaders` cross
over (plus Content-Type with a body); the namespace's own inputs and credentials are added,
so a caller's Authorization never reaches the upstream unless it is listed as trusted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

from naftiko.consume.client import UpstreamClient
from naftiko.consume.request import RequestRecipe
from naftiko.engine.compiled import Runtime
from naftiko.engine.scope import CallScope
from naftiko.errors import FieldProblem, InputError, TargetError, UpstreamError, UpstreamResponse
from naftiko.spec.model import ConsumedOperation

_ENTITY_HEADERS = ("Content-Type",)


class Forwarder:
    """One resource's forward target, compiled at load."""

    def __init__(self, runtime: Runtime, namespace: str, trusted: Sequence[str]) -> None:
        consumes = runtime.consumes.get(namespace)
        if consumes is None:
            raise TargetError(
                f"forward names unknown consumes namespace '{namespace}'",
                hint=f"consumes namespaces: {', '.join(runtime.consumes) or 'none'}",
            )
        self.namespace = namespace
        self._binds = runtime.binds
        self._client: UpstreamClient = runtime.clients[namespace]
        operation = ConsumedOperation(namespace, "forward", "GET", "", ())
        self._recipe = RequestRecipe(consumes, operation, runtime.bases[namespace])
        self._trusted = tuple(trusted)

    async def send(
        self,
        method: str,
        segments: Sequence[str],
        raw_query: str,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> UpstreamResponse:
        """The upstream's answer whatever its status; unreachable upstreams still raise."""
        bad = [s for s in segments if s in (".", "..")]
        if bad:
            raise InputError([FieldProblem("path", "must not contain '.' or '..' segments")])
        out = self._recipe.build(CallScope({}, self._binds))
        out.method = method
        out.url += "".join("/" + quote(segment, safe="") for segment in segments)
        if raw_query:
            out.url += "?" + raw_query
        for name in self._trusted:
            value = headers.get(name)
            if value is not None:
                out.headers.setdefault(name, value)
        if body:
            out.body = body
            for name in _ENTITY_HEADERS:
                if name in headers:
                    out.headers[name] = headers[name]
        try:
            return await self._client.send(out)
        except UpstreamError as exc:
            if exc.response.status < 400:
                raise
            return exc.response
