"""Two-factor secrets at rest: the authenticator app's TOTP secret and the recovery-code
seed are stored encrypted with Fernet (MultiFernet over settings.MFA_ENCRYPTION_KEYS: the
first key encrypts, every key decrypts, so keys can be rotated).

allauth calls `encrypt`/`decrypt` through people.adapters.MFAAdapter. A value stored before
encryption was turned on is read as it is, until `auditloop rotate_mfa_keys` encrypts it.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

# Every Fernet token starts with its version byte 0x80, which is "gAAAAA" in base64. TOTP
# secrets (base32) and recovery-code seeds (hex) never do.
TOKEN_PREFIX = "gAAAAA"


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.MFA_ENCRYPTION_KEYS])


def is_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    """Raises cryptography.fernet.InvalidToken when no key opens it: never a wrong secret."""
    if not is_encrypted(value):
        return value  # stored before encryption; rotate_mfa_keys encrypts it
    return _fernet().decrypt(value.encode()).decode()


def reencrypt(value: str) -> str:
    """The value encrypted under the first key (plain values are encrypted)."""
    if not is_encrypted(value):
        return encrypt(value)
    return _fernet().rotate(value.encode()).decode()


SECRET_FIELDS = ("secret", "seed")
SECRET_LISTS = ("migrated_codes",)


def reencrypt_data(data: dict[str, Any]) -> dict[str, Any]:
    """An Authenticator's data with every secret in it re-encrypted under the first key."""
    out = dict(data)
    for name in SECRET_FIELDS:
        if isinstance(out.get(name), str):
            out[name] = reencrypt(out[name])
    for name in SECRET_LISTS:
        if isinstance(out.get(name), list):
            out[name] = [reencrypt(v) for v in out[name]]
    return out


def new_key() -> str:
    return Fernet.generate_key().decode()
