"""Prometheus metrics of the process, exposed through prometheus_client.

Requests by adapter, operation and status, with latency; requests in flight; upstream answers
by namespace and status, with latency, failures and retries. Labels carry names from the file
and status codes only, never values a caller or a secret could put there.

Counting happens on the request path, so it is plain integer arithmetic on one event loop
(no locks); prometheus_client turns the counts into its exposition format when scraped.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Latency:
    """A histogram's raw counts: one slot per bucket, plus +Inf."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds

    def cumulative(self) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        running = 0
        for bound, count in zip((*BUCKETS, float("inf")), self.counts, strict=True):
            running += count
            found.append(("+Inf" if bound == float("inf") else repr(bound), running))
        return found


class Served(Latency):
    """One operation's (or tool's, or upstream's) answers by status, with their latency:
    bound where it is counted at load, so that counting is no dictionary lookup by name."""

    __slots__ = ("by_status",)

    def __init__(self) -> None:
        super().__init__()
        # an HTTP status (a number, written as text when scraped), or an outcome ("ok")
        self.by_status: defaultdict[int | str, int] = defaultdict(int)

    @property
    def latency(self) -> Latency:
        return self

    def count(self, status: int | str, seconds: float) -> None:
        self.by_status[status] += 1
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds


class Metrics:
    def __init__(self) -> None:
        self._served: dict[tuple[str, str], Served] = {}
        self.in_flight: defaultdict[str, int] = defaultdict(int)
        self._upstreams: dict[str, Served] = {}
        self.failures: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.retries: defaultdict[str, int] = defaultdict(int)
        self.limit_waits: defaultdict[str, int] = defaultdict(int)
        self.cache: defaultdict[tuple[str, str], int] = defaultdict(int)
        # (output, JSONPath) -> upstream answers it matched nothing in
        self.mapping_misses: defaultdict[tuple[str, str], int] = defaultdict(int)
        # script steps run, by step, language and outcome (ok, none, error), and their time
        self.scripts: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        self.script_latency: defaultdict[str, Latency] = defaultdict(Latency)
        # namespace -> its circuit breaker (anything with a `state`), while it lives
        self.circuits: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def served(self, adapter: str, operation: str) -> Served:
        """The counts of one operation or tool of an adapter (made on first use, kept
        across reloads)."""
        found = self._served.get((adapter, operation))
        if found is None:
            found = self._served[(adapter, operation)] = Served()
        return found

    def request(self, adapter: str, operation: str, status: int | str, seconds: float) -> None:
        self.served(adapter, operation).count(status, seconds)

    def answers_of(self, namespace: str) -> Served:
        """The answers of one consumes namespace's upstream, by status, with latency."""
        found = self._upstreams.get(namespace)
        if found is None:
            found = self._upstreams[namespace] = Served()
        return found

    @property
    def upstream(self) -> dict[tuple[str, str], int]:
        """Upstream answers by namespace and status."""
        return {
            (namespace, str(status)): count
            for namespace, served in list(self._upstreams.items())
            for status, count in list(served.by_status.items())
        }

    @property
    def upstream_latency(self) -> dict[str, Latency]:
        return {
            k: served.latency for k, served in list(self._upstreams.items()) if served.by_status
        }

    @property
    def requests(self) -> dict[tuple[str, str, str], int]:
        """Answers by adapter, operation and status."""
        return {
            (adapter, operation, str(status)): count
            for (adapter, operation), served in list(self._served.items())
            for status, count in list(served.by_status.items())
        }

    @property
    def latency(self) -> dict[tuple[str, str], Latency]:
        """Latency by adapter and operation, of those that answered at least once."""
        return {
            key: served.latency for key, served in list(self._served.items()) if served.by_status
        }

    def collect(self) -> Iterator[Metric]:
        yield _counter(
            "naftiko_requests",
            "Requests answered, by adapter, operation or tool, and status.",
            ["adapter", "operation", "status"],
            self.requests,
        )
        yield _histograms(
            "naftiko_request_duration_seconds",
            "Time to answer a request.",
            ["adapter", "operation"],
            {tuple(k): v for k, v in self.latency.items()},
        )
        flying = GaugeMetricFamily(
            "naftiko_requests_in_flight", "Requests being answered now.", labels=["adapter"]
        )
        for adapter, value in self.in_flight.items():
            flying.add_metric([adapter], value)
        yield flying
        yield _counter(
            "naftiko_upstream_requests",
            "Upstream answers, by consumes namespace and status.",
            ["namespace", "status"],
            self.upstream,
        )
        yield _histograms(
            "naftiko_upstream_request_duration_seconds",
            "Time an upstream took to answer.",
            ["namespace"],
            {(k,): v for k, v in self.upstream_latency.items()},
        )
        for name, text, labels, series in (
            ("naftiko_upstream_failures",
             "Upstream calls that got no answer: timeout or unreachable.",
             ["namespace", "kind"], self.failures),
            ("naftiko_upstream_retries",
             "Upstream calls retried after 429/503 (or 502/504 when idempotent).",
             ["namespace"], self.retries),
            ("naftiko_upstream_limit_waits",
             "Upstream attempts that waited for a place under a limit (declared or announced).",
             ["namespace"], self.limit_waits),
            ("naftiko_upstream_cache",
             "Upstream GETs by what the response cache did: hit, miss or revalidated (a 304).",
             ["namespace", "outcome"], self.cache),
            ("naftiko_script_executions",
             "Script steps run, by step, language and outcome: ok, none (no result) or error.",
             ["step", "language", "outcome"], self.scripts),
            ("naftiko_output_mapping_misses",
             "Upstream answers in which an output's mapping matched nothing (the output is null).",
             ["output", "mapping"], self.mapping_misses),
        ):  # fmt: skip
            yield _counter(name, text, labels, series)
        yield _histograms(
            "naftiko_script_duration_seconds",
            "Time a script step took, by language.",
            ["language"],
            {(k,): v for k, v in list(self.script_latency.items())},
        )
        circuits = GaugeMetricFamily(
            "naftiko_upstream_circuit_open",
            "1 while a namespace's circuit is open or half-open (calls fail fast), else 0.",
            labels=["namespace"],
        )
        for namespace, circuit in list(self.circuits.items()):
            circuits.add_metric([namespace], 0 if circuit.state == "closed" else 1)
        yield circuits

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _counter(
    name: str, documentation: str, labels: list[str], series: Mapping[Any, int]
) -> CounterMetricFamily:
    """A counter family from counts keyed by one label value or a tuple of them."""
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, value in series.items():
        family.add_metric(list(key) if isinstance(key, tuple) else [key], value)
    return family


def _histograms(
    name: str, documentation: str, labels: list[str], series: dict[tuple[str, ...], Latency]
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation, labels=labels)
    for values, latency in series.items():
        family.add_metric(list(values), latency.cumulative(), latency.total)
    return family


METRICS = Metrics()
