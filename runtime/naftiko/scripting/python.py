"""Python steps in sandboxed worker processes (`sandbox.py` says why they hold).

A pool of workers per capability, started on first use with an empty environment. A run
waits for a free worker, sends the script the first time that worker sees it, then the
context; a worker that does not answer within the time limit (plus a grace for the
interval timer to act) is killed, and the next run starts another.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from naftiko import jsonio
from naftiko.deadlines import expire
from naftiko.scripting.slots import Slots

MEMORY_LIMIT = 512 * 1024 * 1024  # bytes of address space per worker
POOL = 2  # workers per capability: Python scripts that run at once
GRACE = 1.0  # seconds past the time limit before the parent kills the worker
MESSAGE_LIMIT = 64 * 1024 * 1024  # bytes of one answer
_FRAME = struct.Struct(">I")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding `naftiko`


class WorkerFailed(Exception):
    """The run did not finish: ``kind`` is statements, timeout, memory, failed or result."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class _Channel(asyncio.SubprocessProtocol):
    """A worker's pipes: length-prefixed frames out of its stdout, one question at a time
    (a worker answers each before it reads the next)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._buffer = bytearray()
        self._waiter: asyncio.Future[bytes] | None = None
        self._closed: BaseException | None = None
        self.exited: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        if fd == 1 and isinstance(data, bytes):
            self._buffer += data
            self._deliver()

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            self._closed = EOFError("the worker closed its output")
            self._deliver()

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def answer(self) -> asyncio.Future[bytes]:
        """The next frame, when it has come in whole."""
        self._waiter = self._loop.create_future()
        self._deliver()
        return self._waiter

    def _deliver(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        buffer = self._buffer
        if len(buffer) >= _FRAME.size:
            size = _FRAME.unpack_from(buffer)[0]
            if size > MESSAGE_LIMIT:
                waiter.set_exception(ValueError("answer too large"))
                return
            end = _FRAME.size + size
            if len(buffer) >= end:
                frame = bytes(buffer[_FRAME.size : end])
                del buffer[:end]
                waiter.set_result(frame)
                return
        if self._closed is not None:
            waiter.set_exception(self._closed)


@dataclass
class _Worker:
    transport: asyncio.SubprocessTransport
    channel: _Channel
    known: set[int] = field(default_factory=set)  # scripts it has compiled


class Pool:
    """The workers of one capability in one process; script ``n`` is ``scripts[n]``."""

    def __init__(self, scripts: Sequence[Sequence[tuple[str, str]]], size: int = POOL) -> None:
        self._scripts = [list(files) for files in scripts]
        self._slots = Slots(size, _start, _stop)

    async def run(
        self, number: int, context: Any, statements: int, timeout: float
    ) -> tuple[bool, Any]:
        """(True, result) or (False, None) when the script sets none; WorkerFailed else."""
        worker = await self._slots.take()
        healthy: bool | None = False  # None: handed to a task that waits for its answer
        try:
            message: dict[str, Any] = {
                "script": number,
                "context": context,
                "statements": statements,
                "timeout": timeout,
            }
            if number not in worker.known:
                message["files"] = self._scripts[number]
            try:
                answer = await _ask(worker, message, timeout + GRACE)
            except asyncio.CancelledError:
                healthy = None
                # the worker finishes the run unseen and serves again; killing it at once
                # would let callers that give up early make the server start one for each
                self._slots.settle(worker, lambda: _finished(worker, timeout + GRACE))
                raise
            except TimeoutError:
                raise WorkerFailed(
                    "timeout", f"exceeded the timeout limit ({int(timeout * 1000)} ms)"
                ) from None
            except (OSError, EOFError, asyncio.IncompleteReadError, ValueError):
                raise WorkerFailed("memory", "the worker stopped (its memory limit?)") from None
            healthy = _reusable(answer)
            worker.known.add(number)
            if "error" in answer:
                raise WorkerFailed(str(answer.get("kind")), str(answer["error"]))
            if "result" in answer:
                return True, answer["result"]
            return False, None
        finally:
            if healthy:
                self._slots.give(worker)
            elif healthy is False:
                await self._slots.discard(worker)

    async def close(self) -> None:
        """Every worker stopped, those still finishing a stopped run too."""
        await self._slots.close()


def _reusable(answer: dict[str, Any]) -> bool:
    """Whether a worker that gave ``answer`` may serve again (not past a limit that
    leaves it in an unknown state)."""
    return answer.get("kind") not in ("memory", "timeout")


async def _finished(worker: _Worker, timeout: float) -> bool:
    """After a run its caller stopped: whether the worker answered it within ``timeout``
    and may serve again (its answer dropped)."""
    try:
        return _reusable(await _answer(worker, timeout))
    except (TimeoutError, OSError, EOFError, ValueError):
        return False


async def _start() -> _Worker:
    """A worker, with nothing of this process's environment, ready for scripts."""
    loop = asyncio.get_running_loop()
    transport, channel = await loop.subprocess_exec(
        lambda: _Channel(loop),
        sys.executable,
        "-m",
        "naftiko.scripting.sandbox",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={"PYTHONPATH": _PACKAGE_ROOT, "PYTHONDONTWRITEBYTECODE": "1"},
        cwd="/",
        close_fds=True,
    )
    worker = _Worker(transport, channel)
    try:
        hello = await _ask(worker, {"memory": MEMORY_LIMIT}, 30)
    except BaseException:
        await _stop(worker)
        raise
    if not hello.get("ready"):
        await _stop(worker)
        raise WorkerFailed("failed", "the Python sandbox did not start")
    return worker


async def _ask(worker: _Worker, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    """The worker's answer to ``message``; TimeoutError when none came within ``timeout``."""
    pipe = worker.transport.get_pipe_transport(0)
    if pipe is None or pipe.is_closing():
        raise EOFError("the worker's input is closed")
    data = jsonio.dumps(message)
    pipe.write(_FRAME.pack(len(data)) + data)  # type: ignore[attr-defined]
    return await _answer(worker, timeout)


async def _answer(worker: _Worker, timeout: float) -> dict[str, Any]:
    """The worker's next answer; TimeoutError when none came within ``timeout``."""
    answer = worker.channel.answer()
    timer = asyncio.get_running_loop().call_later(timeout, expire, answer)
    try:
        raw = await answer
    finally:
        timer.cancel()
    found = jsonio.loads(raw)
    if not isinstance(found, dict):
        raise EOFError("the worker answered something other than a message")
    return found


async def _stop(worker: _Worker) -> None:
    if worker.transport.get_returncode() is None:
        with contextlib.suppress(ProcessLookupError):
            worker.transport.kill()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            await worker.channel.exited
    worker.transport.close()
