"""Django admin for operators: projects filterable by webhook state, "Reinstall webhook", deliveries, no secrets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.projects.models import Project, WebhookState
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, mfa_staff):
    # Staff must have a second factor: without one every admin page is a redirect to set it up.
    client.force_login(mfa_staff)
    return client


def test_projects_filter_by_webhook_state_and_reinstall(projects_setup, operator, django_capture_on_commit_callbacks):
    ps = projects_setup
    failed = ps.create("cloud", "acme/webapp")
    ps.create("server", "ACME/backend")
    Project.objects.filter(pk=failed.pk).update(webhook_state=WebhookState.FAILED, webhook_error="Host unreachable")
    changelist = reverse("admin:projects_project_changelist")
    page = operator.get(changelist, {"webhook_state__exact": "failed"}).content.decode()
    assert "acme/webapp" in page and "ACME/backend" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(changelist, {"action": "reinstall_webhook", "_selected_action": [failed.pk]},
                                 follow=True)
    assert "Reinstall queued for 1 project." in response.content.decode()
    failed.refresh_from_db()
    assert failed.webhook_state == WebhookState.ACTIVE and len(ps.hooks("cloud", "acme/webapp")) == 1
    assert AuditEvent.objects.filter(action="project.webhook_reinstall", actor__email="ops@portal.example").exists()


def test_the_change_page_never_shows_the_secret(projects_setup, operator):
    project = projects_setup.create("cloud", "acme/webapp")
    page = operator.get(reverse("admin:projects_project_change", args=[project.pk])).content.decode()
    assert project.receiver_url in page
    assert project.webhook_secret not in page and project.webhook_secret_encrypted not in page
    assert operator.get(reverse("admin:projects_project_add")).status_code == 403
