"""Production settings for the webhook_ingest benchmark, plus one trivial view to compare against."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks._webhook_urls"
