"""A circuit breaker per upstream: stop calling one that keeps failing, try it again later.

Configured by `x-naftiko-resilience.circuit: {failures: 5, openSeconds: 30}` on a consumes
entry (off without it). After `failures` calls in a row fail (unreachable, timed out, or a
5xx once retries are spent), the circuit opens: calls fail at once with a 503 saying when to
try again, instead of waiting on a dead upstream and piling up. After `openSeconds` one call
is let through (half-open): its success closes the circuit, its failure opens it again.
4xx answers are the caller's business and never count.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from naftiko.errors import UpstreamUnavailable
from naftiko.jsontypes import JSON


class CircuitOpen(UpstreamUnavailable):
    """The upstream failed too often lately; nothing was sent."""

    def __init__(self, namespace: str, retry_after: float) -> None:
        seconds = max(1, round(retry_after))
        super().__init__(
            f"upstream '{namespace}' is failing: calls are paused for {seconds}s",
            timeout=False,
            hint="the circuit closes again once a trial call succeeds",
        )
        self.http_status = 503
        self.title = "Upstream paused"
        self.retry_after = seconds

    def details(self) -> dict[str, JSON]:
        return {"status": self.http_status, "retryAfter": self.retry_after}


@dataclass
class Circuit:
    namespace: str
    failures: int = 5
    open_seconds: float = 30.0
    _failed: int = 0
    _opened_at: float | None = None
    _trial: bool = False

    @classmethod
    def of(cls, namespace: str, block: object) -> Circuit | None:
        if not isinstance(block, Mapping):
            return None
        return cls(
            namespace,
            max(1, int(block.get("failures", 5))),
            max(0.1, float(block.get("openSeconds", 30.0))),
        )

    def before(self) -> None:
        """Raise CircuitOpen unless a call may go now (closed, or the one half-open trial)."""
        if self._opened_at is None:
            return
        waited = time.monotonic() - self._opened_at
        if waited < self.open_seconds or self._trial:
            raise CircuitOpen(self.namespace, max(self.open_seconds - waited, 1.0))
        self._trial = True  # half-open: this call is the trial

    def succeeded(self) -> None:
        self._failed, self._opened_at, self._trial = 0, None, False

    def failed(self) -> None:
        self._failed += 1
        if self._trial or self._failed >= self.failures:
            self._opened_at, self._trial = time.monotonic(), False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._trial else "open"
