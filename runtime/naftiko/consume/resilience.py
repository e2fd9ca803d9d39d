"""How hard to try an upstream: retries with backoff, and limits on requests in flight.

Retries: 429 and 503 always, 502 and 504 only for idempotent methods (a refused connection
or a timeout is reported at once). Delays grow exponentially from `backoff` seconds, capped
at `maxDelay`; a `Retry-After` header wins; no attempt starts after `maxElapsed` seconds.
Redirects: followed within the upstream's origin, and to the origins `redirectOrigins` lists
(without credentials); never elsewhere.
Limits: answers of at most `maxBody` bytes (decompressed); a followed list of at most
`max_pages` pages, `max_paged_items` items, `max_paged_bytes` bytes and `max_paging_seconds`
(the operator's ceilings, over the file's `maxPages`/`maxItems`);
at most `maxInFlight` requests per consumes namespace and, with `perHeader`, at most
`limit` requests per value of one header for the listed methods (Kombo: 30 non-GET requests
per `X-Integration-Id`); the others wait their turn instead of failing (limits.py, which
also learns the limits an upstream announces).

Defaults here; an `x-naftiko-resilience` block on a consumes entry overrides them, and
`naftiko run` flags override both.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TypedDict, cast

from naftiko.jsontypes import JSON, is_number

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
ALWAYS_RETRIED = frozenset({429, 503})
IDEMPOTENT_RETRIED = frozenset({502, 504})


@dataclass(frozen=True)
class PerHeader:
    header: str
    limit: int
    methods: frozenset[str] = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Overrides(TypedDict, total=False):
    """Resilience fields an operator sets with `naftiko run` flags: they win over the file's."""

    retries: int
    max_in_flight: int
    max_body: int
    max_pages: int
    max_paged_items: int
    max_paged_bytes: int
    max_paging_seconds: float


def overrides(
    *,
    retries: int | None = None,
    max_in_flight: int | None = None,
    max_body: int | None = None,
    max_pages: int | None = None,
    max_paged_items: int | None = None,
    max_paged_bytes: int | None = None,
    max_paging_seconds: float | None = None,
) -> Overrides:
    """The flags given (None: not given, so the file's setting stands)."""
    given = {
        "retries": retries,
        "max_in_flight": max_in_flight,
        "max_body": max_body,
        "max_pages": max_pages,
        "max_paged_items": max_paged_items,
        "max_paged_bytes": max_paged_bytes,
        "max_paging_seconds": max_paging_seconds,
    }
    return cast(Overrides, {name: value for name, value in given.items() if value is not None})


@dataclass(frozen=True)
class Resilience:
    retries: int = 3
    backoff: float = 1.0
    max_delay: float = 30.0
    max_elapsed: float = 60.0
    max_in_flight: int = 100
    per_header: PerHeader | None = None
    # the largest answer body read, decompressed: an upstream cannot exhaust our memory
    max_body: int = 32 * 1024 * 1024
    # other origins (scheme://host[:port]) a redirect may lead to; credentials never follow
    redirect_origins: frozenset[str] = frozenset()
    # ceilings on one followed list, whatever its `maxPages`/`maxItems` say: set by the
    # operator (`naftiko run` flags), never by the file, so that no upstream paging forever
    # holds a request or its memory
    max_pages: int = 100
    max_paged_items: int = 10_000
    max_paged_bytes: int = 16 * 1024 * 1024
    max_paging_seconds: float = 30.0

    def delay(self, attempt: int, retry_after: str | None, started: float) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None when out of budget."""
        if attempt > self.retries:
            return None
        wait = _retry_after(retry_after)
        if wait is None:
            wait = min(self.backoff * (2 ** (attempt - 1)), self.max_delay)
        if time.monotonic() - started + wait > self.max_elapsed:
            return None
        return max(0.0, wait)

    def retryable(self, method: str, status: int) -> bool:
        return status in ALWAYS_RETRIED or (
            status in IDEMPOTENT_RETRIED and method.upper() in IDEMPOTENT
        )


DEFAULT_RESILIENCE = Resilience()


def from_block(
    block: Mapping[str, JSON] | None, base: Resilience = DEFAULT_RESILIENCE
) -> Resilience:
    """A consumes entry's `x-naftiko-resilience` block over ``base``."""
    if not block:
        return base
    found = replace(
        base,
        retries=int(_number(block, "retries", base.retries)),
        backoff=float(_number(block, "backoff", base.backoff)),
        max_delay=float(_number(block, "maxDelay", base.max_delay)),
        max_elapsed=float(_number(block, "maxElapsed", base.max_elapsed)),
        max_in_flight=int(_number(block, "maxInFlight", base.max_in_flight)),
        max_body=int(_number(block, "maxBody", base.max_body)),
    )
    origins = block.get("redirectOrigins")
    if isinstance(origins, list):
        found = replace(found, redirect_origins=frozenset(_origin(str(o)) for o in origins))
    per = block.get("perHeader")
    limit = per.get("limit") if isinstance(per, dict) else None
    if isinstance(per, dict) and per.get("header") and isinstance(limit, int) and limit:
        methods = per.get("methods")
        found = replace(
            found,
            per_header=PerHeader(
                str(per["header"]),
                limit,
                frozenset(str(m).upper() for m in methods)
                if isinstance(methods, list) and methods
                else PerHeader("", 0).methods,
            ),
        )
    return found


def _number(block: Mapping[str, JSON], key: str, default: float) -> float:
    """A number the block sets (load-time validation checked its type), or ``default``."""
    value = block.get(key)
    return value if is_number(value) else default


def _origin(text: str) -> str:
    from yarl import URL

    return str(URL(text.strip()).origin())


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - time.time()
