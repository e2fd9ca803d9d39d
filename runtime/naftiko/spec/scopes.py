"""What a template may name, read from the raw document as the engine will render it.

Binds (bare and under their namespace) are seen everywhere; a unit sees its inputs, its
steps and its mappings; a consumed operation sees its parameters and whatever its callers
pass it (their inputs and their `with` keys). A unit that declares no inputs (the
generated dialect passes everything on) makes whatever it feeds unknowable: open.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from naftiko.names import GENERIC_PREFIXES, norm
from naftiko.spec.sections import adapter_units, items
from naftiko.spec.yaml import JsonPath

# a name as templates compare it (norm) -> as the file spells it, for hints
Names = dict[str, str]


def spelled(names: Iterable[Any]) -> Names:
    return {norm(str(n)): str(n) for n in names}


@dataclass
class Scope:
    """Names a template may use; ``open`` when the file cannot tell them all."""

    names: Names = field(default_factory=dict)
    open: bool = False
    # prefixes under which an input is read (`shop-rest.id`): the adapter, its type, generic
    aliases: frozenset[str] = frozenset()
    # bound variables, as `VAR` and `namespace.VAR`: matched exactly, as the engine does
    binds: frozenset[str] = frozenset()
    bind_namespaces: frozenset[str] = frozenset()

    def defines(self, name: str) -> bool:
        if self.open or name in self.binds or norm(name) in self.names:
            return True
        head, dot, rest = name.partition(".")
        if not dot or head in self.bind_namespaces:
            return False
        if head in self.aliases:
            return norm(rest) in self.names
        # a step's output or a caller's claim: judged by the head
        return head == "caller" or norm(head) in self.names

    def known(self) -> Names:
        """Every name in scope, as written, for hints."""
        return {**self.names, **{norm(b): b for b in self.binds}}

    def closest(self, name: str) -> str:
        return closest(name, self.known())


def closest(name: str, names: Names) -> str:
    """The spelling in ``names`` nearest to ``name``, or ""."""
    found = difflib.get_close_matches(norm(name), sorted(names), n=1, cutoff=0.75)
    return names[found[0]] if found else ""


@dataclass
class Caller:
    inputs: Names | None
    passes: Names
    # the prefixes its inputs are read under, which the called operation's templates share
    aliases: frozenset[str]


def aliases_of(adapter: dict[str, Any]) -> frozenset[str]:
    """`<prefix>.<input>` prefixes: the adapter's namespace, its type, the generic ones."""
    return frozenset({str(adapter.get("namespace")), str(adapter.get("type")), *GENERIC_PREFIXES})


def params(holder: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, parameter) of each named entry of ``holder['inputParameters']``."""
    return [(i, p) for i, p in items(holder, "inputParameters") if "name" in p]


def declared(holder: Any) -> Names | None:
    """The names of ``holder``'s inputParameters; None when it declares none at all."""
    if not isinstance(holder, dict) or not isinstance(holder.get("inputParameters"), list):
        return None
    return spelled(p["name"] for _, p in params(holder))


@dataclass(frozen=True)
class Bound:
    variables: frozenset[str]  # `VAR` and `namespace.VAR`
    namespaces: frozenset[str]
    # the binds have a finding of their own: what they define cannot be told
    unknown: bool = False


def bound(data: dict[str, Any], capability: dict[str, Any]) -> Bound:
    variables: set[str] = set()
    namespaces: set[str] = set()
    for holder in (data, capability):
        for _, bind in items(holder, "binds"):
            namespace = str(bind.get("namespace"))
            keys = bind.get("keys")
            keys = keys if isinstance(keys, dict) else {}
            variables |= {str(k) for k in keys} | {f"{namespace}.{k}" for k in keys}
            namespaces.add(namespace)
    return Bound(frozenset(variables), frozenset(namespaces))


def functions(capability: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for _, aggregate in items(capability, "aggregates"):
        for _, function in items(aggregate, "functions"):
            found[f"{aggregate.get('namespace')}.{function.get('name')}"] = function
    return found


@dataclass(frozen=True)
class Exposed:
    """One exposed unit or aggregate function, with what it is read with."""

    path: JsonPath
    unit: dict[str, Any]
    adapter: dict[str, Any]
    # a REST operation's resource (its path and shared inputs), else None
    resource: dict[str, Any] | None = None


def exposed(capability: dict[str, Any]) -> Iterator[Exposed]:
    for a_index, adapter in items(capability, "exposes"):
        path: JsonPath = ("capability", "exposes", a_index)
        for where, unit, resource in adapter_units(adapter, path):
            yield Exposed(where, unit, adapter, resource)
    for g_index, aggregate in items(capability, "aggregates"):
        for f_index, function in items(aggregate, "functions"):
            where = ("capability", "aggregates", g_index, "functions", f_index)
            kind = {"namespace": aggregate.get("namespace"), "type": "aggregate"}
            yield Exposed(where, function, kind)


def inputs_of(found: Exposed, known: dict[str, dict[str, Any]]) -> Names | None:
    """A unit's inputs: its own and its resource's, else its function's; None if undeclared."""
    own, shared = declared(found.unit), declared(found.resource)
    if own is None and shared is None and isinstance(found.unit.get("ref"), str):
        own = declared(known.get(found.unit["ref"]))
    if own is None and shared is None:
        return None
    return (shared or {}) | (own or {})


def callers(
    capability: dict[str, Any], known: dict[str, dict[str, Any]]
) -> dict[str, list[Caller]]:
    """Consumed target -> what each unit or step calling it passes."""
    found: dict[str, list[Caller]] = {}
    for unit in exposed(capability):
        inputs = inputs_of(unit, known)
        aliases = aliases_of(unit.adapter)
        calls = [(unit.unit.get("call"), unit.unit.get("with"))]
        calls += [(s.get("call"), s.get("with")) for _, s in items(unit.unit, "steps")]
        for call, with_ in calls:
            if isinstance(call, str):
                passes = spelled(with_) if isinstance(with_, dict) else {}
                found.setdefault(call, []).append(Caller(inputs, passes, aliases))
    return found
