"""Settings, read from the environment (12-factor).

Defaults give the embedded demo (SQLite, eager Celery, console email). Production is
`PORTAL_ENV=production`, which refuses to start with DEBUG on, the demo secret key, or
no at-rest key ring.
"""

from __future__ import annotations

from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_SECRET_KEY = "demo-insecure-secret-key-do-not-use-in-production"
# A fixed Fernet key for the demo and tests only; production must set its own ring.
DEMO_ENCRYPTION_KEY = "ZGVtby1rZXktZG8tbm90LXVzZS1pbi1wcm9kdWN0aW8="

env = environ.Env()


def secret(name: str, default: str | None = None) -> str | None:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker/K8s secrets)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path} cannot be read: {exc}") from exc
    return env.str(name, default=default)


PORTAL_ENV = env.str("PORTAL_ENV", default="development")
if PORTAL_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"PORTAL_ENV must be development, production or test, not {PORTAL_ENV!r}")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = secret("SECRET_KEY", DEMO_SECRET_KEY)
PORTAL_ENCRYPTION_KEYS = [k.strip() for k in (secret("PORTAL_ENCRYPTION_KEYS", "") or "").split(",") if k.strip()]
for _key in PORTAL_ENCRYPTION_KEYS:
    # A malformed ring must stop the start, not the first request that encrypts (never echo the key).
    try:
        Fernet(_key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "PORTAL_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes each)."
        ) from None

if PORTAL_ENV == "production":
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production (PORTAL_ENV=production).")
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Set SECRET_KEY (at least 32 characters, not the demo key) in production.")
    if not PORTAL_ENCRYPTION_KEYS or DEMO_ENCRYPTION_KEY in PORTAL_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("Set PORTAL_ENCRYPTION_KEYS (Fernet keys, newest first) in production.")
elif not PORTAL_ENCRYPTION_KEYS:
    PORTAL_ENCRYPTION_KEYS = [DEMO_ENCRYPTION_KEY]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The portal's public URL: callback URLs shown to admins and postMessage's target origin.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "portal",
    "runners",
    "integrations",
    "integrations.oauth",
    "integrations.projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.current_org",
            ],
        },
    },
]

DEMO_DIR = BASE_DIR / ".demo"
if "DATABASE_URL" not in env:
    DEMO_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DEMO_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Runner long-polls and the web request waiting on them share the file: wait, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # The demo's processes (web, relay, sweep) write at once: transactions take the write lock when they
    # begin (so they queue behind each other instead of deadlocking on an upgrade), and WAL lets reads go on.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: email + password accounts.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
# Tokens live encrypted in integrations.Connection; allauth must never store them in plain text.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# One sub-provider per ScmIntegration, its SocialApp built in memory (no SocialApp rows, no secret).
SOCIALACCOUNT_ADAPTER = "integrations.oauth.social.ScmSocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PORTAL_ENV == "production" or env.bool("STATIC_MANIFEST", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SCM integration portal API",
    "DESCRIPTION": "Organizations, runners, repository access and connections.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: the docs page works offline and under a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: without a broker the demo runs tasks eagerly, in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
# A task is acknowledged only after it ran, and re-queued if its worker dies mid-task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A short connect timeout: a web request that publishes (the webhook receiver) must not hang on a dead
# broker; it publishes with retry=False and leaves the rest to the outbox relay.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE: dict = {
    # Refresh OAuth tokens before they expire (Bitbucket Cloud's live 2 hours), through the runners.
    "connections-refresh-due": {"task": "integrations.tasks.connections_refresh_due", "schedule": 300.0},
    # Picks up connections whose first verify was never queued (e.g. Redis was down at connect time).
    "connections-verify-pending": {"task": "integrations.tasks.connections_verify_pending", "schedule": 120.0},
    # Answered runner jobs keep no payload, but their rows need not live forever.
    "runner-jobs-purge": {"task": "runners.tasks.purge_runner_jobs", "schedule": 24 * 3600.0},
    # Self-healing webhooks: every project's hook is checked at the provider once per period.
    "webhooks-sweep": {"task": "integrations.projects.tasks.webhooks_sweep",
                       "schedule": env.float("WEBHOOK_SWEEP_SECONDS", default=900.0)},
    # The outbox relay: deliveries accepted while Redis was down go to a worker once it is back.
    "webhook-deliveries-relay": {"task": "integrations.projects.tasks.deliveries_relay",
                                 "schedule": env.float("WEBHOOK_RELAY_SECONDS", default=10.0)},
    "webhook-deliveries-purge": {"task": "integrations.projects.tasks.deliveries_purge", "schedule": 24 * 3600.0},
}
WEBHOOK_SWEEP_SECONDS = CELERY_BEAT_SCHEDULE["webhooks-sweep"]["schedule"]
# A processing claim older than this belongs to a worker that died: the relay hands the delivery out again.
WEBHOOK_STALE_CLAIM_SECONDS = env.int("WEBHOOK_STALE_CLAIM_SECONDS", default=300)
# A delivery published this long ago and still not claimed lost its message (e.g. Redis restarted empty).
WEBHOOK_REQUEUE_AFTER_SECONDS = env.int("WEBHOOK_REQUEUE_AFTER_SECONDS", default=300)
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)
# The demo's emulator (control API): shows "simulate a push" buttons on project pages. Empty in production.
DEMO_EMULATOR_URL = env.str("DEMO_EMULATOR_URL", default="").rstrip("/")

# Source-control providers. Tests and the demo point these at the emulator.
BITBUCKET_CLOUD_WEB_URL = env.str("BITBUCKET_CLOUD_WEB_URL", default="https://bitbucket.org").rstrip("/")
BITBUCKET_CLOUD_API_URL = env.str("BITBUCKET_CLOUD_API_URL", default="https://api.bitbucket.org").rstrip("/")
# SSRF guards for admin-entered hosts (Bitbucket Server, GitLab self-managed).
SCM_ALLOW_HTTP_HOSTS = env.bool("SCM_ALLOW_HTTP_HOSTS", default=False)
SCM_ALLOW_PRIVATE_HOSTS = env.bool("SCM_ALLOW_PRIVATE_HOSTS", default=False)
SCM_HTTP_TIMEOUT = env.float("SCM_HTTP_TIMEOUT", default=10.0)
# Reading an admin-entered host (Bitbucket Server's version) while the admin waits on the dialog.
SCM_HOST_PROBE_TIMEOUT = env.float("SCM_HOST_PROBE_TIMEOUT", default=5.0)

# Runner agent channel.
RUNNER_REGISTRATION_TOKEN_TTL_HOURS = 24
RUNNER_OFFLINE_AFTER_SECONDS = env.int("RUNNER_OFFLINE_AFTER_SECONDS", default=60)
RUNNER_JOB_TIMEOUT_SECONDS = env.float("RUNNER_JOB_TIMEOUT_SECONDS", default=20.0)
RUNNER_LONG_POLL_SECONDS = env.float("RUNNER_LONG_POLL_SECONDS", default=20.0)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None
if PORTAL_ENV == "production":
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The Connect popup talks to its opener with postMessage; the default would sever it.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin-allow-popups"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
