"""Settings for the test suite: the one settings module, with AUDITLOOP_ENV=test."""

import os

os.environ["AUDITLOOP_ENV"] = "test"

from auditloop.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
TEMPLATES[0]["BACKEND"] = "auditloop.jinja2_testing.Jinja2"  # noqa: F405
