"""The access log: one line per inbound request (REST request, MCP JSON-RPC request).

Method, route template (never the rendered path with its values), status, duration, bytes
sent, time spent waiting on upstreams, and the trace id when tracing is on; as text, or as
fields of the JSON line with `--log-format json`. On by default at info level on the
`naftiko.access` logger; `--no-access-log` turns it off.
"""

from __future__ import annotations

import atexit
import codecs
import logging
import os
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from naftiko.observe.redact import CONTROLS, scrub
from naftiko.observe.span import OFF, Span

if TYPE_CHECKING:
    import asyncio

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
    direct = writer
    if direct is None and not log.isEnabledFor(logging.INFO):
        return
    trace = span.trace() if span is not OFF else ""
    took = (time.perf_counter() - started) * 1000
    waited = (holder[0] if holder else 0.0) * 1000
    if direct is not None:
        direct.write(adapter, method, route, status, took, size, waited, trace)
        return
    fields = _fields(adapter, method, route, status, took, size, waited)
    extra = {"fields": fields, "trace_id": trace} if trace else {"fields": fields}
    log.info(_MESSAGE, adapter, method, route, status, took, size, waited, extra=extra)


def _fields(
    adapter: str, method: str, route: str, status: int, took: float, size: int, waited: float
) -> dict[str, Any]:
    return {
        "adapter": adapter,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(took, 2),
        "bytes": size,
        "upstream_ms": round(waited, 2),
    }


# the message, and the text line as the `naftiko` handler's format writes it (one %-format:
# the cheapest way to make it)
_MESSAGE = "%s %s %s %d %.2fms %dB upstream=%.2fms"
_TEXT = "%s,%03d INFO%s naftiko.access: " + _MESSAGE + "%s\n"
JsonLine = Callable[[float, str, str, str, Any, str], str]


class Writer:
    """The access line written straight to the log's stream, as the `naftiko` handler would
    write it (same text or JSON), without a LogRecord, a filter pass and a formatter per
    request. Set by `logging.configure` when the access log is on at info level; what no
    file can hold is escaped, and a route a caller named (an MCP tool) is scrubbed.

    Lines are written in batches: the first line of a batch sets a timer of DELAY seconds,
    and the batch goes out in one write when it fires, or at once when the next line would
    take it past PIPE_BUF. A write to a file costs more than making the line, and a batch
    holds many (as nginx's `access_log ... buffer= flush=` does). So that the workers of
    `--workers N` sharing one pipe never split each other's lines, a batch never exceeds
    PIPE_BUF; a record through `logging` writes the pending lines first (the order holds),
    and so do reconfiguring and the process's exit.

    A batch goes straight to the file descriptor under the handler's stream (encoded as the
    stream would), not through the stream and its lock: a third of the cost of a write.
    Only the event loop's thread writes access lines, the stream holds nothing between
    records (each record is flushed as it is written), and a batch is one write: no line is
    ever split, whatever another thread logs meanwhile. A stream with no descriptor (a test
    capturing it) is written through.
    """

    BATCH = 4096  # PIPE_BUF on Linux: one write of at most this much is atomic on a pipe
    # seconds a line may wait for others: soon enough for a reader at a terminal, and a
    # quiet server (tens of requests a second) pays for one timer and one write per many
    # lines, not per one or two
    DELAY = 0.25

    def __init__(
        self, handler: logging.StreamHandler[Any], json_line: JsonLine | None, worker: str
    ) -> None:
        """``json_line``: the JSON line maker of `--log-format json` (None: text);
        ``worker``: the index of this worker of `--workers N`, or empty."""
        self.handler, self.json_line = handler, json_line
        self.worker = f" [worker {worker}]" if worker else ""
        self._second = -1
        self._stamp = ""
        self._pending: list[str] = []
        self._size = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._raw = _raw(handler.stream)

    def write(
        self,
        adapter: str,
        method: str,
        route: str,
        status: int,
        took: float,
        size: int,
        waited: float,
        trace: str,
    ) -> None:
        if not route.isprintable():
            route = route.translate(CONTROLS)
        if not method.isprintable():
            method = method.translate(CONTROLS)
        now = time.time()
        if self.json_line is not None:
            values = (adapter, method, route, status, took, size, waited)
            message = scrub(_MESSAGE % values)
            fields = _fields(*values)
            text = self.json_line(now, "info", log.name, message, fields, trace) + "\n"
        else:
            second = int(now)
            if second != self._second:  # logging's `%(asctime)s`, its date made once a second
                self._second = second
                self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
            millis = int((now - second) * 1000)
            tail = " trace=" + trace if trace else ""
            stamp, worker = self._stamp, self.worker
            text = scrub(
                _TEXT
                % (stamp, millis, worker, adapter, method, route, status, took, size, waited, tail)
            )
        length = len(text) if text.isascii() else len(text.encode())
        if self._size + length > self.BATCH:
            self.flush()
        pending = self._pending
        if pending and self._loop is not None and self._loop.is_closed():
            self.flush()  # the loop that was to write them is gone
        pending.append(text)
        self._size += length
        if len(pending) == 1 and not self._later():
            self.flush()

    def _later(self) -> bool:
        """Write the pending lines in DELAY seconds (False: no loop runs)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            import asyncio  # here: `naftiko --version` loads this module, and no event loop

            try:
                loop = self._loop = asyncio.get_running_loop()
            except RuntimeError:
                return False
        loop.call_later(self.DELAY, self.flush)
        return True

    def flush(self) -> None:
        """Write the pending lines in one write."""
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._size = 0
        if self._raw is not None:
            fd, encoding, errors = self._raw
            data = text.encode(encoding, errors)
            while data:  # a batch fits one write; a short write (a full disk) goes on
                data = data[os.write(fd, data) :]
            return
        handler = self.handler
        with handler.lock:  # type: ignore[union-attr]
            stream = handler.stream
            stream.write(text)
            stream.flush()


def _raw(stream: Any) -> tuple[int, str, str] | None:
    """The descriptor under a text stream, with the stream's encoding and error handler
    (None: the stream has no descriptor, so it is written through)."""
    try:
        fd = stream.fileno()
        encoding = codecs.lookup(stream.encoding).name
    except (AttributeError, OSError, ValueError, TypeError, LookupError):
        return None  # io.UnsupportedOperation is an OSError
    return fd, encoding, getattr(stream, "errors", None) or "strict"


writer: Writer | None = None


def flush() -> None:
    """Write the access lines still pending (before other output, and at exit)."""
    if writer is not None:
        writer.flush()


atexit.register(flush)
