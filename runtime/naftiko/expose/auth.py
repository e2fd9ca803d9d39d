"""Inbound authentication of an adapter (REST or MCP): bearer, apikey, basic, digest.

Expected credentials are rendered once from binds at start; requests are compared in constant
time. A caller's credentials are checked here and never reach an upstream (inputs drop them).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping

from aiohttp import web
from aiohttp.web_request import BaseRequest
from multidict import CIMultiDict

from naftiko.bind.secret import Secret
from naftiko.engine.scope import CallScope
from naftiko.errors import NaftikoError
from naftiko.expose.digest import Digest
from naftiko.expose.problem import problem
from naftiko.spec.model import Auth
from naftiko.template import Template

SUPPORTED = ("bearer", "apikey", "basic", "digest")


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
        self._digest: Digest | None = None
        self._stale = False
        if auth.type == "bearer":
            self._expected = render("token").encode()
            self._name = "Authorization"
            self._challenge = 'Bearer realm="naftiko"'
        elif auth.type == "apikey":
            self._expected = render("value").encode()
            self._name = render("key") or "X-API-Key"
            self._challenge = f'ApiKey realm="naftiko", {self._placement}="{self._name}"'
        elif auth.type == "digest":
            self._digest = Digest(render("username"), render("password"))
            self._expected = b"digest"
            self._name = "Authorization"
            self._challenge = ""
        else:
            pair = f"{render('username')}:{render('password')}"
            self._expected = base64.b64encode(pair.encode())
            self._name = "Authorization"
            self._challenge = 'Basic realm="naftiko", charset="UTF-8"'

    def challenges(self, stale: bool = False) -> list[str]:
        """The WWW-Authenticate values to send with a 401 (digest: fresh nonces each time)."""
        if self._digest is not None:
            return self._digest.challenges(stale)
        return [self._challenge]

    def challenge_headers(self, request: BaseRequest | None = None) -> CIMultiDict[str]:
        """WWW-Authenticate, once per challenge (stale when a digest nonce expired)."""
        stale = request is not None and request.get(_STALE, False)
        headers: CIMultiDict[str] = CIMultiDict()
        for value in self.challenges(bool(stale)):
            headers.add("WWW-Authenticate", value)
        return headers

    def refusal(self, request: BaseRequest | None = None) -> web.Response:
        """401 as problem+json, with the challenge."""
        headers = self.challenge_headers(request)
        return problem(401, "Unauthorized", "missing or wrong credentials", headers=headers)

    def admits(self, request: BaseRequest) -> bool:
        """Whether ``request`` carries the adapter's credentials."""
        if self._digest is None:
            return self.allows(request.headers, request.query)
        found = self._digest.check(
            request.headers.get("Authorization", ""), request.method, request.raw_path
        )
        if found is None:
            request[_STALE] = True
        return found is True

    def allows(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        if not self._expected or self._digest is not None:
            return False  # a blank expected credential never matches; digest needs admits
        if self.type == "apikey":
            given = (query if self._placement == "query" else headers).get(self._name, "")
        else:
            scheme, _, given = headers.get("Authorization", "").partition(" ")
            wanted = "bearer" if self.type == "bearer" else "basic"
            if scheme.lower() != wanted:
                return False
            given = given.strip()
        return hmac.compare_digest(given.encode(), self._expected)


_STALE = web.RequestKey("naftiko.digest-stale", bool)  # a digest nonce expired
