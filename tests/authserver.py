"""An OAuth 2.1 authorization server for tests: metadata, a JWKS that can rotate, a token
endpoint (client credentials) issuing RS256 JWTs, and RFC 7662 introspection."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "agent-client"
CLIENT_SECRET = "agent-client-secret-8c1e"


class SigningKey:
    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex[:12]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        found = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**found, "kid": self.kid, "use": "sig", "alg": "RS256"}


class AuthServer:
    """Call it as an aiohttp handler; `issuer` is set once it listens."""

    def __init__(self) -> None:
        self.issuer = ""
        self.keys = [SigningKey()]
        self.jwks_fetches = 0
        self.introspections = 0
        self.active: dict[str, dict[str, Any]] = {}  # opaque token -> introspection answer

    def rotate(self) -> SigningKey:
        """A new signing key, published beside the old one."""
        key = SigningKey()
        self.keys.append(key)
        return key

    def token(
        self,
        *,
        scope: str = "",
        audience: str | None = None,
        issuer: str | None = None,
        expires_in: float = 300,
        not_before: float | None = None,
        key: SigningKey | None = None,
        kid: str | None = None,
        subject: str = "user-7",
    ) -> str:
        now = time.time()
        claims: dict[str, Any] = {
            "iss": issuer if issuer is not None else self.issuer,
            "sub": subject,
            "client_id": CLIENT_ID,
            "iat": int(now),
            "exp": int(now + expires_in),
            "scope": scope,
        }
        if audience is not None:
            claims["aud"] = audience
        if not_before is not None:
            claims["nbf"] = int(now + not_before)
        signer = key or self.keys[-1]
        headers = {"kid": kid if kid is not None else signer.kid}
        return jwt.encode(claims, signer.private, algorithm="RS256", headers=headers)

    def opaque(self, *, active: bool = True, scope: str = "", audience: str = "") -> str:
        token = uuid.uuid4().hex
        answer: dict[str, Any] = {"active": active}
        if active:
            answer.update(
                scope=scope,
                sub="user-9",
                client_id=CLIENT_ID,
                iss=self.issuer,
                exp=int(time.time() + 300),
            )
            if audience:
                answer["aud"] = audience
        self.active[token] = answer
        return token

    async def __call__(self, request: web.Request) -> web.Response:
        path = request.path
        if path == "/.well-known/oauth-authorization-server":
            return web.json_response(
                {
                    "issuer": self.issuer,
                    "jwks_uri": f"{self.issuer}/jwks",
                    "token_endpoint": f"{self.issuer}/token",
                    "introspection_endpoint": f"{self.issuer}/introspect",
                    "grant_types_supported": ["client_credentials"],
                }
            )
        if path == "/jwks":
            self.jwks_fetches += 1
            return web.json_response({"keys": [k.jwk() for k in self.keys]})
        if path == "/token" and request.method == "POST":
            if not self._client_ok(request):
                return web.json_response({"error": "invalid_client"}, status=401)
            form = await request.post()
            token = self.token(
                scope=str(form.get("scope") or ""), audience=str(form.get("resource") or "")
            )
            return web.json_response(
                {"access_token": token, "token_type": "Bearer", "expires_in": 300}
            )
        if path == "/introspect" and request.method == "POST":
            self.introspections += 1
            if not self._client_ok(request):
                return web.json_response({"error": "invalid_client"}, status=401)
            form = await request.post()
            return web.json_response(self.active.get(str(form.get("token")), {"active": False}))
        return web.json_response({"error": "not_found"}, status=404)

    def _client_ok(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"
