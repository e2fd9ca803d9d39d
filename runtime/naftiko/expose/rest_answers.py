"""What a REST request gets back: an operation's result, or what failed, as the problem+json
(or the upstream's own error answer) a caller reads. The REST face's one error boundary is
``failed``: a traceback only for what no error class covers (a bug).
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.web_request import BaseRequest

from naftiko import jsonio
from naftiko.engine import ExposedPlan, Result
from naftiko.errors import (
    NaftikoError,
    TargetError,
    UpstreamError,
    UpstreamInvalid,
    UpstreamResponse,
)
from naftiko.expose.httpserver import BodyUnreadable
from naftiko.expose.problem import problem
from naftiko.observe.redact import scrub_bytes
from naftiko.observe.throttle import Throttled

log = logging.getLogger("naftiko.rest")
_FAILURES = Throttled(log)  # an upstream outage: a line per kind every few seconds
_NO_BODY_STATUS = frozenset({204, 304})


def answer(result: Result, method: str) -> web.Response:
    """An operation's result: the upstream's answer as it came when it passes unshaped, else
    the shaped data as JSON."""
    upstream = result.upstream
    if result.passthrough and upstream is not None:
        return passthrough(result.status, upstream, method)
    if result.data is None:
        return web.Response(status=204 if result.status == 200 else result.status)
    if result.status in _NO_BODY_STATUS:
        return web.Response(status=result.status)
    payload = jsonio.dumps(result.data)
    return web.Response(status=result.status, body=payload, content_type="application/json")


def disabled(plan: ExposedPlan, request: BaseRequest) -> web.Response:
    error = TargetError(
        f"'{plan.target}' cannot run: {plan.disabled}",
        hint=f"see the load diagnostic at {plan.unit.where}",
    )
    return _naftiko_error(error, request)


def passthrough(status: int, upstream: UpstreamResponse, method: str) -> web.Response:
    """An upstream's answer as it came (its media type kept), with any known secret in it
    scrubbed."""
    headers = {"Content-Type": upstream.content_type} if upstream.content_type else None
    if status in _NO_BODY_STATUS or method == "HEAD":
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, body=scrub_bytes(upstream.body), headers=headers)


def failed(exc: Exception, request: BaseRequest) -> web.StreamResponse:
    """The REST face's one error boundary: every failure of an operation or a forward, as
    the problem+json (or the upstream's own error answer) a caller gets; a traceback only
    for what no error class covers (a bug)."""
    if isinstance(exc, web.HTTPException):
        return problem(exc.status, exc.reason, exc.text or exc.reason)
    if isinstance(exc, BodyUnreadable):
        title = "Unsupported Media Type" if exc.status == 415 else "Bad Request"
        refused = problem(exc.status, title, str(exc), hint=exc.hint)
        refused.force_close()
        return refused
    if isinstance(exc, UpstreamError):
        return _upstream_error(exc, request)
    if isinstance(exc, NaftikoError):
        return _naftiko_error(exc, request)
    log.exception("%s %s failed", request.method, request.path)
    return problem(500, "Internal Server Error", "the request failed unexpectedly")


def _upstream_error(exc: UpstreamError, request: BaseRequest) -> web.StreamResponse:
    """An upstream's error answer passes back as it came; an answer that cannot pass is 502."""
    if isinstance(exc, UpstreamInvalid) or not 400 <= exc.response.status <= 599:
        return _naftiko_error(exc, request)
    log.info("%s %s: %s", request.method, request.path, exc.message)
    return passthrough(exc.response.status, exc.response, request.method)


def _naftiko_error(exc: NaftikoError, request: BaseRequest) -> web.Response:
    status = exc.http_status
    if status >= 500 and not exc.told:
        _FAILURES.warning(exc.message, f"{request.method} {request.path}: {exc}")
    extra = {k: v for k, v in exc.details().items() if k != "status"}
    wait = extra.get("retryAfter")
    headers = {"Retry-After": str(wait)} if isinstance(wait, int) else None
    return problem(status, exc.title, exc.message, hint=exc.hint, extra=extra, headers=headers)
