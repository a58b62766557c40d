"""Two-factor secrets encrypted at rest (MultiFernet over MFA_ENCRYPTION_KEYS) and
`auditloop rotate_mfa_keys`, which re-encrypts them under the first key."""

import io
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from auditloop.people import secrets_at_rest
from tests.factories import UserFactory
from tests.people.sign_in import current_code, set_up_authenticator, sign_in

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _with_authenticator(keys: list[str]):  # type: ignore[no-untyped-def]
    user = UserFactory()
    client = Client()
    with override_settings(MFA_ENCRYPTION_KEYS=keys):
        sign_in(client, user.username)
        secret = set_up_authenticator(client)
    return user, secret


def _signs_in_with_the_code(user, secret: str) -> bool:  # type: ignore[no-untyped-def]
    client = Client()
    response = sign_in(client, user.username)
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    return response.status_code == 302 and client.get(reverse("home")).status_code == 200


def _rows(user):  # type: ignore[no-untyped-def]
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return totp, codes


def test_the_database_holds_no_plain_secret():
    user, secret = _with_authenticator([OLD_KEY])
    totp, codes = _rows(user)
    assert secret not in json.dumps(totp.data)
    assert totp.data["secret"].startswith(secrets_at_rest.TOKEN_PREFIX)
    assert Fernet(OLD_KEY.encode()).decrypt(totp.data["secret"].encode()).decode() == secret
    seed = Fernet(OLD_KEY.encode()).decrypt(codes.data["seed"].encode()).decode()
    assert seed not in json.dumps(codes.data)


def test_demo_and_test_derive_a_key_from_the_secret_key():
    assert len(settings.MFA_ENCRYPTION_KEYS) == 1
    Fernet(settings.MFA_ENCRYPTION_KEYS[0].encode())  # a valid key
    assert settings.SECRET_KEY not in settings.MFA_ENCRYPTION_KEYS[0]


def test_signing_in_with_a_code_works_end_to_end():
    user, secret = _with_authenticator(list(settings.MFA_ENCRYPTION_KEYS))
    assert _signs_in_with_the_code(user, secret)


def test_a_wrong_key_cannot_read_the_secret():
    user, secret = _with_authenticator([OLD_KEY])
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(InvalidToken):
        _signs_in_with_the_code(user, secret)


def test_rotation_re_encrypts_under_the_first_key_and_codes_still_verify():
    user, secret = _with_authenticator([OLD_KEY])
    with override_settings(MFA_ENCRYPTION_KEYS=[OLD_KEY]):
        codes_before = RecoveryCodes(_rows(user)[1]).generate_codes()
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        out = io.StringIO()
        call_command("rotate_mfa_keys", stdout=out)
        assert "Re-encrypted 2 two-factor records." in out.getvalue()
    # The old key can now go.
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]):
        totp, codes = _rows(user)
        assert Fernet(NEW_KEY.encode()).decrypt(totp.data["secret"].encode()).decode() == secret
        assert RecoveryCodes(codes).generate_codes() == codes_before
        assert _signs_in_with_the_code(user, secret)


def test_rotation_encrypts_secrets_stored_in_plain_by_an_older_version():
    user, secret = _with_authenticator([OLD_KEY])
    totp, codes = _rows(user)
    with override_settings(MFA_ENCRYPTION_KEYS=[OLD_KEY]):
        plain_seed = secrets_at_rest.decrypt(codes.data["seed"])
    totp.data = {**totp.data, "secret": secret}
    totp.save()
    codes.data = {**codes.data, "seed": plain_seed}
    codes.save()
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]):
        assert _signs_in_with_the_code(user, secret)  # still readable before the command
        call_command("rotate_mfa_keys", stdout=io.StringIO())
        totp, codes = _rows(user)
        assert secret not in json.dumps(totp.data) and plain_seed not in json.dumps(codes.data)
        assert secrets_at_rest.decrypt(totp.data["secret"]) == secret
        assert secrets_at_rest.decrypt(codes.data["seed"]) == plain_seed


def test_rotation_without_the_old_key_changes_nothing():
    user, _ = _with_authenticator([OLD_KEY])
    before = [a.data for a in _rows(user)]
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(
        CommandError, match="cannot be decrypted"
    ):
        call_command("rotate_mfa_keys", stdout=io.StringIO())
    assert [a.data for a in _rows(user)] == before


def test_new_key_prints_a_key_to_put_first():
    out = io.StringIO()
    call_command("rotate_mfa_keys", "--new-key", stdout=out)
    Fernet(out.getvalue().strip().encode())
