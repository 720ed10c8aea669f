"""Test settings: PostgreSQL and Redis on this machine, overridable from the environment."""

import os

os.environ.setdefault("PORTAL_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# The cache is Redis, as in production (rate limits shared by processes); one key prefix per pytest process.
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{os.getpid()}")
os.environ.setdefault("SCM_ALLOW_HTTP_HOSTS", "true")
os.environ.setdefault("SCM_ALLOW_PRIVATE_HOSTS", "true")
# The runner channel's listening connection closes with the last waiter, so the test database can be dropped;
# pulses are written at once (tests read last_seen_at right after a call; tests/runners/test_pulse.py batches).
os.environ.setdefault("RUNNER_CHANNEL_LINGER_SECONDS", "0")
os.environ.setdefault("RUNNER_SEEN_FLUSH_SECONDS", "0")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# One test database per pytest process, so parallel runs on one machine never collide.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PORTAL_TEST_DB_NAME", f"test_portal_{os.getpid()}")}  # noqa: F405
# One Celery queue per pytest process too: two runs on one machine share Redis db 15, and one run's
# worker must never take the other's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("PORTAL_TEST_QUEUE", f"tests-{os.getpid()}")
# Live-server threads must not keep connections open, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
