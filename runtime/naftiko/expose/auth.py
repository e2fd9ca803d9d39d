"""Inbound authentication of an adapter (REST or MCP): bearer, apikey, basic.

Expected credentials are rendered once from binds at start; requests are compared in constant
time. A caller's credentials are checked here and never reach an upstream (inputs drop them).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping

from aiohttp import web

from naftiko.bind.secret import Secret
from naftiko.engine.scope import CallScope
from naftiko.errors import NaftikoError
from naftiko.expose.problem import problem
from naftiko.spec.model import Auth
from naftiko.template import Template

SUPPORTED = ("bearer", "apikey", "basic")


class InboundAuth:
    """Checks one request's credentials; ``challenge`` is the WWW-Authenticate to send."""

    def __init__(self, auth: Auth, binds: Mapping[str, Secret], where: str) -> None:
        if auth.type not in SUPPORTED:
            raise NaftikoError(
                f"{where}: inbound '{auth.type}' authentication is not supported",
                hint=f"use one of {', '.join(SUPPORTED)}",
            )
        scope = CallScope({}, binds)

        def render(key: str) -> str:
            value = auth.fields.get(key)
            return Template(str(value)).render(scope) if value is not None else ""

        self.type = auth.type
        self._placement = str(auth.fields.get("placement") or "header")
        if auth.type == "bearer":
            self._expected = render("token").encode()
            self._name = "Authorization"
            self.challenge = 'Bearer realm="naftiko"'
        elif auth.type == "apikey":
            self._expected = render("value").encode()
            self._name = render("key") or "X-API-Key"
            self.challenge = f'ApiKey realm="naftiko", {self._placement}="{self._name}"'
        else:
            pair = f"{render('username')}:{render('password')}"
            self._expected = base64.b64encode(pair.encode())
            self._name = "Authorization"
            self.challenge = 'Basic realm="naftiko", charset="UTF-8"'

    def refusal(self) -> web.Response:
        """401 as problem+json, with the challenge."""
        return problem(
            401,
            "Unauthorized",
            "missing or wrong credentials",
            headers={"WWW-Authenticate": self.challenge},
        )

    def allows(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        if not self._expected:
            return False  # a blank expected credential never matches
        if self.type == "apikey":
            given = (query if self._placement == "query" else headers).get(self._name, "")
        else:
            scheme, _, given = headers.get("Authorization", "").partition(" ")
            wanted = "bearer" if self.type == "bearer" else "basic"
            if scheme.lower() != wanted:
                return False
            given = given.strip()
        return hmac.compare_digest(given.encode(), self._expected)
