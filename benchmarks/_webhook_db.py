"""Database side of the webhook_ingest benchmark, run in a subprocess with the benchmark's environment.

    python -m benchmarks._webhook_db seed             -> {"uuid": ..., "secret": ...}
    python -m benchmarks._webhook_db counts PREFIX    -> {"rows": ..., "processed": ..., "duplicates": ...}
        (the benchmark reads the same counts with SQL; this is for a look by hand)
    python -m benchmarks._webhook_db forget           -> deletes every delivery (between runs)
"""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks._webhook_settings")
django.setup()

from django.db.models import Count, Q, Sum  # noqa: E402

from integrations.models import ScmIntegration  # noqa: E402
from integrations.projects.models import Project, WebhookDelivery, new_webhook_secret  # noqa: E402
from portal.models import Organization  # noqa: E402
from runners.models import Runner  # noqa: E402


def seed() -> dict:
    org = Organization.objects.create(name="Bench", slug="bench")
    runner = Runner.objects.create(organization=org, name="bench", region="eu-west-1", cloud_provider="aws")
    integration = ScmIntegration.objects.create(organization=org, runner=runner, provider="bitbucket-server",
                                                host="https://bitbucket.example.com", oauth_enabled=False)
    secret = new_webhook_secret()
    project = Project(organization=org, runner=runner, integration=integration, name="backend",
                      repository="PRJ/my-repo", webhook_state="active")
    project.webhook_secret = secret
    project.save()
    return {"uuid": str(project.uuid), "secret": secret}


def counts(prefix: str) -> dict:
    rows = WebhookDelivery.objects.filter(delivery_id__startswith=prefix)
    agg = rows.aggregate(rows=Count("id"), processed=Count("id", filter=Q(status="processed")),
                         extra_runs=Sum("runs", filter=Q(runs__gt=1)), over=Count("id", filter=Q(runs__gt=1)))
    # A run beyond the first is a delivery processed twice (nothing here is redelivered on purpose).
    duplicates = (agg["extra_runs"] or 0) - (agg["over"] or 0)
    return {"rows": agg["rows"], "processed": agg["processed"], "duplicates": duplicates}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        print(json.dumps(seed()))
    elif command == "counts":
        print(json.dumps(counts(sys.argv[2])))
    elif command == "forget":
        WebhookDelivery.objects.all().delete()
        print("{}")
