"""OAuth2 client credentials for an upstream (RFC 6749 §4.4).

`authentication: {type: oauth2, tokenUrl (or tokenEndpoint), clientId, clientSecret, scopes,
audience, resource}` on a consumes entry: a token is fetched before the first call, kept, and
fetched again a minute before it expires. However many calls wait, one fetch runs at a time;
a 401 from the upstream makes one fresh fetch and one retry. The client authenticates with
HTTP Basic (the method every server must accept). Tokens are registered as secrets, so they
are scrubbed from every log line and error; the token endpoint's own errors are reported with
their RFC 6749 `error` code and description, never with a credential.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote_plus

import aiohttp

from naftiko.errors import NaftikoError, UpstreamUnavailable
from naftiko.observe.redact import register, scrub
from naftiko.spec.model import Auth
from naftiko.template import Scope, Template

REFRESH_MARGIN = 60.0
DEFAULT_LIFETIME = 3600.0
_MAX_ANSWER = 64 * 1024


class TokenError(UpstreamUnavailable):
    """The token endpoint refused or failed; the upstream was not called (a 502)."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message, timeout=False, hint=hint)
        self.title = "Upstream token refused"


class ClientCredentials:
    def __init__(self, namespace: str, auth: Auth, scope: Scope, timeout: float = 30.0) -> None:
        """``timeout``: seconds a token request may take (the upstream's `--timeout`)."""
        fields = auth.fields

        def render(*keys: str) -> str:
            for key in keys:
                value = fields.get(key)
                if isinstance(value, str) and value:
                    return Template(value).render(scope)
            return ""

        self.namespace = namespace
        # its own: the session's requests keep theirs in the client's sweep (client.py)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.url = render("tokenUrl", "tokenEndpoint")
        self._client_id = render("clientId")
        self._secret = render("clientSecret")
        if not self.url or not self._client_id:
            raise NaftikoError(
                f"consumes '{namespace}': oauth2 needs tokenUrl (or tokenEndpoint) and clientId",
                hint="add them to the authentication block (clientSecret from a bind)",
            )
        grant = str(fields.get("grant") or "client_credentials")
        if grant != "client_credentials":
            raise NaftikoError(
                f"consumes '{namespace}': oauth2 grant '{grant}' is not supported",
                hint="upstream calls use grant: client_credentials",
            )
        scopes = fields.get("scopes")
        self._form = {"grant_type": "client_credentials"}
        if isinstance(scopes, list) and scopes:
            self._form["scope"] = " ".join(str(s) for s in scopes)
        for key in ("audience", "resource"):
            value = render(key)
            if value:
                self._form[key] = value
        self._token = ""
        self._expires = 0.0
        self._lock: asyncio.Lock | None = None

    async def authorize(
        self, session: aiohttp.ClientSession, headers: MutableMapping[str, str], stale: str = ""
    ) -> str:
        """Put a valid token in ``headers``; ``stale`` (a token an upstream refused) forces
        one fresh fetch unless another call already made one. Returns the token used."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        if not self._usable(stale):
            async with self._lock:  # one fetch at a time; the others reuse its token
                if not self._usable(stale):
                    await self._fetch(session)
        headers["Authorization"] = f"Bearer {self._token}"
        return self._token

    def _usable(self, stale: str) -> bool:
        if not self._token or (stale and self._token == stale):
            return False
        return time.monotonic() < self._expires - REFRESH_MARGIN

    async def _fetch(self, session: aiohttp.ClientSession) -> None:
        # RFC 6749 §2.3.1: each part form-encoded, then Basic
        pair = f"{quote_plus(self._client_id)}:{quote_plus(self._secret)}"
        basic = "Basic " + base64.b64encode(pair.encode()).decode()
        try:
            async with session.post(
                self.url,
                data=self._form,
                headers={"Accept": "application/json", "Authorization": basic},
                allow_redirects=False,
                timeout=self._timeout,
            ) as answer:
                body = await answer.content.read(_MAX_ANSWER)
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TokenError(
                f"the token endpoint of upstream '{self.namespace}' is unreachable "
                f"({type(exc).__name__})",
                hint="check tokenUrl and the network",
            ) from None
        found = _json(body)
        if status != 200 or not isinstance(found.get("access_token"), str):
            code = found.get("error") if isinstance(found.get("error"), str) else ""
            said = found.get("error_description")
            detail = f": {code}" if code else ""
            detail += f" ({scrub(str(said))[:200]})" if isinstance(said, str) else ""
            raise TokenError(
                f"the token endpoint of upstream '{self.namespace}' answered {status}{detail}",
                hint="check clientId, clientSecret and scopes",
            )
        token = found["access_token"]
        register(token)
        lifetime = found.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, (int, float)) else DEFAULT_LIFETIME
        self._token = token
        self._expires = time.monotonic() + max(seconds, REFRESH_MARGIN + 1)


def _json(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
