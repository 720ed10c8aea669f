"""Production web server: `gunicorn -c gunicorn.conf.py` (the Dockerfile's command).

ASGI through uvicorn workers: runner agents long-poll /api/runner/v1/jobs/next and a waiting agent must
hold neither a thread nor a database connection (runners/agent_api/longpoll.py). Other requests run
Django's sync views in its thread pool, as under WSGI. Scale out with more processes (WEB_CONCURRENCY)
and more machines behind a load balancer; the runner channel reaches across them through PostgreSQL
LISTEN/NOTIFY (README, "The runner channel at scale").
"""

import os

# Django's advice for ASGI: no persistent connections in request threads (each sync request runs on a
# fresh thread, whose connection would linger), a connection pool instead (portal/settings.py).
os.environ.setdefault("DATABASE_POOL", "true")

wsgi_app = "portal.asgi:application"
bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# The uvicorn-worker package: uvicorn's own `uvicorn.workers` module is deprecated in its favour.
worker_class = "uvicorn_worker.UvicornWorker"
# A long poll lasts up to RUNNER_LONG_POLL_SECONDS (20 s): a restart lets it finish, and so does the balancer.
graceful_timeout = 30
# The arbiter kills a worker whose event loop has not checked in for this long. Booting Django on a busy
# machine took longer than the default 30 s, and a killed worker's agents all reconnect to the others at once.
timeout = 90
keepalive = 75
accesslog = os.environ.get("ACCESS_LOG") or None
