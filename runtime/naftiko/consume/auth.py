"""Outbound credentials, compiled once: bearer, apikey (header/query/cookie), basic, digest.

Rendered values go straight into the request; nothing here logs or formats them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp

from naftiko.spec.model import Auth
from naftiko.template import Scope, Template


@dataclass
class Credentials:
    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)


class CompiledAuth:
    """Renders an ``authentication`` block into headers, query items or cookies."""

    def __init__(self, auth: Auth) -> None:
        self.type = auth.type
        fields = auth.fields
        self._t: dict[str, Template] = {
            k: Template(str(v)) for k, v in fields.items() if isinstance(v, (str, int))
        }
        self.placement = str(fields.get("placement") or "header")
        headers = fields.get("headers")
        self._headers = (
            {str(k): Template(str(v)) for k, v in headers.items()}
            if isinstance(headers, Mapping)
            else {}
        )

    def _render(self, key: str, scope: Scope) -> str:
        template = self._t.get(key)
        return template.render(scope) if template is not None else ""

    def apply(self, scope: Scope, into: Credentials) -> None:
        if self.type == "bearer":
            into.headers["Authorization"] = f"Bearer {self._render('token', scope)}"
        elif self.type == "basic":
            pair = f"{self._render('username', scope)}:{self._render('password', scope)}"
            into.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif self.type == "apikey":
            for name, template in self._headers.items():
                into.headers[name] = template.render(scope)
            if "key" in self._t:
                key, value = self._render("key", scope), self._render("value", scope)
                if self.placement == "query":
                    into.query.append((key, value))
                elif self.placement == "cookie":
                    into.cookies[key] = value
                else:
                    into.headers[key] = value

    def digest(self, scope: Scope) -> aiohttp.ClientMiddlewareType | None:
        """The digest middleware for the session (the handshake needs the server's nonce)."""
        if self.type != "digest":
            return None
        return aiohttp.DigestAuthMiddleware(
            self._render("username", scope), self._render("password", scope)
        )
