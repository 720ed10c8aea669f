"""Settings, read from the environment (12-factor).

Defaults give the embedded demo (SQLite, eager Celery, console email). Production is
`PORTAL_ENV=production`, which refuses to start with DEBUG on, the demo secret key, or
no at-rest key ring.
"""

from __future__ import annotations

import os
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
    # 50 characters: what `manage.py check --deploy` asks for (security.W009).
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("Set SECRET_KEY (at least 50 random characters, not the demo key) in production.")
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
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "portal",
    "runners",
    "integrations",
    "integrations.oauth",
    "integrations.projects",
    "integrations.prebuilds",
    "environments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.csp.ContentSecurityPolicyMiddleware",
    "portal.middleware.HostileRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.mfa.RequireMfaMiddleware",
    "portal.security_events.RunnerAddressMiddleware",
]

ROOT_URLCONF = "portal.urls"
# Secrets stay starred out on error reports, the debug page included (portal/debug.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.debug.PortalExceptionReporterFilter"
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
                "portal.context_processors.mail_delivery",
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
    # The demo's threads share one file. A deferred transaction that reads and then writes fails at once
    # with "database is locked" when another writer holds the lock (SQLite cannot wait there without
    # deadlocking); IMMEDIATE takes the write lock at BEGIN, where the busy timeout makes it wait instead.
    # WAL lets readers (runner long polls, pages) go on while one request writes; the
    # demo's other processes (relay, sweep) queue behind each other the same way.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
elif env.bool("DATABASE_POOL", default=False):
    # Under ASGI (gunicorn.conf.py turns this on) each request runs on a thread of its own, so a
    # per-thread persistent connection would die with it and every request paid a new PostgreSQL
    # connection (40% of a webhook delivery's time). The pool keeps them; sized per process: the runner
    # channel's threads hold RUNNER_CHANNEL_DB_THREADS while agents are connected, plus one per
    # request in flight. A request that finds the pool exhausted waits DATABASE_POOL_TIMEOUT seconds.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool, not the thread, keeps connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=30),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        "max_idle": 300,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the sign-in rate limits: it must be shared by every web process, or each process counts
# on its own (4 workers allowed 4 times the guesses, and a restart forgot them all). Redis wherever there
# is one; the embedded demo keeps a local cache.
CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
if CACHE_URL:
    CACHES = {"default": {**env.cache_url_config(CACHE_URL),
                          "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal")}}
