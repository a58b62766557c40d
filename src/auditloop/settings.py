"""One settings module, read from the environment.

AUDITLOOP_ENV picks the posture: "production" (the default: strict), "demo" (one-click demo
sign-in, generated data, no compulsory two-factor) or "test".
"""

import base64
import hashlib
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("AUDITLOOP_VAR_DIR", PROJECT_DIR / "var"))

ENV = os.environ.get("AUDITLOOP_ENV", "production")
if ENV not in {"production", "demo", "test"}:
    raise RuntimeError(f"AUDITLOOP_ENV must be production, demo or test, not {ENV!r}")
PRODUCTION = ENV == "production"
DEMO_MODE = ENV == "demo"
TESTING = ENV == "test"


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("Set SECRET_KEY in the environment for production.")
    # Demo and test: a key made once per machine, never committed.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", ENV == "demo")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "Northmoor Council")
# Where the accessibility statement tells people to ask for another format or report a
# problem; without it the statement names the QA manager and the IT service desk.
ACCESSIBILITY_CONTACT = os.environ.get("ACCESSIBILITY_CONTACT", "")
SERVICE_NAME = "Quality assurance and impact"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_tasks_db",
    "auditloop.common",
    "auditloop.people",
    "auditloop.notifications",
    "auditloop.cases",
    "auditloop.standards",
    "auditloop.actions",
    "auditloop.quality",
    "auditloop.audits",
    "auditloop.programme",
    "auditloop.moderation",
    "auditloop.voice",
    "auditloop.practice",
    "auditloop.indicators",
    "auditloop.insight",
    "auditloop.governance",
    "auditloop.demo",
]

MIDDLEWARE = [
    "auditloop.common.middleware.RequestIdMiddleware",
    "auditloop.common.logging.AccessLogMiddleware",  # one log line per request, timed
    # Near the top, so responses made further down without reaching a view (the sign-in
    # redirect, refusals) carry these headers too.
    "auditloop.common.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "auditloop.people.sessions.SessionLimitsMiddleware",
    "auditloop.people.sessions.SecondFactorForChangesMiddleware",
    "auditloop.people.middleware.SignInRequiredMiddleware",
    "auditloop.people.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "auditloop.common.denied.DeniedAccessMiddleware",
]

