"""`auditloop check --deploy` (Django's deployment checklist) is clean with production
settings: HTTPS only, HSTS, secure cookies, no debug."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest


def _check_deploy(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({
        "AUDITLOOP_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "auditloop.settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "MFA_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "qa.example.org",
        "AUDITLOOP_VAR_DIR": str(tmp_path),
        **extra,
    })
    return subprocess.run(
        [sys.executable, "-m", "auditloop", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_is_clean_with_entra_sign_in(tmp_path):
    result = _check_deploy(tmp_path, ENTRA_CLIENT_ID="6f1d2c3b", ENTRA_CLIENT_SECRET="s",
                           ENTRA_TENANT_ID="contoso-tenant")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("setting, value", [("DEBUG", "1"), ("SECURE_SSL_REDIRECT", "0")])
def test_deploy_check_catches_an_unsafe_production_setting(tmp_path, setting, value):
    # The check would speak up, so a clean run above means something.
    result = _check_deploy(tmp_path, **{setting: value})
    assert result.returncode != 0
    assert "security.W0" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _check_deploy(tmp_path, SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_two_factor_key(tmp_path):
    result = _check_deploy(tmp_path, MFA_ENCRYPTION_KEYS="")
    assert result.returncode != 0
    assert "Set MFA_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_a_key_that_is_not_a_fernet_key(tmp_path):
    result = _check_deploy(tmp_path, MFA_ENCRYPTION_KEYS="not-a-key")
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEYS must be Fernet keys" in result.stderr
