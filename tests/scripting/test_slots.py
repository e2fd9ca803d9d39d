"""Runners are lent one run at a time, up to the pool's size, and no run waits for a runner
that was put aside."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from naftiko.scripting.slots import Slots


def _slots(size: int) -> tuple[Slots[int], list[int]]:
    made: list[int] = []
    numbers = itertools.count(1)

    async def make() -> int:
        made.append(next(numbers))
        return made[-1]

    return Slots(size, make, _close), made


async def _close(runner: int) -> None:
    pass


def test_runners_are_made_on_need_up_to_the_size_then_lent_again() -> None:
    async def work() -> list[int]:
        slots, made = _slots(2)
        first, second = await slots.take(), await slots.take()
        slots.give(first)
        again = await slots.take()
        slots.give(second)
        return [first, second, again, len(made)]

    assert asyncio.run(work()) == [1, 2, 1, 2]


def test_a_runner_given_back_goes_to_the_run_that_waited() -> None:
    async def work() -> int:
        slots, _ = _slots(1)
        lent = await slots.take()
        waiting = asyncio.ensure_future(slots.take())
        await asyncio.sleep(0)
        slots.give(lent)
        return await asyncio.wait_for(waiting, 1)

    assert asyncio.run(work()) == 1


def test_a_waiting_run_makes_a_runner_when_one_is_put_aside() -> None:
    async def work() -> tuple[int, int]:
        slots, made = _slots(1)
        await slots.take()
        waiting = asyncio.ensure_future(slots.take())
        await asyncio.sleep(0)
        slots.drop()  # the lent one spoiled: its place is free
        return await asyncio.wait_for(waiting, 1), len(made)

    assert asyncio.run(work()) == (2, 2)


def test_a_runner_handed_to_a_run_cancelled_meanwhile_goes_to_the_next() -> None:
    async def work() -> int:
        slots, _ = _slots(1)
        lent = await slots.take()
        first = asyncio.ensure_future(slots.take())
        second = asyncio.ensure_future(slots.take())
        await asyncio.sleep(0)
        slots.give(lent)  # to the first, which is cancelled before it runs again
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await asyncio.wait_for(second, 1)

    assert asyncio.run(work()) == 1


def test_a_runner_that_failed_to_start_frees_its_place() -> None:
    async def work() -> int:
        calls = itertools.count()

        async def make() -> int:
            if next(calls) == 0:
                raise OSError("no worker")
            return 7

        slots: Slots[int] = Slots(1, make, _close)
        with pytest.raises(OSError):
            await slots.take()
        return await asyncio.wait_for(slots.take(), 1)

    assert asyncio.run(work()) == 7
