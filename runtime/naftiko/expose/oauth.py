"""An OAuth 2.1 resource server for an exposed adapter: `authentication: {type: oauth2}`.

A bearer token is validated as a JWT against the authorization server's keys (its JWKS, found
through its metadata or named by `jwksUri`), or by RFC 7662 introspection; then its issuer,
audience (`audience`, else the RFC 8707 `resource`), expiry and not-before (60 s of clock
skew) and the adapter's `scopes`. Keys are kept 5 minutes and fetched again at once for an
unknown `kid` (at most every 30 s); an introspection answer is kept for the token's
lifetime (5 minutes at most). RFC 9728 metadata says where tokens come from, and every 401
and 403 names it in `WWW-Authenticate`, as the MCP authorization spec asks.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import aiohttp
import jwt
from aiohttp import web
from yarl import URL

from naftiko import jsonio
from naftiko.errors import NaftikoError
from naftiko.inbound import Caller

LEEWAY = 60.0
KEYS_FOR = 300.0
REFETCH_AFTER = 30.0
INTROSPECTED_FOR = 300.0
MAX_INTROSPECTED = 10_000
METADATA = "/.well-known/oauth-protected-resource"
# asymmetric algorithms only: a resource server holds no shared secret
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_TIMEOUT = aiohttp.ClientTimeout(total=5, sock_connect=3)
_SERVER_METADATA = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")


class Rejected(Exception):
    """A request the token does not admit: 401 (invalid or missing), 403 (scope) or 503."""

    def __init__(self, status: int, error: str, description: str, scope: str = "") -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scope = scope


@dataclass(frozen=True)
class _Keys:
    by_kid: Mapping[str, Any]
    first: Any
    fetched: float


class ResourceServer:
    """Validates bearer tokens for one adapter; one instance per adapter, shared by requests."""

    def __init__(self, fields: Mapping[str, Any], render: Callable[[str], str], where: str) -> None:
        self.issuer = render("authorizationServerUri").rstrip("/")
        self.resource = render("resource")
        if not fields.get("authorizationServerUri") or not fields.get("resource"):
            raise NaftikoError(
                f"{where}: oauth2 authentication needs authorizationServerUri and resource",
                hint="name the authorization server and this server's own URL",
            )
        self.audience = render("audience") or self.resource
        self.scopes = tuple(str(s) for s in fields.get("scopes") or ())
        self.validation = str(fields.get("tokenValidation") or "jwks")
        self._jwks_uri = render("jwksUri")
        self._introspection = render("introspectionEndpoint")
        self._client = (render("clientId"), render("clientSecret"))
        self._keys: _Keys | None = None
        self._refreshed_at = -REFETCH_AFTER
        self._lock = asyncio.Lock()
        self._metadata: dict[str, Any] | None = None
        self._introspected: OrderedDict[bytes, tuple[Caller, float]] = OrderedDict()
        resource = URL(self.resource)
        if self.resource and not resource.absolute:
            raise NaftikoError(
                f"{where}: oauth2 resource {self.resource!r} is not an absolute URL",
                hint="give this server's own URL as its clients reach it (https://.../mcp)",
            )
        self.metadata_path = METADATA + resource.path.rstrip("/")
        origin = str(resource.origin()) if resource.absolute else ""
        self.metadata_url = origin + self.metadata_path

    # --- what callers see ------------------------------------------------------------------

    def document(self, scopes: tuple[str, ...] = ()) -> dict[str, Any]:
        """The RFC 9728 protected-resource metadata; ``scopes`` adds the tools' own."""
        found: dict[str, Any] = {
            "resource": self.resource,
            "authorization_servers": [self.issuer],
            "bearer_methods_supported": ["header"],
        }
        every = list(dict.fromkeys((*self.scopes, *scopes)))
        if every:
            found["scopes_supported"] = every
        return found

    def challenge(self, rejected: Rejected | None = None) -> str:
        """The WWW-Authenticate value: where the metadata is, and why, when a token failed."""
        parts = [f'resource_metadata="{self.metadata_url}"']
        if rejected is not None and rejected.error:
            parts.append(f'error="{rejected.error}"')
            parts.append(f'error_description="{_quoted(rejected.description)}"')
        if rejected is not None and rejected.scope:
            parts.append(f'scope="{rejected.scope}"')
        return "Bearer " + ", ".join(parts)

    # --- validation ------------------------------------------------------------------------

    async def identify(self, authorization: str) -> Caller:
        """The caller a request's `Authorization` header proves, or Rejected."""
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Rejected(401, "", "a bearer token is required")
        if self.validation == "introspection":
            caller = await self._introspect(token)
        else:
            caller = await self._verify(token)
        missing = [s for s in self.scopes if s not in caller.scopes]
        if missing:
            raise Rejected(
                403,
                "insufficient_scope",
                f"Required scope '{missing[0]}' not present in token",
                " ".join(self.scopes),
            )
        return caller

    async def _verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Rejected(401, "invalid_token", "Malformed token") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Rejected(401, "invalid_token", f"Algorithm {algorithm!r} is not accepted")
        key = await self._key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=self.audience,
                issuer=[self.issuer, self.issuer + "/"],
                leeway=LEEWAY,
                options={"require": ["exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise Rejected(401, "invalid_token", "Token expired") from None
        except jwt.ImmatureSignatureError:
            raise Rejected(401, "invalid_token", "Token not yet valid") from None
        except jwt.InvalidIssuerError:
            raise Rejected(401, "invalid_token", "Invalid issuer") from None
        except jwt.InvalidAudienceError:
            raise Rejected(401, "invalid_token", "Invalid audience") from None
        except jwt.InvalidSignatureError:
            raise Rejected(401, "invalid_token", "Signature verification failed") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Rejected(401, "invalid_token", f"Token has no '{exc.claim}' claim") from None
        except jwt.InvalidTokenError:
            raise Rejected(401, "invalid_token", "Invalid token") from None
        return _caller(claims)

    async def _key(self, kid: Any) -> Any:
        keys = self._keys
        now = time.monotonic()
        if keys is None or now - keys.fetched > KEYS_FOR:
            keys = await self._fetch_keys()
        if kid is None:
            if keys.first is None:
                raise Rejected(401, "invalid_token", "No signing key is published")
            return keys.first
        found = keys.by_kid.get(str(kid))
        if found is None and now - self._refreshed_at > REFETCH_AFTER:
            self._refreshed_at = now  # unknown kids refresh the keys once per 30 s at most
            keys = await self._fetch_keys(force=True)  # a rotation: the new key may be out
            found = keys.by_kid.get(str(kid))
        if found is None:
            raise Rejected(401, "invalid_token", "Unknown signing key")
        return found

    async def _fetch_keys(self, force: bool = False) -> _Keys:
        async with self._lock:  # one fetch at a time, however many requests wait
            keys = self._keys
            if keys is not None and not force and time.monotonic() - keys.fetched <= KEYS_FOR:
                return keys
            uri = self._jwks_uri or str((await self._server_metadata()).get("jwks_uri") or "")
            if not uri:
                raise Rejected(503, "", "the authorization server publishes no jwks_uri")
            document = await self._get_json(uri)
            by_kid: dict[str, Any] = {}
            first = None
            for entry in document.get("keys") or [] if isinstance(document, dict) else []:
                try:
                    key = jwt.PyJWK.from_dict(entry).key
                except (jwt.PyJWKError, jwt.InvalidKeyError, TypeError, ValueError):
                    continue  # a key we cannot use (another kty, or broken): skipped
                first = first if first is not None else key
                if isinstance(entry, dict) and entry.get("kid") is not None:
                    by_kid[str(entry["kid"])] = key
            self._keys = _Keys(by_kid, first, time.monotonic())
            return self._keys

    async def _introspect(self, token: str) -> Caller:
        digest = hashlib.sha256(token.encode()).digest()
        kept = self._introspected.get(digest)
        if kept is not None and kept[1] > time.monotonic():
            self._introspected.move_to_end(digest)
            return kept[0]
        endpoint = self._introspection or str(
            (await self._server_metadata()).get("introspection_endpoint") or ""
        )
        if not endpoint:
            raise Rejected(503, "", "the authorization server publishes no introspection endpoint")
        client_id, secret = self._client
        # RFC 6749 2.3.1: the client authenticates with HTTP Basic, each part form-encoded
        pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()} if client_id else {}
        form = {"token": token, "token_type_hint": "access_token"}
        answer = await self._request("POST", endpoint, data=form, headers=headers)
        if not isinstance(answer, dict) or answer.get("active") is not True:
            raise Rejected(401, "invalid_token", "Token is not active")
        issuer = str(answer.get("iss") or self.issuer).rstrip("/")
        if issuer != self.issuer:
            raise Rejected(401, "invalid_token", "Invalid issuer")
        audience = answer.get("aud")
        if audience is not None:
            audiences = audience if isinstance(audience, list) else [audience]
            if self.audience not in audiences:
                raise Rejected(401, "invalid_token", "Invalid audience")
        caller = _caller(answer)
        expires = answer.get("exp")
        lifetime = INTROSPECTED_FOR
        if isinstance(expires, int | float):
            lifetime = min(lifetime, float(expires) - time.time())
        if lifetime > 0:
            self._introspected[digest] = (caller, time.monotonic() + lifetime)
            while len(self._introspected) > MAX_INTROSPECTED:
                self._introspected.popitem(last=False)
        return caller

    async def _server_metadata(self) -> dict[str, Any]:
        if self._metadata is not None:
            return self._metadata
        for suffix in (
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ):
            try:
                found = await self._get_json(self.issuer + suffix)
            except Rejected:
                continue
            if isinstance(found, dict):
                self._metadata = found
                return found
        raise Rejected(503, "", "the authorization server's metadata could not be read")

    async def _get_json(self, url: str) -> Any:
        return await self._request("GET", url)

    async def _request(self, method: str, url: str, **options: Any) -> Any:
        """JSON from the authorization server: two tries, bounded in time and size. A session
        per exchange: they are rare (keys every few minutes, one introspection per token)."""
        async with aiohttp.ClientSession(timeout=_TIMEOUT, trust_env=False) as session:
            for attempt in range(2):
                try:
                    async with session.request(method, url, **options) as answer:
                        body = await answer.content.read(1024 * 1024)
                        if answer.status >= 500 and attempt == 0:
                            await asyncio.sleep(0.2)
                            continue
                        if answer.status >= 400:
                            break
                        return jsonio.loads(body)
                except (aiohttp.ClientError, TimeoutError, ValueError):
                    if attempt == 0:
                        await asyncio.sleep(0.2)
        raise Rejected(503, "", "the authorization server could not be reached")


def is_metadata(raw_path: str, server: ResourceServer) -> bool:
    """Whether a path asks for the protected-resource metadata (the path form MCP clients
    try first, or the root form)."""
    return raw_path in (server.metadata_path, METADATA)


def metadata_answer(server: ResourceServer, scopes: tuple[str, ...] = ()) -> web.Response:
    return web.Response(
        body=jsonio.dumps(server.document(scopes)),
        content_type="application/json",
        headers={"Cache-Control": "max-age=300"},
    )


def _caller(claims: Mapping[str, Any]) -> Caller:
    scope = claims.get("scope") or claims.get("scp") or ""
    scopes = scope.split() if isinstance(scope, str) else [str(s) for s in scope]
    client = claims.get("client_id") or claims.get("azp") or ""
    return Caller(str(claims.get("sub") or ""), str(client), frozenset(scopes), dict(claims))


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")
