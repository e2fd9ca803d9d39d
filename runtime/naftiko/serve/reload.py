"""Hot reload: SIGHUP, or `--watch` on the capability files and every file they read.

The files are loaded and checked completely first, as `run` does at start. If anything is
wrong, every error is logged and the previous plans keep serving. If all is well, each adapter
switches to its new plans at once: requests already running finish on the old ones, new
requests get the new ones (no connection is dropped). MCP sessions and notification streams
carry over, and clients hear `list_changed` for each list that changed. What a reload cannot
change (an adapter added or removed, its type, address or port) needs a restart, and it says
so. Upstream connection pools of the old plans close once their requests are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from naftiko.engine import Engine
from naftiko.errors import NaftikoError, SpecError
from naftiko.expose.control import ControlAdapter
from naftiko.expose.mcp.http import McpHttpAdapter
from naftiko.expose.mcp.jsonrpc import LATEST
from naftiko.expose.mcp.protocol import McpServer
from naftiko.pipeline import tell
from naftiko.serve.assembly import ServeOptions, prepare
from naftiko.serve.server import Listener, Service
from naftiko.spec.imports import files_read

log = logging.getLogger("naftiko.reload")


class Reloader:
    def __init__(self, service: Service, files: Sequence[str], options: ServeOptions) -> None:
        self.service = service
        self.files = list(files)
        self.options = options
        self._lock = asyncio.Lock()
        self.reloads = 0  # applied so far
        self._watched = self._files()  # what the serving plans were read from

    async def reload(self, why: str) -> bool:
        """Load the files again; True when the new plans serve now."""
        async with self._lock:
            options = replace(
                self.options,
                mocks={},  # the running mocks stay, and keep their addresses
                base_uris={**self.options.base_uris, **self.service.mock_urls()},
            )
            try:
                fresh = await asyncio.to_thread(prepare, self.files, options)
            except SpecError as exc:
                for problem in exc.diagnostics:
                    log.error("%s", problem)
                log.error("reload (%s): not applied, the previous files keep serving", why)
                return False
            except NaftikoError as exc:
                log.error("reload (%s): %s; the previous files keep serving", why, exc)
                return False
            refusal = swap(self.service, fresh)
            if refusal is not None:
                log.error("reload (%s): %s; restart to apply it", why, refusal)
                await _close(fresh.engines)
                return False
            self.reloads += 1
            self._watched = self._files()
            log.info("reloaded (%s): %s", why, ", ".join(Path(f).name for f in self.files))
            tell(fresh.findings)  # what the new plans disable, as loudly as at start
            return True

    async def watch(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Reload whenever a file changes, until ``stop``. Nothing a saved file holds ends
        the watch: a file that does not load is reported, and loaded again at its next save."""
        stamps = self._stamps()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            now = self._stamps()
            if now == stamps:
                continue
            await asyncio.sleep(0.1)  # an editor writing in steps: let it finish
            try:
                await self.reload("a file changed")
            except Exception as exc:
                log.error("reload (a file changed): %s; the previous files keep serving", exc)
            stamps = self._stamps()

    def _files(self) -> list[Path]:
        """The files and every file they read (imports, file binds, TLS files), as the
        serving plans were loaded; read when a load succeeds, not at every look."""
        paths = [Path(f) for f in self.files]
        for engine in self.service.engines:
            try:
                imports, binds = files_read(engine.capability)
            except (NaftikoError, OSError):
                continue  # unreadable now: the capability file's own stamp tells its change
            paths.extend([*imports, *binds])
        return list(dict.fromkeys(paths))

    def _stamps(self) -> dict[Path, int | None]:
        found: dict[Path, int | None] = {}
        for path in self._watched:
            try:
                found[path] = path.stat().st_mtime_ns
            except OSError:
                found[path] = None
        return found


def swap(service: Service, fresh: Service) -> str | None:
    """Serve ``fresh``'s plans on ``service``'s sockets; why not, when it cannot.

    What the files declare is compared, not what this process serves: a worker serves no
    control port and its parent nothing else, and both reload the same files."""
    old, new = service.declared, fresh.declared
    if set(old) != set(new):
        added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
        parts = [f"adds {', '.join(added)}"] if added else []
        parts += [f"removes {', '.join(removed)}"] if removed else []
        return f"the new files' adapters differ ({'; '.join(parts)})"
    for name, declared in old.items():
        if new[name] != declared:
            return f"adapter '{name}' changes its type, address or port"
    renewed = {i.adapter.namespace: i for i in fresh.listeners}
    for item in service.listeners:
        _switch(item, renewed[item.adapter.namespace])
    retired = service.engines
    if any(not i.is_control for i in service.listeners):
        service.engines = fresh.engines
    else:  # the parent of workers: it calls no upstream, so it keeps no plans
        retired = [*retired, *fresh.engines]
    service.findings = fresh.findings
    retiring = asyncio.get_running_loop().create_task(_retire(retired, service.grace))
    _RETIRING.add(retiring)
    retiring.add_done_callback(_RETIRING.discard)
    return None


def _switch(item: Listener, other: Listener) -> None:
    before, after = item.served, other.served
    if isinstance(before, ControlAdapter) and isinstance(after, ControlAdapter):
        # its auth, hosts and metrics switch; whom it speaks for stays
        after.health, after.status = before.health, before.status
        after.collect, after.collect_traces = before.collect, before.collect_traces
    if isinstance(before, McpHttpAdapter) and isinstance(after, McpHttpAdapter):
        after.sessions = before.sessions  # a client's session outlives a reload
        after.protocol.bus = before.protocol.bus  # and so do its notification streams
        for kind in _changed(before, after):
            after.protocol.bus.publish(kind)
    if after is not None and item.url:
        after.listening(item.url)  # what an adapter learns once bound (REST: its OpenAPI)
    item.served, item.engine, item.capability, item.adapter = (
        after,
        other.engine,
        other.capability,
        other.adapter,
    )


def _changed(before: McpHttpAdapter, after: McpHttpAdapter) -> list[str]:
    """The lists a client must fetch again."""
    old, new = before.protocol, after.protocol
    found = []
    if _tools(old) != _tools(new):
        found.append("toolsListChanged")
    if old.catalog.prompt_list != new.catalog.prompt_list:
        found.append("promptsListChanged")
    if _resources(old) != _resources(new):
        found.append("resourcesListChanged")
    return found


def _tools(server: McpServer) -> list[dict[str, Any]]:
    return [tool.describe(LATEST) for tool in server.tools.values()]


def _resources(server: McpServer) -> list[list[dict[str, Any]]]:
    return [server.catalog.listed, server.catalog.templates]


_RETIRING: set[asyncio.Task[None]] = set()


async def _retire(engines: list[Engine], grace: float) -> None:
    """Close the old plans' upstream pools once the requests using them are done."""
    await asyncio.sleep(grace)
    await _close(engines)


async def _close(engines: list[Engine]) -> None:
    for engine in engines:
        await engine.close()