ROOT_URLCONF = "auditloop.urls"
WSGI_APPLICATION = "auditloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "auditloop.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.messages.context_processors.messages",
                "auditloop.common.context_processors.service",
            ],
        },
    },
    {
        # Django's admin and allauth's e-mail templates still use the Django engine.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite is the embedded default; DATABASE_URL switches to PostgreSQL.
# In production each server thread keeps its connection for CONN_MAX_AGE seconds (60 by
# default) instead of opening one per request, which made the simplest signed-in request
# three times slower (benchmarks/RESULTS.md). The connection is checked before a
# request reuses it, so one the database closed meanwhile is replaced, not failed on. One
# connection per thread: docs/operators-guide.md says how that counts against
# PostgreSQL's max_connections.
# Development, demo and tests keep 0 (a connection per request).
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'auditloop.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions: a background worker and a saving auditor must not
    # meet "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
# PostgreSQL: the role the service connects as. When set, every migrate (run as the owner
# role) grants it what the service needs and no more (common.database_roles).
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2 first: new passwords and every sign-in with an older hash get Argon2; the others
# are kept so passwords hashed before still verify (and are upgraded on sign-in).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Sign-in (django-allauth): local accounts by username, no self sign-up.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_ADAPTER = "auditloop.people.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Changing an e-mail address (and, through people.sessions, a password) needs the person to
# prove it is them again; with an authenticator app that means a code, not the password.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# A password reset asked for an address with no account sends nothing.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Links allauth builds (the Entra ID redirect URI, e-mailed links) are https in production.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Lockout: after LOGIN_LOCKOUT_ATTEMPTS wrong passwords for one username, sign-in is refused
# for LOGIN_LOCKOUT_MINUTES (the right password too); 10 a minute from one address as well.
# allauth keeps the counts in Django's cache: with several processes that cache must be shared.
LOGIN_LOCKOUT_ATTEMPTS = int(os.environ.get("LOGIN_LOCKOUT_ATTEMPTS", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
EXPORT_RATE_LIMIT = int(os.environ.get("EXPORT_RATE_LIMIT", "30"))  # child-level, per hour
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"10/m/ip,{LOGIN_LOCKOUT_ATTEMPTS}/{LOGIN_LOCKOUT_MINUTES}m/key",
    # Sign-ins from one address a minute (allauth's own default, 30/m/ip). A council whose
    # staff all reach the service through one proxy address without X-Forwarded-For may
    # raise it; the browser tests do, as they sign in dozens of times a minute from one.
    "login": os.environ.get("LOGIN_RATE_LIMIT", "30/m/ip"),
}
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For can be trusted, so
# the per-address limit counts people rather than the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
MFA_ADAPTER = "auditloop.people.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# allauth refuses two-factor to accounts with an unverified e-mail address, against people
# signing up with someone else's address. Nobody signs themselves up here and e-mail is not
# verified, so without this every account with an address could never set up two-factor.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = COUNCIL_NAME


def _mfa_encryption_keys() -> list[str]:
    """Fernet keys for two-factor secrets at rest: the first encrypts, all decrypt."""
    keys = [k.strip() for k in os.environ.get("MFA_ENCRYPTION_KEYS", "").split(",")
            if k.strip()]
    if not keys:
        if PRODUCTION:
            raise RuntimeError(
                "Set MFA_ENCRYPTION_KEYS in the environment for production (see the "
                "operator's guide, 'Two-factor secrets at rest')."
            )
        # Demo and test: a key derived from SECRET_KEY.
        digest = hashlib.sha256(b"auditloop two-factor secrets:" + SECRET_KEY.encode())
        keys = [base64.urlsafe_b64encode(digest.digest()).decode()]
    for key in keys:
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                raise ValueError
        except ValueError:
            raise RuntimeError(
                "MFA_ENCRYPTION_KEYS must be Fernet keys (32 bytes, url-safe base64), "
                "separated by commas."
            ) from None
    return keys


MFA_ENCRYPTION_KEYS = _mfa_encryption_keys()
# Two-factor is compulsory for local accounts in production.
MFA_REQUIRED = _env_bool("MFA_REQUIRED", PRODUCTION)
SOCIALACCOUNT_ADAPTER = "auditloop.people.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_STORE_TOKENS = False
# Microsoft Entra ID through OpenID Connect (provider id "entra"): on when ENTRA_CLIENT_ID is
# set. Use the tenant's own endpoint: the "common" one has no single issuer to check.
ENTRA_SERVER_URL = os.environ.get(
    "ENTRA_SERVER_URL",
    f"https://login.microsoftonline.com/{os.environ.get('ENTRA_TENANT_ID', '')}/v2.0",
)


def entra_providers(*, client_id: str, secret: str, server_url: str) -> dict[str, object]:
    """SOCIALACCOUNT_PROVIDERS for Entra ID (tests call it with their fake provider)."""
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "entra",
                    "name": "Microsoft",
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {
                        "server_url": server_url,
                        "token_auth_method": "client_secret_post",
                    },
                }
            ],
        }
    }


SOCIALACCOUNT_PROVIDERS: dict[str, object] = (
    entra_providers(
        client_id=os.environ["ENTRA_CLIENT_ID"],
        secret=os.environ.get("ENTRA_CLIENT_SECRET", ""),
        server_url=ENTRA_SERVER_URL,
    )
    if os.environ.get("ENTRA_CLIENT_ID")
    else {}
)