elif PORTAL_ENV == "production":
    raise ImproperlyConfigured("Set CACHE_URL (or REDIS_URL), e.g. redis://redis:6379/1, in production: "
                               "sign-in rate limits must be shared by every process.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
# Sign-up must not tell who has an account (login errors do not). With verification mandatory, allauth
# answers a sign-up for a known address exactly as for a new one ("check your email") and mails the
# owner instead of creating an account. Not configurable: "optional" would bring the disclosure back.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
# Confirming in the browser that signed up signs the new user in (then home: their personal org).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
# Failed sign-ins are limited per account (the email typed) and, more loosely, per address: a strict
# per-address limit would lock out everyone behind one office NAT because of one person's typos.
ACCOUNT_RATE_LIMITS = {
    "login": "60/m/ip",
    "login_failed": "30/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
}
# Behind a proxy every client has the proxy's address; count the hops so limits see the real client.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if env.bool("BEHIND_TLS_PROXY", False) else 0)
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "portal.forms.SignupForm"}
# Tokens live encrypted in integrations.Connection; allauth must never store them in plain text.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# One sub-provider per ScmIntegration, its SocialApp built in memory (no SocialApp rows, no secret).
SOCIALACCOUNT_ADAPTER = "integrations.oauth.social.ScmSocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# Two-factor authentication (allauth.mfa): an authenticator app or a security key, with recovery codes.
# Staff must have one; an org's owner can require one of its owners and admins (portal/mfa.py).
MFA_ADAPTER = "portal.adapters.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="SCM portal")
# The demo and tests run on http://localhost; production is https.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = PORTAL_ENV != "production"
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
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "portal.mfa.MfaSatisfied"],
    # JSON only: what the API documents and its clients send; any other body is a 415 in the error shape.
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PagePagination",
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
    # Two choice sets share the field name "kind"; name each so the schema stays stable as fields are added.
    "ENUM_NAME_OVERRIDES": {
        "RunnerKindEnum": "runners.models.Runner.Kind",
        "ContextUrlKindEnum": "integrations.context.base.KINDS",
    },
    # Every operation documents its 4xx answers and the one error shape (portal/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.add_error_responses",
    ],
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
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The demo's embedded broker: kombu's filesystem transport, one folder shared by web, worker and beat
    # (no server to run). Producers write where consumers read.
    _broker_dir = env.str("CELERY_BROKER_FOLDER", default=str(BASE_DIR / ".demo" / "broker"))
    for _sub in ("queue", "processed"):
        os.makedirs(os.path.join(_broker_dir, _sub), exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": os.path.join(_broker_dir, "queue"),
        "data_folder_out": os.path.join(_broker_dir, "queue"),
        "processed_folder": os.path.join(_broker_dir, "processed"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Beat reads its schedules from the database (django-celery-beat): operators change intervals in Django
# admin ("Periodic tasks"), and a change takes effect without a restart. The defaults are rows created by
# the migration integrations/0005_beat_schedules; nothing is scheduled from here.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The self-healing webhook sweep's period: the default interval of its beat row, and how old a hook
# check must be before the sweep checks it again.
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=900.0)
WEBHOOK_RELAY_SECONDS = env.float("WEBHOOK_RELAY_SECONDS", default=10.0)
# Connection health (README "Connection health"). The sweep verifies every connection once per interval
# (its beat row, default 15 minutes), spreading the verifies over this many seconds of it, and skips a
# connection verified within the last CONNECTION_VERIFY_SKIP_SECONDS.
CONNECTION_VERIFY_SPREAD_SECONDS = env.float("CONNECTION_VERIFY_SPREAD_SECONDS", default=600.0)
CONNECTION_VERIFY_SKIP_SECONDS = env.float("CONNECTION_VERIFY_SKIP_SECONDS", default=600.0)
CONNECTION_SWEEP_CHUNK = env.int("CONNECTION_SWEEP_CHUNK", default=500)
# Connections per verify message: the sweep publishes one message per batch and a worker thread verifies
# them one after another (publishing and task overhead per connection were most of a sweep's cost).
CONNECTION_VERIFY_BATCH = env.int("CONNECTION_VERIFY_BATCH", default=10)
# First backoff step of a verify or refresh after a 5xx / timeout (doubles per retry, 6 retries, max 10 min).
CONNECTION_RETRY_BASE_SECONDS = env.float("CONNECTION_RETRY_BASE_SECONDS", default=15.0)
# Requests in flight per provider host, across every worker and web process (a Redis semaphore).
SCM_HOST_CONCURRENCY = env.int("SCM_HOST_CONCURRENCY", default=8)
# Bitbucket Cloud allows 1,000 API requests per hour per user: each credential spends at most this many.
BITBUCKET_CLOUD_HOURLY_BUDGET = env.int("BITBUCKET_CLOUD_HOURLY_BUDGET", default=900)
# Where the semaphore, budgets and 429 pauses live; empty = in-process (the demo's single worker).
SCM_HOST_LIMITS_REDIS_URL = env.str("SCM_HOST_LIMITS_REDIS_URL", default="") or CACHE_URL or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
SCM_HOST_LIMITS_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="portal")
# Prebuilds whose runner stopped answering fail; commit statuses left unposted are posted (its beat row's
# first interval).
PREBUILD_SWEEP_SECONDS = env.float("PREBUILD_SWEEP_SECONDS", default=30.0)
# A processing claim older than this belongs to a worker that died: the relay hands the delivery out again.
WEBHOOK_STALE_CLAIM_SECONDS = env.int("WEBHOOK_STALE_CLAIM_SECONDS", default=300)
# A delivery published this long ago and still not claimed lost its message (e.g. Redis restarted empty).
WEBHOOK_REQUEUE_AFTER_SECONDS = env.int("WEBHOOK_REQUEUE_AFTER_SECONDS", default=300)
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)
# A running prebuild whose agent said nothing for this long fails ("runner stopped answering"); the agent
# reports at least every PREBUILD_PROGRESS_SECONDS while it runs one.
PREBUILD_STALE_AFTER_SECONDS = env.int("PREBUILD_STALE_AFTER_SECONDS", default=90)
PREBUILD_PROGRESS_SECONDS = env.float("PREBUILD_PROGRESS_SECONDS", default=5.0)
# A queued prebuild no agent picked up within this long fails (the runner was offline all that time).
PREBUILD_QUEUE_TIMEOUT_SECONDS = env.int("PREBUILD_QUEUE_TIMEOUT_SECONDS", default=24 * 3600)
# The demo's emulator (control API): shows "simulate a push" buttons on project pages. Empty in production.
DEMO_EMULATOR_URL = env.str("DEMO_EMULATOR_URL", default="").rstrip("/")

