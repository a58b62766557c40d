"""A local OpenID Connect provider that stands in for Microsoft Entra ID in tests.

It speaks the real protocol over real HTTP on 127.0.0.1: discovery, the authorization
endpoint (a redirect back with a code and the state), the token endpoint (client secret,
redirect URI and PKCE checked; an RS256-signed id_token), the JWKS and userinfo. allauth's
own client code talks to it exactly as it would to login.microsoftonline.com.

A test says who "signs in at Microsoft" by setting `identity`, and can make the provider
misbehave with `tamper` ("bad_signature", "wrong_audience") or `userinfo_subject`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "6f1d2c3b-4a59-4e8f-9b0a-1c2d3e4f5a6b"
CLIENT_SECRET = "fake-entra-client-secret"  # noqa: S105 - a test double's secret


@dataclass
class EntraUser:
    """Someone with an account at the fake provider."""

    subject: str
    email: str = "sam.taylor@northmoor.gov.uk"
    name: str = "Sam Taylor"
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    user: EntraUser


class FakeOIDCProvider:
    """Start with `with FakeOIDCProvider() as idp:`; `idp.issuer` is its server URL."""

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-entra-key-1"
        self.identity: EntraUser | None = None
        self.tamper: str | None = None
        self.userinfo_subject: str | None = None
        self.token_requests: list[dict[str, str]] = []
        self._codes: dict[str, _Grant] = {}
        self._access_tokens: dict[str, EntraUser] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeOIDCProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The protocol -----------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        """The user's browser at the provider: returns the redirect back to the service."""
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("client_id") != self.client_id
            or query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or not redirect_uri
        ):
            return 400, {}
        back: dict[str, str] = {"state": query.get("state", "")}
        if self.identity is None:
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            challenge = query.get("code_challenge")
            if challenge and query.get("code_challenge_method") != "S256":
                return 400, {}
            self._codes[code] = _Grant(self.client_id, redirect_uri, challenge, self.identity)
            back["code"] = code
        return 302, {"Location": f"{redirect_uri}?{urlencode(back)}"}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        grant = self._codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != grant.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        if grant.code_challenge is not None:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        access_token = secrets.token_urlsafe(32)
        self._access_tokens[access_token] = grant.user
        return 200, {
            "token_type": "Bearer",
            "scope": "openid profile email",
            "expires_in": 3600,
            "access_token": access_token,
            "id_token": self.id_token(grant.user),
        }

    def id_token(self, user: EntraUser) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": user.subject,
            "aud": "another-application" if self.tamper == "wrong_audience" else self.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
            "oid": user.object_id,
            "email": user.email,
            "name": user.name,
            "preferred_username": user.email,
            "ver": "2.0",
        }
        key = self.signing_key
        if self.tamper == "bad_signature":
            # Same key id, different key: what a forger without the provider's key can do.
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        user = self._access_tokens.get(authorization.removeprefix("Bearer "))
        if user is None:
            return 401, {"error": "invalid_token"}
        return 200, {
            "sub": self.userinfo_subject or user.subject,
            "email": user.email,
            "name": user.name,
        }

    # HTTP -------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, idp.discovery())
                elif url.path == "/jwks":
                    self._json(200, idp.jwks())
                elif url.path == "/userinfo":
                    self._json(*idp.userinfo(self.headers.get("Authorization", "")))
                elif url.path == "/authorize":
                    status, headers = idp.authorize(query)
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    self._json(*idp.token(form))
                else:
                    self._json(404, {"error": "not_found"})

        return Handler
