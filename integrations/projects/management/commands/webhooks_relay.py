"""`manage.py webhooks_relay`: hand accepted webhook deliveries to Celery, continuously.

The receiver only writes rows; this loop publishes them (at once while there is a backlog, every
--idle seconds otherwise). Run one or more beside the Celery workers; beat's `deliveries_relay` is the
safety net if none runs. In the demo (eager Celery) the loop processes the deliveries itself.
"""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand

from integrations.projects.relay import LOOP_IDLE_SECONDS, relay_forever


class Command(BaseCommand):
    help = "Publish accepted webhook deliveries to Celery, in a loop (Ctrl-C stops it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--idle", type=float, default=LOOP_IDLE_SECONDS,
                            help="seconds between passes when there is nothing to publish")

    def handle(self, *args, **options) -> None:
        logging.getLogger("integrations.projects").setLevel(logging.INFO)
        self.stdout.write(f"relaying webhook deliveries (idle {options['idle']}s)")
        relay_forever(idle=max(0.05, options["idle"]))
