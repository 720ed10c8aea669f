"""`manage.py prebuilds_sweep [--every SECONDS]`: fail prebuilds whose runner stopped answering and post
statuses left unposted, once or in a loop. Celery beat runs the same sweep in production; the demo (eager
Celery, no beat) starts this with --every."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from integrations.prebuilds.sweep import prebuilds_sweep


class Command(BaseCommand):
    help = "Fail prebuilds whose runner stopped answering; post commit statuses still waiting."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0, help="repeat every SECONDS (0: run once)")

    def handle(self, *args, **options) -> None:
        while True:
            try:
                outcome = prebuilds_sweep()
                self.stdout.write(f"failed {outcome['failed']} stale prebuild(s), "
                                  f"requeued statuses of {outcome['statuses_requeued']}")
            except Exception as exc:  # a loop that dies quietly fails nothing: report and go on
                if not options["every"]:
                    raise
                self.stderr.write(f"sweep failed: {type(exc).__name__}: {exc}")
            if not options["every"]:
                return
            time.sleep(max(1.0, options["every"]))
