"""Inbound authentication of an adapter (REST or MCP): bearer, apikey, basic, digest, and
oauth2 (an OAuth 2.1 resource server, oauth.py).

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

from naftiko import inbound
from naftiko.bind.secret import Secret
from naftiko.engine.scope import CallScope
from naftiko.errors import NaftikoError
from naftiko.expose.digest import Digest
from naftiko.expose.oauth import Rejected, ResourceServer
from naftiko.expose.problem import problem
from naftiko.spec.model import Auth
from naftiko.template import Template

SUPPORTED = ("bearer", "apikey", "basic", "digest", "oauth2")
_WRONG = Rejected(401, "", "missing or wrong credentials")


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
        self.oauth: ResourceServer | None = None
        self._stale = False
        if auth.type == "oauth2":
            self.oauth = ResourceServer(auth.fields, render, where)
            self._expected = b""
            self._name = "Authorization"
            self._challenge = ""
        elif auth.type == "bearer":
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

    def challenges(self, stale: bool = False, rejected: Rejected | None = None) -> list[str]:
        """The WWW-Authenticate values to send with a 401 (digest: fresh nonces each time)."""
        if self.oauth is not None:
            return [self.oauth.challenge(rejected)]
        if self._digest is not None:
            return self._digest.challenges(stale)
        return [self._challenge]

    def challenge_headers(
        self, request: BaseRequest | None = None, rejected: Rejected | None = None
    ) -> CIMultiDict[str]:
        """WWW-Authenticate, once per challenge (stale when a digest nonce expired)."""
        stale = request is not None and request.get(_STALE, False)
        headers: CIMultiDict[str] = CIMultiDict()
        if rejected is not None and rejected.status == 503:
            headers["Retry-After"] = "5"
            return headers
        for value in self.challenges(bool(stale), rejected):
            headers.add("WWW-Authenticate", value)
        return headers

    def oversized(self, description: str) -> CIMultiDict[str]:
        """The challenge for a credential too long to be read at all."""
        return self.challenge_headers(None, Rejected(401, "invalid_token", description))

    def refusal(
        self, request: BaseRequest | None = None, rejected: Rejected | None = None
    ) -> web.Response:
        """401 (403 for a missing scope, 503 when tokens cannot be checked) as problem+json,
        with the challenge."""
        rejected = rejected or _WRONG
        headers = self.challenge_headers(request, rejected)
        title = _TITLES.get(rejected.status, "Unauthorized")
        return problem(rejected.status, title, rejected.description, headers=headers)

    async def check(self, request: BaseRequest) -> Rejected | None:
        """None when the request is admitted (with oauth2, its caller recorded for the
        request), else why not."""
        if self.oauth is None:
            return None if self.admits(request) else _WRONG
        try:
            who = await self.oauth.identify(request.headers.get("Authorization", ""))
        except Rejected as exc:
            return exc
        inbound.identified(who)
        return None

    def lacks(self, scopes: tuple[str, ...]) -> Rejected | None:
        """Why the request's caller may not use a tool or operation that needs ``scopes``."""
        if self.oauth is None or not scopes:
            return None
        who = inbound.caller()
        held = who.scopes if who is not None else frozenset()
        missing = [s for s in scopes if s not in held]
        if not missing:
            return None
        wanted = " ".join(dict.fromkeys((*self.oauth.scopes, *scopes)))
        message = f"Required scope '{missing[0]}' not present in token"
        return Rejected(403, "insufficient_scope", message, wanted)

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
        if not self._expected or self._digest is not None or self.oauth is not None:
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
_TITLES = {401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}
