"""Passwords are hashed with Argon2 (production's PASSWORD_HASHERS, read here from a fresh
process); passwords hashed before with Django's PBKDF2 still work and become Argon2 at the
next sign-in. The test settings keep a fast hasher, so these tests set production's list."""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from auditloop.people.models import User
from tests.factories import UserFactory
from tests.people.sign_in import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def _production_hashers() -> list[str]:
    code = "import json, auditloop.settings as s; print(json.dumps(s.PASSWORD_HASHERS))"
    env = {**os.environ, "AUDITLOOP_ENV": "production", "SECRET_KEY": "x" * 60,
           "MFA_ENCRYPTION_KEYS": "u6RDp9mcW1q3Aj2Pdj7bCz4k_5lQzSM8V9v3mZZzR2o="}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return json.loads(out)  # type: ignore[no-any-return]


PRODUCTION_HASHERS = _production_hashers()


def test_argon2_comes_first():
    assert PRODUCTION_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_a_new_password_is_hashed_with_argon2():
    user = UserFactory()
    user.set_password(PASSWORD)
    user.save()
    assert user.password.startswith("argon2$")


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_an_older_pbkdf2_password_still_works_and_becomes_argon2_at_sign_in():
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert User.objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
    assert sign_in(Client(), user.username).status_code == 302
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")
