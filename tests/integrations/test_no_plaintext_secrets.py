"""After connecting both providers: no token, code or client secret in plain text anywhere the portal
writes or answers: every table (pg_dump and dumpdata), decoded sessions, logs, HTML and API responses."""

from __future__ import annotations

import io
import logging
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection as db_connection
from django.urls import reverse

from integrations.models import Connection
from tests.integrations.oauth_fixtures import CLOUD_SECRET, SERVER_SECRET, callback_path, consent, start_connect

pytestmark = pytest.mark.django_db(transaction=True)


def pg_dump() -> str:
    params = db_connection.settings_dict
    command = ["pg_dump", "--data-only", "-h", params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432),
               "-U", params["USER"] or "postgres", params["NAME"]]
    env = {"PGPASSWORD": params["PASSWORD"] or ""}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_no_plaintext_secret_anywhere_after_the_flow(oauth_world, caplog):
    caplog.set_level(logging.DEBUG)
    client = oauth_world.client()
    codes = []
    pages = []
    for integration in oauth_world.integrations.values():
        back = consent(start_connect(client, integration))
        codes.append(parse_qs(urlsplit(back).query)["code"][0])
        pages.append(client.get(callback_path(back), follow=True).content.decode())
    connections = list(Connection.objects.all())
    assert len(connections) == 2
    secrets = {CLOUD_SECRET, SERVER_SECRET, *codes}
    for connection in connections:
        secrets |= {connection.access_token, connection.refresh_token}
    assert all(len(s) >= 12 for s in secrets), secrets

    admin = oauth_world.client(oauth_world.world.a.admin)
    runner = oauth_world.runner
    pages += [
        client.get(reverse("connection_list", args=["acme"])).content.decode(),
        *(client.get(reverse("connection_status", args=["acme", i.pk])).content.decode()
          for i in oauth_world.integrations.values()),
        admin.get(reverse("runner_detail", args=["acme", runner.pk])).content.decode(),
        admin.get(reverse("api_integration_list", args=["acme", runner.pk])).content.decode(),
    ]
    dumpdata = io.StringIO()
    call_command("dumpdata", stdout=dumpdata)
    sessions = "".join(str(s.get_decoded()) for s in Session.objects.all())
    places = {"pg_dump": pg_dump(), "dumpdata": dumpdata.getvalue(), "sessions": sessions, "logs": caplog.text,
              "pages": "\n".join(pages)}
    # The dumps are real: they hold the connection rows (encrypted) and the usernames.
    assert "alice" in places["pg_dump"] and connections[0].access_token_encrypted in places["dumpdata"]
    leaks = [(where, secret[:8]) for where, text in places.items() for secret in secrets if secret in text]
    assert leaks == []
