"""Deadlines of many tasks from one periodic sweep, instead of one timer per task.

A task registers on entry and removes itself on exit (two dict operations); a single
timer, running only while tasks are registered, cancels those past their deadline, which
the owner tells from other cancellations with ``expired``. The deadline is thus kept to
within a tenth of itself (at most a second late). Inbound REST requests (`--request-timeout`)
and upstream attempts (`--timeout`) each keep theirs so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import MutableSet
from typing import TypeVar

_T = TypeVar("_T")


class Deadlines:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._interval = min(1.0, max(0.005, seconds / 10))
        self._due: dict[asyncio.Task[object], float] = {}
        self._expired: set[asyncio.Task[object]] = set()
        self._timer: asyncio.TimerHandle | None = None

    def enter(self, task: asyncio.Task[object]) -> None:
        """``task``: the one answering the request."""
        self._due[task] = time.monotonic() + self.seconds
        if self._timer is None:
            loop = task.get_loop()
            self._timer = loop.call_later(self._interval, self._sweep, loop)

    def leave(self, task: asyncio.Task[object]) -> None:
        self._due.pop(task, None)  # gone when the sweep took it: then it is in _expired
        if self._expired:
            self._expired.discard(task)

    def expired(self, task: asyncio.Task[object]) -> bool:
        """True (once) when ``task`` was cancelled by its deadline; the cancel is undone."""
        return undone(task, self._expired)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = time.monotonic()
        late = [task for task, due in self._due.items() if due <= now]
        for task in late:
            del self._due[task]
            self._expired.add(task)
            task.cancel()
        self._timer = loop.call_later(self._interval, self._sweep, loop) if self._due else None

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def undone(task: asyncio.Task[object], marked: MutableSet[asyncio.Task[object]]) -> bool:
    """True (once) when ``task`` is among ``marked``, the tasks cancelled for one reason:
    that cancel is undone, and the task goes on (its owner answers for it)."""
    if task not in marked:
        return False
    marked.discard(task)
    task.uncancel()
    return True


def expire(waiting: asyncio.Future[_T]) -> None:
    """A timer's end of a wait on one future (``loop.call_later(limit, expire, future)``,
    cheaper than ``asyncio.timeout``): TimeoutError, unless it was answered first."""
    if not waiting.done():
        waiting.set_exception(TimeoutError())
