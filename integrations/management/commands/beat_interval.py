"""`manage.py beat_interval [NAME SECONDS]`: list the beat schedules, or set one's interval.

The same rows operators edit in Django admin (Periodic tasks); for scripts and the demo, which runs its
sweeps more often than production so a change shows within a minute.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_celery_beat.models import IntervalSchedule, PeriodicTask


class Command(BaseCommand):
    help = "List the beat schedules, or set one's interval in seconds."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the periodic task's name, e.g. connections-verify-sweep")
        parser.add_argument("seconds", nargs="?", type=int, help="the new interval, in seconds (at least 1)")

    def handle(self, *args, name=None, seconds=None, **options):
        if name is None:
            for task in PeriodicTask.objects.select_related("interval").order_by("name"):
                every = f"every {task.interval.every} {task.interval.period}" if task.interval else "not an interval"
                self.stdout.write(f"{task.name:32} {every:28} {'enabled' if task.enabled else 'disabled'}")
            return
        if seconds is None or seconds < 1:
            raise CommandError("Give the interval in seconds (at least 1).")
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            names = ", ".join(PeriodicTask.objects.order_by("name").values_list("name", flat=True))
            raise CommandError(f"No periodic task named {name!r}. Known: {names}")
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
        task.interval = interval
        task.save()  # django-celery-beat marks the schedule changed: a running beat picks it up
        self.stdout.write(f"{name}: every {seconds} seconds")
