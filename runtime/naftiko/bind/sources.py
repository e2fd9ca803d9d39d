"""Where bound values come from: the environment, or a file:// location relative to the
capability file (YAML, JSON, .env as python-dotenv reads it, or a directory with one file per
key, as Kubernetes mounts secrets). Every missing value is reported at once, by name, never
by value.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from naftiko import yamlio
from naftiko.bind.secret import Secret
from naftiko.errors import BindError
from naftiko.spec.imports import location_path
from naftiko.spec.model import Bind, Capability


def resolve(capability: Capability, environ: Mapping[str, str] | None = None) -> dict[str, Secret]:
    """Every bound variable, as ``VAR`` and ``namespace.VAR``."""
    env = os.environ if environ is None else environ
    values: dict[str, Secret] = {}
    problems: list[str] = []
    for bind in capability.binds:
        try:
            source = _source(bind, capability.base_dir, env)
        except BindError as exc:
            problems.append(exc.message)
            continue
        for variable, key in bind.keys.items():
            if key not in source:
                problems.append(_missing(bind, variable, key, capability.base_dir))
                continue
            text = _text(source[key])
            if text == placeholder(key):
                problems.append(_unfilled(bind, variable, key))
                continue
            _bound(values, bind, variable, Secret(variable, text))
    if problems:
        raise BindError(
            "cannot resolve binds:\n  " + "\n  ".join(problems),
            hint="set the variables (or fix the files) and start again",
        )
    return values


def placeholders(capability: Capability) -> dict[str, Secret]:
    """Bound names without values (what `validate` compiles with): no secret is read."""
    values: dict[str, Secret] = {}
    for bind in capability.binds:
        for variable in bind.keys:
            _bound(values, bind, variable, Secret(variable, ""))
    return values


def _bound(values: dict[str, Secret], bind: Bind, variable: str, secret: Secret) -> None:
    """A bound value answers to `VAR` and to `namespace.VAR`."""
    values[variable] = values[f"{bind.namespace}.{variable}"] = secret


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def placeholder(key: str) -> str:
    """What `naftiko mcp-config` writes for a value only the user knows."""
    return f"<your {key}>"


def _unfilled(bind: Bind, variable: str, key: str) -> str:
    where = bind.key_where.get(variable, bind.where)
    return (
        f"{where}: variable {variable} of bind namespace '{bind.namespace}' still holds the "
        f"placeholder {placeholder(key)!r} that mcp-config wrote: put the real value in "
        "the client's configuration (or the environment)"
    )


def _missing(bind: Bind, variable: str, key: str, base: Path) -> str:
    if bind.location is None:
        source = f"environment variable {key}"
        fix = f"export {key}=..."
    else:
        source = f"key '{key}' in {location_path(bind.location, base)}"
        fix = f"add '{key}' to that source"
    where = bind.key_where.get(variable, bind.where)
    return (
        f"{where}: variable {variable} of bind namespace '{bind.namespace}' is not set: "
        f"{source} is missing ({fix})"
    )


def _source(bind: Bind, base: Path, env: Mapping[str, str]) -> Mapping[str, Any]:
    if bind.location is None:
        return env
    if not bind.location.startswith("file:"):
        raise BindError(
            f"{bind.where}: bind '{bind.namespace}': location scheme of "
            f"{bind.location!r} is not supported (use file:// or the environment)"
        )
    path = location_path(bind.location, base)
    where = f"{bind.where}: bind '{bind.namespace}'"
    if path.is_dir():
        return _directory(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BindError(
            f"{where}: file not found: {path} (locations are relative to the capability file)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BindError(f"{where}: cannot read {path}: {exc.__class__.__name__}") from None
    try:
        data = _parse(path, text)
    except (ValueError, yaml.YAMLError) as exc:
        # a .env finding names a line and a key, never a value; the others may quote one
        said = f": {exc}" if _kind(path) == ".env" else ""
        raise BindError(f"{where}: {path} is not valid {_kind(path)}{said}") from None
    if not isinstance(data, dict):
        raise BindError(f"{where}: {path} must hold a mapping of keys to values")
    return data


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".yaml", ".yml")):
        return "YAML"
    if name.endswith(".json"):
        return "JSON"
    return ".env"


def _parse(path: Path, text: str) -> Any:
    kind = _kind(path)
    if kind == "YAML":
        return yamlio.loads(text)
    if kind == "JSON":
        return json.loads(text)
    return _dotenv(text)


def _dotenv(text: str) -> dict[str, str]:
    """KEY=VALUE lines as python-dotenv reads them (comments, `export`, quotes, escapes,
    inline comments), with no interpolation; a line it cannot read, or a key without a
    value, is an error naming the line."""
    from dotenv.parser import parse_stream

    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise ValueError(f"line {binding.original.line} is not KEY=VALUE")
        if binding.key is None:
            continue  # a comment or a blank line
        if binding.value is None:
            raise ValueError(f"line {binding.original.line} has no '=' after {binding.key}")
        values[binding.key] = binding.value
    return values


def _directory(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for entry in sorted(path.iterdir()):
        if entry.is_file() and not entry.name.startswith("."):
            values[entry.name] = entry.read_text(encoding="utf-8").rstrip("\r\n")
    return values
