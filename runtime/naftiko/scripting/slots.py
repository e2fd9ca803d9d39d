"""Up to a fixed number of runners (V8 isolates, Python workers), made on first need and lent
to one run at a time.

A run takes an idle runner, or makes one while there are fewer than the size, or waits.
Whoever waits is woken by a runner given back, and also when one is put aside (a run
that spoiled it, or timed out): then it makes one in its place, rather than waiting for a
runner that no longer exists. A runner whose run its caller stopped is settled in the
background (lent again once sound, else discarded), so that the caller does not wait and
callers that give up early do not make a runner each.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

_T = TypeVar("_T")


class Slots(Generic[_T]):
    def __init__(
        self,
        size: int,
        make: Callable[[], Awaitable[_T]],
        close: Callable[[_T], Awaitable[None]],
    ) -> None:
        self._size = size
        self._make = make
        self._close = close
        self._made = 0
        self._idle: list[_T] = []
        self._waiting: deque[asyncio.Future[_T | None]] = deque()
        self._settling: set[asyncio.Task[None]] = set()
        self._closed = False

    async def take(self) -> _T:
        while True:
            if self._idle:
                return self._idle.pop()
            if self._made < self._size:
                self._made += 1
                try:
                    return await self._make()
                except BaseException:
                    self.drop()
                    raise
            waiter: asyncio.Future[_T | None] = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                found = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # handed over as it was cancelled
                    handed = waiter.result()
                    if handed is None:
                        self._wake(None)
                    else:
                        self.give(handed)
                raise
            if found is not None:
                return found  # else a place was freed: make one

    def give(self, runner: _T) -> None:
        """``runner`` is free again."""
        if not self._wake(runner):
            self._idle.append(runner)

    def drop(self) -> None:
        """A runner was put aside: its place may be filled."""
        self._made -= 1
        self._wake(None)

    async def discard(self, runner: _T) -> None:
        """Put ``runner`` aside and close it."""
        self.drop()  # first: a run waiting makes one in its place
        await self._close(runner)

    def settle(self, runner: _T, sound: Callable[[], Awaitable[bool]]) -> None:
        """In the background: ``runner`` lent again when ``sound()`` says so, else discarded."""
        task = asyncio.get_running_loop().create_task(self._settle(runner, sound))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def _settle(self, runner: _T, sound: Callable[[], Awaitable[bool]]) -> None:
        lend = False
        try:
            lend = await sound()
        finally:  # cancelled too: by close
            if lend and not self._closed:
                self.give(runner)
            else:
                await self.discard(runner)

    async def close(self) -> None:
        """Every idle runner closed, and those still settling; none counts any more."""
        self._closed = True
        for task in self._settling:
            task.cancel()
        await asyncio.gather(*self._settling, return_exceptions=True)
        idle, self._idle = self._idle, []
        self._made -= len(idle)
        for runner in idle:
            await self._close(runner)

    def _wake(self, handed: _T | None) -> bool:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(handed)
                return True
        return False
