"""Tool calls a later message can stop: `notifications/cancelled` (2025-11-25 and earlier)
names a call of its session (or stdio connection) by request id.

A call is registered as the task already answering its request, not run as a task of its
own (which cost every call of a session a task to make, schedule and wait for: about 32k
instructions). A cancel marks that task, then cancels it; where the protocol catches the
cancellation it asks `stopped`, which undoes the client's cancel (the call is answered with
nothing) and leaves any other (the transport going away) in force.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from typing import TypeVar

from naftiko.deadlines import undone

T = TypeVar("T")


class Cancels:
    def __init__(self) -> None:
        self._stopped: weakref.WeakSet[asyncio.Task[object]] = weakref.WeakSet()

    async def run(
        self,
        calls: dict[object, asyncio.Task[object]],
        id_: object,
        work: Awaitable[T],
    ) -> T:
        """Await ``work`` with the current task registered in ``calls`` under ``id_``."""
        task = asyncio.current_task()
        if task is None:
            return await work
        calls[id_] = task
        try:
            return await work
        finally:
            if calls.get(id_) is task:
                del calls[id_]

    def stop(self, calls: dict[object, asyncio.Task[object]], id_: object) -> None:
        """A client's cancel of the call ``id_``, if it is in flight."""
        task = calls.get(id_)
        if task is not None and task is not asyncio.current_task():
            self._stopped.add(task)
            task.cancel()

    def stopped(self, task: asyncio.Task[object]) -> bool:
        """Whether a client's cancel stopped ``task``; that one cancel is undone."""
        return undone(task, self._stopped)
