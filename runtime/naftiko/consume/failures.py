"""What an upstream call that went wrong becomes: the typed error a caller reads, and the line
the operator's log gets.

A caller reads the namespace and the operation's path template, never the upstream's address
(internal topology); the operator's log gets the URL without its query string (it may hold an
API key), a line per kind of failure every few seconds.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from yarl import URL

from naftiko import jsonio
from naftiko.consume.request import Outgoing
from naftiko.errors import UpstreamError, UpstreamInvalid, UpstreamResponse, UpstreamUnavailable
from naftiko.observe.metrics import METRICS
from naftiko.observe.throttle import Throttled

log = logging.getLogger("naftiko.consume")
_FAILURES = Throttled(log)  # an upstream down: a line per kind every few seconds
_RAISE_LIMIT = "raise maxBody in its x-naftiko-resilience block, or --max-upstream-body"


def said(request: Outgoing) -> str:
    """The call as a caller may read it: the operation's path template, never the upstream's
    address (internal topology; the operator's log has it)."""
    return request.route.replace("{{", "{").replace("}}", "}") or URL(request.url).path


def public_url(url: str) -> str:
    """A URL safe to show: no query string, no user info."""
    parsed = URL(url, encoded=True)
    return str(parsed.with_query(None).with_user(None).with_fragment(None))


def refused(namespace: str, request: Outgoing, response: UpstreamResponse) -> UpstreamError:
    """An error status, with the upstream's answer kept whole (its JSON read when it is)."""
    response.data = _maybe_json(response)
    return UpstreamError(
        f"upstream '{namespace}' answered {response.status} to {request.method} {said(request)}",
        response,
    )


def invalid(
    namespace: str,
    answer: aiohttp.ClientResponse,
    request: Outgoing,
    what: str,
    hint: str = "",
) -> UpstreamInvalid:
    """An answer that cannot pass (a 502): its status and headers, never its body."""
    empty = UpstreamResponse(
        answer.status, answer.headers, b"", answer.headers.get("Content-Type", "")
    )
    return UpstreamInvalid(
        f"upstream '{namespace}' answered {request.method} {said(request)} with {what}",
        empty,
        hint=hint,
    )


def too_large(
    namespace: str, answer: aiohttp.ClientResponse, request: Outgoing, default: int
) -> UpstreamInvalid:
    """A body past the operation's limit (else ``default``, the namespace's)."""
    METRICS.failures[(namespace, "too large")] += 1
    limit = request.max_body or default
    return invalid(namespace, answer, request, f"more than {limit:,} bytes", _RAISE_LIMIT)


def unavailable(
    namespace: str, timeout: float, exc: Exception, request: Outgoing, connect: float = 0.0
) -> UpstreamUnavailable:
    """What a caller gets for an attempt that got no answer; the operator's log gets the URL
    and the detail. ``connect``: the connect timeout, named when that is what ran out."""
    where = f"{namespace}: {request.method} {public_url(request.url)}"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        METRICS.failures[(namespace, "timeout")] += 1
        if connect and isinstance(exc, aiohttp.ConnectionTimeoutError):
            kind, limit, said = "connect", connect, "accept a connection"
            hint = "check that the upstream is running and reachable from here"
        else:
            kind, limit, said = "timeout", timeout, "answer"
            hint = "the upstream is slow or down; retry later"
        _FAILURES.warning(f"{namespace}:{kind}", f"{where}: did not {said} within {limit:g}s")
        return UpstreamUnavailable(
            f"upstream '{namespace}' did not {said} within {limit:g}s", timeout=True, hint=hint
        )
    if isinstance(exc, ValueError):  # what aiohttp refuses to write (a bound value, say)
        _FAILURES.warning(
            f"{namespace}:unwritable",
            f"{where}: the request cannot be written ({type(exc).__name__})",
        )
        return UpstreamUnavailable(
            f"the request to upstream '{namespace}' cannot be written: a header, "
            "cookie or URL holds a character HTTP forbids",
            timeout=False,
            hint="check the values bound or passed to this operation",
        )
    METRICS.failures[(namespace, "unreachable")] += 1
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason, hint = "the connection failed", "check that the upstream is running"
    elif isinstance(exc, aiohttp.ClientPayloadError):
        reason, hint = "its answer could not be decoded", "the upstream sent a broken body"
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        reason, hint = "the connection broke", "retry later"
    else:
        reason, hint = "it did not answer in HTTP", "check the baseUri (or --base-uri)"
    _FAILURES.warning(
        f"{namespace}:{reason}", f"{where}: {reason} ({exc.__class__.__name__}: {exc})"
    )
    return UpstreamUnavailable(
        f"upstream '{namespace}' is unreachable: {reason}", timeout=False, hint=hint
    )


def _maybe_json(response: UpstreamResponse) -> Any:
    if not response.body:
        return None
    try:
        return jsonio.loads(response.body)
    except ValueError:
        return None
