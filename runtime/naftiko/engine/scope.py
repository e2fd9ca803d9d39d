"""The variables a template sees during one call: binds first (callers cannot override
them), then the call's parameters, matched with '-' and '_' alike, then dotted walks into
nested values such as earlier step outputs."""

from __future__ import annotations

from collections.abc import Mapping

from naftiko import inbound
from naftiko.bind.secret import Secret
from naftiko.jsontypes import JSON
from naftiko.names import norm
from naftiko.template import MISSING


class CallScope:
    __slots__ = ("_binds", "_normal", "aliases", "params")

    def __init__(
        self,
        params: Mapping[str, JSON],
        binds: Mapping[str, Secret],
        aliases: frozenset[str] = frozenset(),
    ) -> None:
        self.params = params
        self._binds = binds
        self._normal: dict[str, JSON] | None = None
        self.aliases = aliases

    def get(self, name: str) -> JSON:
        """A parameter by name ('-'/'_' and case tolerant), or MISSING. Binds not consulted."""
        if name in self.params:
            return self.params[name]
        if self._normal is None:
            self._normal = {norm(k): v for k, v in self.params.items()}
        return self._normal.get(norm(name), MISSING)

    def lookup(self, name: str) -> JSON:
        secret = self._binds.get(name)
        if secret is not None:
            return secret.reveal()
        found = self.get(name)
        if found is not MISSING:
            return found
        head, dot, rest = name.partition(".")
        if not dot:
            return MISSING
        if head in self.aliases:
            return self.get(rest)
        node = self.get(head)
        if node is MISSING and head == "caller":  # who a validated token says is calling
            who = inbound.caller()
            return who.lookup(rest) if who is not None else MISSING
        for key in rest.split("."):
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return MISSING
        return node
