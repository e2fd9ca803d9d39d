"""The event loop of a serving command: uvloop when installed, stop on SIGTERM/SIGINT, and
reload on SIGHUP (and with --watch, on a changed file)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from naftiko.serve.assembly import ServeOptions
    from naftiko.serve.server import Service

log = logging.getLogger("naftiko.cli")


class Reloading:
    """SIGHUP (and with --watch, a changed file) loads the files again."""

    def __init__(self, files: tuple[str, ...], options: ServeOptions, watch: bool) -> None:
        self.files, self.options, self.watch = files, options, watch
        self.tasks: set[asyncio.Task[Any]] = set()

    def start(
        self, service: Service, stop: asyncio.Event, hangup: Callable[[], None] | None = None
    ) -> None:
        """``hangup``: what else SIGHUP does (a parent passes it on to its workers)."""
        from naftiko.serve.reload import Reloader

        reloader = Reloader(service, self.files, self.options)

        def on_hangup() -> None:
            if hangup is not None:
                hangup()
            self._run(reloader.reload("SIGHUP"))

        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_hangup)
        if self.watch:
            self._run(reloader.watch(stop))

    def _run(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, _on_signal, stop, number)
    return stop


def _on_signal(stop: asyncio.Event, number: int) -> None:
    if stop.is_set():
        log.warning("second %s: stopping now", signal.Signals(number).name)
        raise SystemExit(1)
    log.info("%s received", signal.Signals(number).name)
    stop.set()


def event_loop_runner(main_task: Callable[[], Coroutine[object, object, None]]) -> None:
    """asyncio.run, on uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main_task())
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main_task())
