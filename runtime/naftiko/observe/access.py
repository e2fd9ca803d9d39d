"""The access log: one line per inbound request (REST request, MCP JSON-RPC request).

Method, route template (never the rendered path with its values), status, duration, bytes
sent, time spent waiting on upstreams, and the trace id when tracing is on; as text, or as
fields of the JSON line with `--log-format json`. On by default at info level on the
`naftiko.access` logger; `--no-access-log` turns it off.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar, Token

from naftiko.observe.span import OFF, Span

log = logging.getLogger("naftiko.access")
enabled = True
_upstream: ContextVar[list[float] | None] = ContextVar("naftiko_upstream_time", default=None)


def begin() -> Token[list[float] | None] | None:
    """Start counting upstream time for the request in hand (None when the log is off)."""
    return _upstream.set([0.0]) if enabled else None


def upstream_took(seconds: float) -> None:
    holder = _upstream.get()
    if holder is not None:
        holder[0] += seconds


def line(
    token: Token[list[float] | None] | None,
    adapter: str,
    method: str,
    route: str,
    status: int,
    started: float,
    size: int,
    span: Span = OFF,
) -> None:
    """Write the request's line (with the trace id of ``span``) and stop counting."""
    if token is None:
        return
    holder = _upstream.get()
    _upstream.reset(token)
    if not log.isEnabledFor(logging.INFO):
        return
    trace = span.trace()
    took = (time.perf_counter() - started) * 1000
    waited = (holder[0] if holder else 0.0) * 1000
    fields = {
        "adapter": adapter,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(took, 2),
        "bytes": size,
        "upstream_ms": round(waited, 2),
    }
    log.info(
        "%s %s %s %d %.2fms %dB upstream=%.2fms",
        adapter,
        method,
        route,
        status,
        took,
        size,
        waited,
        extra={"fields": fields, "trace_id": trace} if trace else {"fields": fields},
    )
