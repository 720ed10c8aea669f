"""`manage.py webhooks_sweep [--every SECONDS]`: the self-healing sweep, once or in a loop.

Celery beat runs the same task in production. This command is for operators who want a check now, and
for the demo, which runs Celery eagerly (no beat) and starts it with --every.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from integrations.projects.tasks import projects_due_for_check, webhook_check_chunk_task


class Command(BaseCommand):
    help = "Check every project's webhook at its provider and reinstall those deleted, deactivated or changed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0, help="repeat every SECONDS (0: run once)")
        parser.add_argument("--all", action="store_true", help="check every project, not only those due")

    def handle(self, *args, **options) -> None:
        while True:
            if not options["every"]:
                self._sweep(everything=options["all"])
                return
            try:
                self._sweep(everything=True)
            except Exception as exc:  # a loop that dies quietly heals nothing: report and go on
                self.stderr.write(f"sweep failed: {type(exc).__name__}: {exc}")
            time.sleep(max(1.0, options["every"]))

    def _sweep(self, *, everything: bool) -> None:
        # In a loop every project is due: the loop's period is the check interval.
        now = timezone.now() + timedelta(days=365) if everything else None
        checked = 0
        for ids in projects_due_for_check(now=now).values():
            checked += webhook_check_chunk_task(ids)
        self.stdout.write(f"checked {checked} project webhook(s)")