# Sessions: idle timeout, refreshed by activity; the page warns before it ends.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", "1800"))
SESSION_IDLE_WARNING = int(os.environ.get("SESSION_IDLE_WARNING", "120"))
# A save sets the session's server-side expiry this far ahead. A session is saved when it
# changes, not on every request: people.sessions restarts the idle clock (a change, so a
# save) when it is a minute old, so an active person's session is written at most once a
# minute and a person doing nothing is signed out SESSION_IDLE_TIMEOUT after that write.
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# However busy, a session ends this many seconds after signing in (8 hours).
SESSION_ABSOLUTE_LIMIT = int(os.environ.get("SESSION_ABSOLUTE_LIMIT", "28800"))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page uses (common.middleware.SecurityHeadersMiddleware sends it).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # "Sign in with Microsoft" is a form answered by a redirect to Entra ID, and browsers
    # apply form-action to that redirect as well.
    "form-action": [CSP.SELF]
    + ([_origin(ENTRA_SERVER_URL)] if SOCIALACCOUNT_PROVIDERS else [])
    + [o.strip() for o in os.environ.get("CSP_FORM_ACTION", "").split(",") if o.strip()],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: the browser keeps them only if Secure, Path=/ and no Domain, so no
    # other host under the council's domain can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "private"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

TASKS = {
    "default": {
        # Tests run tasks at once, in-process; the demo and production queue them in the
        # database for `auditloop db_worker`.
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING or _env_bool("TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if not PRODUCTION
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "auditloop@localhost")

# Notices go to the tray at once and by e-mail from a background task: "django" uses the
# mailer above, "govuk_notify" GOV.UK Notify with one template (subject, body, link).
NOTIFY_BACKEND = os.environ.get("NOTIFY_BACKEND", "django")
GOVUK_NOTIFY_API_KEY = os.environ.get("GOVUK_NOTIFY_API_KEY", "")
GOVUK_NOTIFY_TEMPLATE_ID = os.environ.get("GOVUK_NOTIFY_TEMPLATE_ID", "")
# The text message template (body, link) for a family's feedback link (voice.closures).
GOVUK_NOTIFY_SMS_TEMPLATE_ID = os.environ.get("GOVUK_NOTIFY_SMS_TEMPLATE_ID", "")
GOVUK_NOTIFY_BASE_URL = os.environ.get(
    "GOVUK_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
)
# The address people use to reach the service, for links in e-mails.
SERVICE_BASE_URL = os.environ.get("SERVICE_BASE_URL", "http://127.0.0.1:8000")

# Imports (docs/operators-guide.md): a file bigger than these is refused before it is
# read, on the upload page and on the command line alike. An Excel workbook is a zip: its
# declared unpacked size counts, and a part that unpacks to more than the ratio times its
# packed size is refused (a "zip bomb").
IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO", "200"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "5000000"))
# The largest central tracker export made in the request; a larger one is made by the
# background worker (audits.tracker_exports.INLINE_ROWS, measured, when this is unset).
if os.environ.get("TRACKER_EXPORT_INLINE_ROWS"):
    TRACKER_EXPORT_INLINE_ROWS = int(os.environ["TRACKER_EXPORT_INLINE_ROWS"])
# A file the background worker makes (a report's version, a large tracker export) counts as
# stuck, and is shown as failed so it can be asked for again, after this many minutes with
# no progress while being made, or waiting to start (common.worker_files).
WORKER_FILE_STALE_AFTER = int(os.environ.get("WORKER_FILE_STALE_AFTER", "30"))
WORKER_FILE_QUEUED_STALE_AFTER = int(os.environ.get("WORKER_FILE_QUEUED_STALE_AFTER", "120"))
# A virus scanner run on each uploaded file before it is read, the file's path added as its
# last argument: exit 0 clean, 1 infected, anything else a failure. Off when empty.
UPLOAD_SCAN_COMMAND = os.environ.get("UPLOAD_SCAN_COMMAND", "")

# Logs carry ids and outcomes, never a child's details.
# LOG_FORMAT: "json" (the production default: one JSON object a line, common/logging.py)
# or "plain" (the demo and tests).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise RuntimeError(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "auditloop.common.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "auditloop.common.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
