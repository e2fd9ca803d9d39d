"""Prometheus metrics of the process, through prometheus_client (one registry per process).

Requests by adapter, operation and status, with latency; requests in flight; upstream calls by
namespace and status, with latency, failures and retries. Labels carry names from the file
and status codes only, never values a caller or a secret could put there.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "naftiko_requests",
            "Requests answered, by adapter, operation or tool, and status.",
            ["adapter", "operation", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "naftiko_request_duration_seconds",
            "Time to answer a request.",
            ["adapter", "operation"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "naftiko_requests_in_flight",
            "Requests being answered now.",
            ["adapter"],
            registry=self.registry,
        )
        self.upstream = Counter(
            "naftiko_upstream_requests",
            "Upstream answers, by consumes namespace and status.",
            ["namespace", "status"],
            registry=self.registry,
        )
        self.upstream_duration = Histogram(
            "naftiko_upstream_request_duration_seconds",
            "Time an upstream took to answer.",
            ["namespace"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.upstream_failures = Counter(
            "naftiko_upstream_failures",
            "Upstream calls that got no answer: timeout or unreachable.",
            ["namespace", "kind"],
            registry=self.registry,
        )
        self.retries = Counter(
            "naftiko_upstream_retries",
            "Upstream calls retried after 429/503 (or 502/504 when idempotent).",
            ["namespace"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


METRICS = Metrics()
