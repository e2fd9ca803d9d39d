"""External `$ref`s of an OpenAPI document, inlined when the document is read.

A `$ref` to another file (`schemas/pet.yaml#/Pet`, or a whole file) is resolved with
`referencing` (the library jsonschema is built on), relative to the file that holds it, and
replaced by what it names; the `#/...` refs inside that file are resolved in it too. The
document's own `#/...` refs stay as written (the Resolver follows them lazily). A ref that
cannot be resolved, or one over the network (never fetched), is an error naming the ref and
the file it is in; a cycle through files stops at an empty schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from naftiko import yamlio
from naftiko.errors import NaftikoError

_MAX_DEPTH = 64  # files within files


def inlined(document: dict[str, Any], path: Path) -> dict[str, Any]:
    """``document`` (read from ``path``) with every external `$ref` replaced by its target."""
    base = path.resolve().as_uri()
    registry: Registry[Any] = Registry(retrieve=_retrieve).with_resource(  # type: ignore[call-arg]
        base, Resource.opaque(document)
    )
    found = _inline(document, registry.resolver(base), base, (), top=True)
    assert isinstance(found, dict)
    return found


def _inline(node: Any, resolver: Any, where: str, stack: tuple[str, ...], *, top: bool) -> Any:
    if isinstance(node, list):
        return [_inline(item, resolver, where, stack, top=top) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and (not ref.startswith("#") or not top):
        if ref.startswith(("http://", "https://")):
            raise NaftikoError(
                f"{_file(where)}: $ref {ref!r} is on the network, which is never fetched",
                hint="save the referenced document beside this one and refer to it by path",
            )
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable:
            raise NaftikoError(
                f"{_file(where)}: $ref {ref!r} cannot be resolved",
                hint="refs to other files are relative to the file that holds them",
            ) from None
        target = urljoin(where, ref)  # the file and the place in it, for cycles and errors
        if target in stack or len(stack) > _MAX_DEPTH:
            return {}  # a cycle through files: the schema stops here
        return _inline(resolved.contents, resolved.resolver, target, (*stack, target), top=False)
    return {key: _inline(value, resolver, where, stack, top=top) for key, value in node.items()}


def _retrieve(uri: str) -> Resource[Any]:
    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise Unresolvable(uri)
    path = Path(unquote(parts.path))
    try:
        text = path.read_text(encoding="utf-8")
        contents = json.loads(text) if path.suffix == ".json" else yamlio.loads(text)
    except (OSError, ValueError, yaml.YAMLError):
        raise Unresolvable(uri) from None
    return Resource.opaque(contents)


def _file(uri: str) -> str:
    return unquote(urlsplit(uri).path)
