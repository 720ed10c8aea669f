"""Database side of the verify_sweep benchmark, run in a subprocess with the benchmark's environment.

    python -m benchmarks._verify_db seed N TOKENS_FILE  -> {"integration": id, "connections": N}
        N users and Bitbucket Cloud OAuth connections, each with its own emulator token (one per line in
        TOKENS_FILE), written in batches (bulk_create), tokens encrypted as the portal does.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from integrations.models import Connection, ScmIntegration  # noqa: E402
from integrations.models.connection import Method, Status  # noqa: E402
from portal.models import Membership, Organization, User  # noqa: E402
from runners.models import Runner  # noqa: E402

BATCH = 1000
SCOPES = ["account", "email", "repository", "repository:write", "pullrequest", "issue", "webhook"]


def seed(n: int, tokens_file: str) -> dict:
    tokens = Path(tokens_file).read_text().split()
    assert len(tokens) >= n, "fewer emulator tokens than connections"
    org = Organization.objects.create(name="Bench", slug="bench")
    runner = Runner.objects.create(organization=org, name="bench", region="eu-west-1", cloud_provider="aws")
    integration = ScmIntegration.objects.create(organization=org, runner=runner, provider="bitbucket-cloud",
                                                host="", oauth_enabled=False)
    expires = timezone.now() + timedelta(days=365)
    for start in range(0, n, BATCH):
        emails = [f"bench{i}@example.test" for i in range(start, min(n, start + BATCH))]
        users = User.objects.bulk_create([User(email=email) for email in emails])
        Membership.objects.bulk_create([Membership(organization=org, user=u, role="member") for u in users])
        rows = []
        for offset, user in enumerate(users):
            connection = Connection(organization=org, integration=integration, user=user, method=Method.OAUTH,
                                    username="alice", status=Status.ACTIVE, granted_scopes=SCOPES,
                                    expires_at=expires, git_author_name="Alice Liddell",
                                    git_author_email="alice@wonder.example")  # as the connect left it
            connection.access_token = tokens[start + offset]
            rows.append(connection)
        Connection.objects.bulk_create(rows)
    return {"integration": integration.pk, "connections": Connection.objects.count()}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        print(json.dumps(seed(int(sys.argv[2]), sys.argv[3])))
