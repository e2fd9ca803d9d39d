"""The route table of a REST adapter, compiled once.

Templates take `{x}` and `{{x}}`; a variable matches one path segment, except one named
`path`, which spans segments (forward resources use it). As in OpenAPI, a literal segment
beats a variable: `/contacts/delete` is tried before `/contacts/{key}` whatever the order
they were declared in, segment by segment from the left; routes of equal rank keep their
declaration order. `matches` yields every route a path fits, best first, so that the
adapter can take the first that has the request's method (resources sharing a path merge
their methods). Static paths are found by dictionary. Matching runs on the raw path, so an
encoded `%2F` stays inside its segment and values are decoded only once matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar
from urllib.parse import unquote

T = TypeVar("T")

_VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}|\{([^{}\s]+)\}")
SPANNING = "path"


class Match(NamedTuple, Generic[T]):
    """A route a path fits, with its values decoded (a tuple: made on every request)."""

    target: T
    values: dict[str, str]
    segments: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Template(Generic[T]):
    rank: tuple[int, ...]
    order: int
    regex: re.Pattern[str]
    names: tuple[str, ...]
    target: T


def variables(template: str) -> list[str]:
    """Variable names of a path template, in order."""
    return [m.group(1) or m.group(2) for m in _VARIABLE.finditer(template)]


def as_mustache(template: str) -> str:
    """`/ships/{imo}` as a Mustache template: `/ships/{{imo}}` (`{{x}}` stays as it is)."""
    return _VARIABLE.sub(lambda m: "{{" + (m.group(1) or m.group(2)) + "}}", template)


def pattern_of(template: str, segment: str = "[^/]+") -> re.Pattern[str]:
    """A regex matching the template, one group per variable (each within ``segment``)."""
    parts, last = [], 0
    for found in _VARIABLE.finditer(template):
        parts.append(re.escape(template[last : found.start()]))
        parts.append(f"({segment})")
        last = found.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


def openapi_path(template: str) -> str:
    """`/ships/{{imo}}` as OpenAPI writes it: `/ships/{imo}`."""
    return _VARIABLE.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", template)


class Router(Generic[T]):
    def __init__(self) -> None:
        self._static: dict[str, list[T]] = {}
        self._templates: list[_Template[T]] = []
        self._count = 0

    def add(self, template: str, target: T) -> None:
        path = "/" + template.strip().lstrip("/") if template.strip() else "/"
        order = self._count
        self._count += 1
        names = variables(path)
        if not names:
            self._static.setdefault(_trim(path), []).append(target)
            return
        pattern, last = [], 0
        for index, found in enumerate(_VARIABLE.finditer(path)):
            pattern.append(re.escape(path[last : found.start()]))
            name = found.group(1) or found.group(2)
            pattern.append(f"(?P<v{index}>.*)" if name == SPANNING else f"(?P<v{index}>[^/]+)")
            last = found.end()
        pattern.append(re.escape(_trim(path[last:])) if last < len(path) else "")
        regex = re.compile("".join(pattern) + "/?")
        self._templates.append(_Template(_rank(path), order, regex, tuple(names), target))
        self._templates.sort(key=lambda t: (t.rank, t.order))

    def matches(self, raw_path: str) -> Iterator[Match[T]]:
        """Every route ``raw_path`` (percent-encoded, no query) fits, best first."""
        for target in self._static.get(_trim(raw_path), ()):
            yield Match(target, {})
        for template in self._templates:
            found = template.regex.fullmatch(raw_path)
            if found is not None:
                yield _decoded(template, found.groups())

    def match(self, raw_path: str) -> Match[T] | None:
        """The best route for ``raw_path``, values decoded; None when no route fits."""
        static = self._static.get(
            raw_path[:-1] if raw_path[-1:] == "/" and len(raw_path) > 1 else raw_path
        )
        if static:
            return Match(static[0], {})
        for template in self._templates:
            found = template.regex.fullmatch(raw_path)
            if found is not None:
                return _decoded(template, found.groups())
        return None

    def __len__(self) -> int:
        return self._count


def _rank(path: str) -> tuple[int, ...]:
    """Per segment: 0 literal, 1 literal with a variable in it, 2 a variable, 3 spanning."""
    ranks = []
    for segment in path.strip("/").split("/"):
        names = variables(segment)
        if not names:
            ranks.append(0)
        elif SPANNING in names:
            ranks.append(3)
        else:
            ranks.append(2 if _VARIABLE.fullmatch(segment) else 1)
    return tuple(ranks)


def _trim(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def _decoded(template: _Template[T], raw: Sequence[str | None]) -> Match[T]:
    names = template.names
    if len(names) == 1 and names[0] != SPANNING:  # the common case: one segment's value
        text = raw[0] or ""
        return Match(template.target, {names[0]: _unquote(text) if "%" in text else text})
    values: dict[str, str] = {}
    segments: tuple[str, ...] = ()
    for name, value in zip(template.names, raw, strict=True):
        text = value or ""
        if name == SPANNING:
            segments = tuple(_unquote(part) for part in text.split("/") if part)
            values[name] = "/".join(segments)
        else:
            values[name] = _unquote(text) if "%" in text else text
    return Match(template.target, values, segments)


class BadPath(ValueError):
    """A path whose percent-escapes do not decode to UTF-8 (`%ff`): refused, not guessed."""


def _unquote(text: str) -> str:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise BadPath(f"{text!r} does not decode to UTF-8 text") from None
