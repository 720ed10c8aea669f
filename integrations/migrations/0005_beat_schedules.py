"""The default beat schedules, as django-celery-beat rows operators edit in Django admin.

Created once: a row that exists (by name) is left as the operator set it, so re-running the
migrations never undoes an operator's change. Reversing removes only rows still on these defaults'
names.
"""

from django.conf import settings
from django.db import migrations

DAY = 24 * 3600


def _schedules():
    return [
        # name, task, every (seconds), description
        ("connections-verify-sweep", "integrations.tasks.connections_verify_sweep", 900,
         "Verify every connection against its provider (spread over the interval; skips recent verifies)."),
        ("connections-refresh-due", "integrations.tasks.connections_refresh_due", 300,
         "Refresh OAuth tokens that expire soon, through the runner agents."),
        ("connections-verify-pending", "integrations.tasks.connections_verify_pending", 120,
         "Verify connections whose first verify was lost (e.g. the broker was down at connect time)."),
        ("runner-jobs-purge", "runners.tasks.purge_runner_jobs", DAY,
         "Expire abandoned runner jobs and delete answered ones after a week."),
        ("webhooks-sweep", "integrations.projects.tasks.webhooks_sweep",
         int(getattr(settings, "WEBHOOK_SWEEP_SECONDS", 900)),
         "Self-healing webhooks: check every project's hook at the provider and put back what is broken."),
        ("webhook-deliveries-relay", "integrations.projects.tasks.deliveries_relay",
         int(getattr(settings, "WEBHOOK_RELAY_SECONDS", 10)),
         "Outbox relay: hand deliveries accepted while the broker was down to the workers."),
        ("webhook-deliveries-purge", "integrations.projects.tasks.deliveries_purge", DAY,
         "Delete webhook deliveries past their retention."),
        ("prebuilds-sweep", "integrations.prebuilds.tasks.prebuilds_sweep",
         int(getattr(settings, "PREBUILD_SWEEP_SECONDS", 30)),
         "Fail prebuilds whose runner stopped answering; post commit statuses left unposted."),
    ]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, description in _schedules():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period="seconds")
        PeriodicTask.objects.create(name=name, task=task, interval=interval, description=description,
                                    enabled=True)


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in _schedules()]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0004_connection_health"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
