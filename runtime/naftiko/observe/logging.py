"""Logging to stderr, as text or JSON lines, with every known secret scrubbed.

Control characters in a message are escaped (`\\n`, `\\x1b`): a request path or header
carrying `%0a` cannot forge a log line or drive the operator's terminal. Inside a traced
request every line carries its trace id (`trace=` in text, `trace_id` in JSON); in a worker
of `--workers N`, its index (`[worker N]` in text, `worker` in JSON)."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

from naftiko.observe import access, tracing
from naftiko.observe.redact import CONTROLS, scrub

LEVELS = ("debug", "info", "warning", "error")
# set by the parent of `--workers N` for each worker it starts
WORKER = os.environ.get("NAFTIKO_WORKER_INDEX", "")


class _Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = scrub(message).translate(CONTROLS)
        record.args = None
        if tracing.active() and not hasattr(record, "trace_id"):
            record.trace_id = tracing.trace_id()
        return True


class _Ordered(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes the access lines still pending before its own record, so that lines keep
    the order in which they happened."""

    def emit(self, record: logging.LogRecord) -> None:
        access.flush()
        super().emit(record)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        trace = getattr(record, "trace_id", "")
        return f"{text} trace={trace}" if trace else text


def json_line(
    created: float,
    level: str,
    logger: str,
    message: str,
    fields: Any = None,
    trace: str = "",
    exception: str = "",
) -> str:
    """One JSON log line: what `--log-format json` writes, for a record or an access line."""
    data: dict[str, Any] = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
        + f".{int((created - int(created)) * 1000):03d}Z",
        "level": level,
        "logger": logger,
        "message": message,
    }
    if WORKER:
        data["worker"] = int(WORKER)
    if isinstance(fields, dict):
        data.update(fields)
    if trace:
        data["trace_id"] = trace
    if exception:
        data["exception"] = exception
    return json.dumps(data, ensure_ascii=False)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        failure = scrub(self.formatException(record.exc_info)) if record.exc_info else ""
        return json_line(
            record.created,
            record.levelname.lower(),
            record.name,
            record.getMessage(),
            getattr(record, "fields", None),
            getattr(record, "trace_id", ""),
            failure,
        )


def configure(level: str = "info", fmt: str = "text") -> None:
    """Send the ``naftiko`` loggers to stderr; results and protocol data own stdout."""
    logger = logging.getLogger("naftiko")
    access.flush()  # what the writer being replaced still holds
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = _Ordered(sys.stderr)
    handler.addFilter(_Redacting())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        worker = f" [worker {WORKER}]" if WORKER else ""
        text = f"%(asctime)s %(levelname)s{worker} %(name)s: %(message)s"
        handler.setFormatter(_TextFormatter(text))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    # the access line, once per request, goes straight to this handler's stream
    on = access.log.isEnabledFor(logging.INFO)
    access.writer = (
        access.Writer(handler, json_line if fmt == "json" else None, WORKER) if on else None
    )
