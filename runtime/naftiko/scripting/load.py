"""A capability's scripts: each step's files found, read, checked and compiled at load, and
run through the engine of its language.

What `validate` says about a script step (its unit disabled), each on the line of the key
at fault: a language that is missing, not allowed, or groovy (refused: no JVM here);
scripting disabled while the step needs it; a location that is not a `file:` directory; a
file or dependency outside it or missing; a file that does not compile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from naftiko import jsonio
from naftiko.contained import UnsafePath, inside
from naftiko.errors import Diagnostic, ScriptError
from naftiko.jsontypes import JSON
from naftiko.location import Location
from naftiko.observe.metrics import METRICS
from naftiko.scripting import javascript, python
from naftiko.scripting.settings import LANGUAGES, Governance
from naftiko.spec.imports import location_path
from naftiko.spec.model import Capability, Scripting, Step

FILE_LIMIT = 1024 * 1024  # bytes of one script file


@dataclass(frozen=True)
class Script:
    """One script step, compiled: its place among its language's scripts."""

    step: str
    language: str
    number: int
    files: tuple[Path, ...]


class Scripts:
    """Every script of one capability, and the engines that run them (made on first run)."""

    def __init__(self, capability: Capability, governance: Governance) -> None:
        self.capability = capability
        self.governance = governance
        self._javascript: list[javascript.Source] = []
        self._python: list[list[tuple[str, str]]] = []
        self._js_pool: javascript.Pool | None = None
        self._py_pool: python.Pool | None = None

    def add(self, step: Step, target: str, problems: list[Diagnostic]) -> Script | None:
        """The step compiled, or None with each problem added (at its key's line)."""
        declared = self.capability.scripting
        language = step.language or (declared.default_language if declared else None)
        at = _at(step, declared)
        before = len(problems)
        if language is None:
            problems.append(
                _error(
                    at("language"),
                    f"script step '{step.name}' of '{target}' has no language, and "
                    "management.scripting names no defaultLanguage",
                    "write `language: javascript` (or python) on the step",
                )
            )
        elif language not in LANGUAGES:
            problems.append(
                _error(
                    at("language"),
                    f"script step '{step.name}' uses {language}, which naftiko does not run "
                    f"(it runs {' and '.join(LANGUAGES)})",
                    "rewrite the script in javascript or python",
                )
            )
            return None  # its files are for an engine that is not here: nothing more to say
        elif refused := self.governance.refuses(language):
            problems.append(_error(at("type"), f"script step '{step.name}': {refused}", _why(self)))
        location = step.location or (declared.default_location if declared else None)
        root = self._root(step, location, at, problems)
        names = [*step.dependencies, *([step.file] if step.file else [])]
        if not step.file:
            problems.append(_error(at("file"), f"script step '{step.name}' has no file"))
        files = self._read(step, root, names, at, problems) if root is not None else []
        if len(problems) > before or language is None:
            return None
        if language == "javascript":
            source = javascript.sources(files)
            (failed,) = javascript.check([source])
            number = len(self._javascript)
            if not failed:
                self._javascript.append(source)
        else:
            from naftiko.scripting.sandbox import compile_files

            compiled = compile_files(files)
            failed = compiled if isinstance(compiled, str) else None
            number = len(self._python)
            if not failed:
                self._python.append(files)
        if failed:
            key = "file" if step.file and failed.startswith(step.file) else "dependencies"
            problems.append(
                _error(at(key), f"script step '{step.name}' does not compile: {failed}")
            )
            return None
        paths = tuple(inside(root, n.split("/")) for n in names) if root else ()
        return Script(step.name, language, number, paths)

    def _root(
        self, step: Step, location: str | None, at: Any, problems: list[Diagnostic]
    ) -> Path | None:
        if location is None:
            problems.append(
                _error(
                    at("location"),
                    f"script step '{step.name}' has no location, and management.scripting "
                    "names no defaultLocation",
                    "write `location: file:///path/to/scripts` on the step",
                )
            )
            return None
        if not location.startswith("file:"):
            problems.append(
                _error(at("location"), f"script location {location!r} is not a file: URI")
            )
            return None
        root = location_path(location, self.capability.base_dir)
        if not root.is_dir():
            problems.append(
                _error(
                    at("location"),
                    f"script location {location} is not a directory ({root})",
                    "file:///./scripts is relative to the capability file",
                )
            )
            return None
        return root

    def _read(
        self, step: Step, root: Path, names: list[str], at: Any, problems: list[Diagnostic]
    ) -> list[tuple[str, str]]:
        found = []
        for name in names:
            key = "file" if name == step.file else "dependencies"
            try:
                path = inside(root, name.split("/"))
            except UnsafePath as exc:
                problems.append(
                    _error(at(key), f"script file {name!r} is outside its location: {exc}")
                )
                continue
            if not path.is_file():
                problems.append(_error(at(key), f"no script file {name!r} in {root}"))
                continue
            if path.stat().st_size > FILE_LIMIT:
                problems.append(_error(at(key), f"script file {name!r} is over 1 MiB"))
                continue
            found.append((name, path.read_text(encoding="utf-8")))
        return found

    async def run(self, script: Script, context: Mapping[str, JSON]) -> tuple[bool, JSON]:
        """(True, result) or (False, None) when the script sets none; ScriptError else."""
        governance = self.governance
        refused = governance.refuses(script.language)
        if refused:
            raise ScriptError(script.step, f"cannot run: {refused}", hint=_why(self))
        timeout = governance.timeout_ms / 1000
        started = time.perf_counter()
        outcome = "error"
        try:
            if script.language == "javascript":
                found = await self._run_javascript(script, context, timeout)
            else:
                found = await self._run_python(script, context, timeout)
            outcome = "ok" if found[0] else "none"
            return found
        finally:
            took = time.perf_counter() - started
            governance.stats.count(took * 1000, outcome == "error")
            METRICS.scripts[(script.step, script.language, outcome)] += 1
            METRICS.script_latency[script.language].observe(took)

    async def _run_javascript(
        self, script: Script, context: Mapping[str, Any], timeout: float
    ) -> tuple[bool, Any]:
        from py_mini_racer import JSEvalException

        if self._js_pool is None:
            self._js_pool = javascript.Pool(self._javascript)
        try:
            return await javascript.run(
                self._js_pool, script.number, jsonio.dumps(context), timeout
            )
        except TimeoutError:
            limit = f"the timeout limit ({self.governance.timeout_ms} ms)"
            raise ScriptError(script.step, f"exceeded {limit}", limit="timeout") from None
        except MemoryError:
            limit = f"the memory limit ({javascript.MEMORY_LIMIT // 2**20} MiB)"
            raise ScriptError(script.step, f"exceeded {limit}", limit="memory") from None
        except JSEvalException as exc:
            raise ScriptError(script.step, f"failed: {javascript.first_line(str(exc))}") from None

    async def _run_python(
        self, script: Script, context: Mapping[str, Any], timeout: float
    ) -> tuple[bool, Any]:
        if self._py_pool is None:
            self._py_pool = python.Pool(self._python)
        statements = self.governance.statement_limit
        try:
            return await self._py_pool.run(script.number, context, statements, timeout)
        except python.WorkerFailed as exc:
            message = str(exc)
            if not message.startswith(("failed", "exceeded")):
                message = f"failed: {message}"
            limit = exc.kind if exc.kind in ("statements", "timeout", "memory") else ""
            raise ScriptError(script.step, message, limit=limit) from None

    async def close(self) -> None:
        if self._js_pool is not None:
            await self._js_pool.close()
        if self._py_pool is not None:
            await self._py_pool.close()


def _at(step: Step, declared: Scripting | None) -> Callable[[str], Location]:
    def at(key: str) -> Location:
        if key in step.key_where:
            return step.key_where[key]
        if declared is not None and key in ("language", "location") and not getattr(step, key):
            return declared.where  # the default at fault
        return step.where

    return at


def _why(scripts: Scripts) -> str:
    declared = scripts.capability.scripting
    if declared is not None and declared.enabled is False:
        return "management.scripting.enabled is false on the control adapter"
    if not scripts.governance.enabled:
        return "NAFTIKO_SCRIPTING=false turns scripting off; unset it to run script steps"
    return "management.scripting.allowedLanguages lists the languages allowed"


def _error(where: Location, message: str, hint: str = "") -> Diagnostic:
    """A step that cannot run: its unit is disabled (`validate` says error; `--lenient`, a
    warning, as `run` does when it serves the rest)."""
    return Diagnostic.at(where, "warning", message, hint=hint, code="script")
