"""Finished spans, already encoded, batched and sent by the SDK's OTLP/HTTP exporter.

The SDK's batch processor holds span objects and encodes them on its thread; under the GIL
that thread then competes with the event loop for as long as it encodes. Here spans are
encoded when they end (cheaply: `spanwire`) and the thread only joins bytes and sends them
through the SDK's exporter, which keeps its transport, retries, headers, TLS and compression.
The batching follows the SDK's `OTEL_BSP_*` settings; two defaults differ, since one export
costs here about what encoding 300 spans does: batches of up to 2048 spans (the SDK: 512), in a
queue of up to 8192 (the SDK: 2048).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from naftiko.memory import trim

log = logging.getLogger("naftiko.tracing")

# The SDK's variables and their defaults here: ms, spans, spans, ms.
SETTINGS = {
    "OTEL_BSP_SCHEDULE_DELAY": 5000,
    "OTEL_BSP_MAX_QUEUE_SIZE": 8192,
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": 2048,
    "OTEL_BSP_EXPORT_TIMEOUT": 30000,
}
_DROP_NOTE = 30.0  # at most one log line about dropped spans per this many seconds


def setting(name: str) -> int:
    raw = os.environ.get(name, "")
    if raw.strip():
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value > 0:
            return value
        log.warning("%s=%r is not a positive integer; using %d", name, raw, SETTINGS[name])
    return SETTINGS[name]


class Batch:
    """What the exporter asks to serialize: bytes already made."""

    __slots__ = ("count", "data")

    def __init__(self, data: bytes, count: int) -> None:
        self.data, self.count = data, count

    def __len__(self) -> int:
        return self.count

    def SerializeToString(self) -> bytes:
        return self.data

    SerializePartialToString = SerializeToString


def hook(module: Any) -> Any:
    """Make ``module.encode_spans`` pass a Batch through; the original, to put back. Every
    other caller still gets the SDK's encoder."""
    original = module.encode_spans

    def encode_spans(spans: Any) -> Any:
        return spans if isinstance(spans, Batch) else original(spans)

    module.encode_spans = encode_spans
    return original


class Outbox:
    """Encoded spans waiting: appended by the event loop (as spans end), bounded; what did
    not fit is counted."""

    __slots__ = ("dropped", "limit", "queue")

    def __init__(self, limit: int) -> None:
        self.queue: deque[bytes] = deque()
        self.limit, self.dropped = limit, 0


POLL = 0.05  # s: how often the thread looks for a full batch (the loop never signals it)


class Shipper:
    """The one thread that sends an outbox's spans in batches: a full batch at once, what is
    left on the schedule, everything at shutdown."""

    def __init__(self, exporter: Any, outbox: Outbox, wrap: Callable[[list[bytes]], bytes]) -> None:
        self.exporter, self.outbox, self._wrap = exporter, outbox, wrap
        self.delay = setting("OTEL_BSP_SCHEDULE_DELAY") / 1000
        self.queue = outbox.queue
        self.size = min(setting("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"), self.outbox.limit)
        self.timeout = setting("OTEL_BSP_EXPORT_TIMEOUT") / 1000
        self.sent = 0
        self._stopping = False
        self._abandoned = False  # at stop, past the budget: what is left stays unsent
        self._wake = threading.Event()
        self._noted = 0.0
        self._thread = threading.Thread(target=self._run, name="naftiko-spans", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        return self.outbox.dropped

    def _run(self) -> None:
        due = time.monotonic() + self.delay
        while True:
            self._wake.wait(POLL)
            stopping = self._stopping
            if not stopping and len(self.queue) < self.size and time.monotonic() < due:
                continue
            while self.queue and not self._abandoned:
                self._send(min(len(self.queue), self.size))
                if not stopping and len(self.queue) < self.size:
                    break  # a part batch waits for the schedule
            due = time.monotonic() + self.delay
            self._note_drops()
            if stopping:
                return

    def _send(self, count: int) -> None:
        take = self.queue.popleft
        spans = [take() for _ in range(min(count, len(self.queue)))]
        try:
            self.exporter.export(Batch(self._wrap(spans), count))
            self.sent += count
        except Exception as exc:  # the exporter logs its own failures; this is a bug's net
            log.warning("tracing: a batch of %d spans was not exported: %s", count, exc)
        del spans
        trim()  # this thread's large buffers (the batch, its compressed copy) go back at once

    def _note_drops(self) -> None:
        now = time.monotonic()
        if self.dropped and now - self._noted >= _DROP_NOTE:
            log.warning(
                "tracing: %d span(s) dropped so far: the exporter falls behind "
                "(raise OTEL_BSP_MAX_QUEUE_SIZE, or sample less with OTEL_TRACES_SAMPLER)",
                self.dropped,
            )
            self._noted = now

    def shutdown(self, budget: float) -> None:
        """Send what is queued within ``budget`` seconds (and OTEL_BSP_EXPORT_TIMEOUT), then
        stop. A collector that is down or hangs costs the stop no more: the exporter's
        retries are cut short, and the spans left are counted in the log."""
        deadline = time.monotonic() + min(budget, self.timeout)
        self._stopping = True
        self._wake.set()
        self._thread.join(max(0.0, deadline - time.monotonic()) * 0.8)
        if self._thread.is_alive():
            self._abandoned = True
            left = len(self.queue)
            self.exporter.shutdown()  # ends a retry's wait at once
            self._thread.join(max(0.0, deadline - time.monotonic()))
            log.warning(
                "tracing: %d span(s) not exported at stop: the collector did not take them in time",
                left,
            )
            return
        self.exporter.shutdown()
