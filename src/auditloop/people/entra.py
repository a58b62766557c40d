"""Microsoft Entra ID sign-in: the button's address, the identity a sign-in proves, and a
signature check on every id_token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PROVIDER_ID = "entra"


@dataclass(frozen=True)
class Identity:
    """Who Entra ID says signed in: a staff account is linked to exactly this pair."""

    issuer: str
    subject: str


def login_url(request: HttpRequest) -> str:
    """Where the "Sign in with Microsoft" form posts, or "" when Entra ID is not set up."""
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialApp

    try:
        provider = get_adapter().get_provider(request, PROVIDER_ID)
    except SocialApp.DoesNotExist:
        return ""
    return str(provider.get_login_url(request))


def verified_identity(extra_data: dict[str, Any]) -> Identity | None:
    """The issuer and subject of the checked id_token, or None when the provider's answer
    does not hang together (no id_token, or a userinfo answer about someone else)."""
    claims = extra_data.get("id_token")
    if not isinstance(claims, dict) or not claims.get("iss") or not claims.get("sub"):
        return None
    userinfo = extra_data.get("userinfo")
    # OpenID Connect Core 5.3.2: userinfo's sub must be the id_token's, or it is discarded.
    if isinstance(userinfo, dict) and str(userinfo.get("sub")) != str(claims["sub"]):
        return None
    return Identity(issuer=str(claims["iss"]), subject=str(claims["sub"]))


def check_id_token_signatures() -> None:
    """Make allauth check the id_token's signature against the provider's published keys.

    allauth 65 skips the signature when the token came straight from the token endpoint
    over TLS, which OpenID Connect allows (Core 3.1.3.7). A misconfigured proxy or a
    hijacked endpoint should not be enough to sign someone in to children's records, so we
    check it anyway; the cost is one fetch of the keys per sign-in. Replaces a private
    method of the pinned allauth version: tests/people/test_entra_sign_in.py fails if an
    upgrade changes it.
    """
    from allauth.socialaccount.internal import jwtkit
    from allauth.socialaccount.providers.openid_connect.views import (
        OpenIDConnectOAuth2Adapter,
    )

    def _decode_id_token(self: OpenIDConnectOAuth2Adapter, app: Any, id_token: str) -> dict:
        return dict(
            jwtkit.verify_and_decode(
                credential=id_token,
                keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
                verify_signature=True,
            )
        )

    OpenIDConnectOAuth2Adapter._decode_id_token = _decode_id_token  # type: ignore[method-assign]
