"""A project's webhook secret is written once to the provider and never again in plain text: not in any
table, log, page, API answer, admin page or audit event, and not in what the emulator logged either."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import staff_with_mfa
from tests.integrations.test_no_plaintext_secrets import pg_dump

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_webhook_secret_appears_nowhere(projects_setup, client_for, api_client_for, caplog):
    caplog.set_level(logging.DEBUG)
    ps = projects_setup
    cloud = ps.create("cloud", "acme/webapp")  # transactional: the install task runs after commit
    server = ps.create("server", "ACME/backend")
    secrets = {cloud.webhook_secret, server.webhook_secret}
    assert all(len(s) >= 40 for s in secrets)
    operator = staff_with_mfa()
    pages = []
    for project in (cloud, server):
        pages.append(client_for(ps.admin).get(project.get_absolute_url()).content.decode())
        pages.append(api_client_for(ps.admin).get(reverse("api_project_detail", args=[ps.org.slug, project.pk]))
                     .content.decode())
        admin_page = client_for(operator).get(reverse("admin:projects_project_change", args=[project.pk]))
        assert admin_page.status_code == 200  # the real change page, not a redirect to set up two-factor
        pages.append(admin_page.content.decode())
    pages.append(client_for(ps.admin).get(reverse("org_activity", args=[ps.org.slug])).content.decode())
    dumpdata = io.StringIO()
    call_command("dumpdata", stdout=dumpdata)
    emulator_log = str(ps.emulator.requests())
    places = {"pg_dump": pg_dump(), "dumpdata": dumpdata.getvalue(), "logs": caplog.text, "pages": "\n".join(pages),
              "emulator request log": emulator_log}
    assert cloud.webhook_secret_encrypted in places["dumpdata"]  # the dump is real: the row is there, encrypted
    assert "/hooks" in emulator_log  # and the hook was installed with the secret in its body
    leaks = [(where, secret[:6]) for where, text in places.items() for secret in secrets if secret in text]
    assert leaks == []