# Source-control providers. Tests and the demo point these at the emulator.
BITBUCKET_CLOUD_WEB_URL = env.str("BITBUCKET_CLOUD_WEB_URL", default="https://bitbucket.org").rstrip("/")
BITBUCKET_CLOUD_API_URL = env.str("BITBUCKET_CLOUD_API_URL", default="https://api.bitbucket.org").rstrip("/")
# Azure DevOps: organizations under dev.azure.com, profiles on vssps, OAuth at Microsoft Entra ID.
AZURE_DEVOPS_URL = env.str("AZURE_DEVOPS_URL", default="https://dev.azure.com").rstrip("/")
AZURE_DEVOPS_PROFILE_URL = env.str("AZURE_DEVOPS_PROFILE_URL", default="https://app.vssps.visualstudio.com").rstrip("/")
MICROSOFT_ENTRA_URL = env.str("MICROSOFT_ENTRA_URL", default="https://login.microsoftonline.com").rstrip("/")
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
# How waiting is woken (README "The runner channel at scale"). PostgreSQL LISTEN/NOTIFY between processes;
# RUNNER_CHANNEL_IN_PROCESS=true (automatic without PostgreSQL) wakes within one process only.
RUNNER_CHANNEL_IN_PROCESS = env.bool("RUNNER_CHANNEL_IN_PROCESS", default=False)
# The safety net: how often one query looks for work or answers whose notification was lost.
RUNNER_CHANNEL_SWEEP_SECONDS = env.float("RUNNER_CHANNEL_SWEEP_SECONDS", default=3.0)
# The listening connection stays this long after the last waiter left (agents re-poll at once).
RUNNER_CHANNEL_LINGER_SECONDS = env.float("RUNNER_CHANNEL_LINGER_SECONDS", default=120.0)
# Threads (and so database connections) per process for the async long poll's queries.
RUNNER_CHANNEL_DB_THREADS = env.int("RUNNER_CHANNEL_DB_THREADS", default=8)
# Batched last-seen writes (0: a write per agent call) and the credential cache (0: off). The cache is
# emptied by notification whenever a runner changes or the listener loses its connection, so its expiry
# only bounds a change made behind the ORM's back; each expiry costs one query per agent (1,000 agents at
# 60 s were 17 queries/s while idle).
RUNNER_SEEN_FLUSH_SECONDS = env.float("RUNNER_SEEN_FLUSH_SECONDS", default=5.0)
RUNNER_CREDENTIAL_CACHE_SECONDS = env.float("RUNNER_CREDENTIAL_CACHE_SECONDS", default=3600.0)
# The pre-notification behaviour (a database look every 0.5 s per waiting agent), kept for comparison.
RUNNER_CHANNEL_LEGACY_POLLING = env.bool("RUNNER_CHANNEL_LEGACY_POLLING", default=False)
# An environment request the runner's agent has not picked up by then has failed (and its credential expired).
ENVIRONMENT_PICKUP_SECONDS = env.int("ENVIRONMENT_PICKUP_SECONDS", default=600)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None
if PORTAL_ENV == "production":
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # https only, remembered by browsers for a year. Behind a proxy that redirects itself, set
    # SECURE_SSL_REDIRECT=false (and BEHIND_TLS_PROXY=true so Django knows the request was https).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Health checks from a load balancer over plain http (a regex list, e.g. ^healthz$).
    SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The Connect popup talks to its opener with postMessage; the default would sever it.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin-allow-popups"
# portal/csp.py sends this on every response. Nothing inline: scripts and styles come from /static/.
# Forms may post to this origin and, because the Connect form's answer redirects the popup to the provider's
# consent page (form-action covers redirects), to https origins; http only where admins may enter http hosts.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # data: for the QR code of an authenticator app and Swagger UI's icons.
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", "https:",
                    *(["http:"] if SCM_ALLOW_HTTP_HOSTS or BITBUCKET_CLOUD_WEB_URL.startswith("http:")
                       or MICROSOFT_ENTRA_URL.startswith("http:") else [])],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
