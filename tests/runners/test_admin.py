"""Django admin for runners: filters, no hashes, writes through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from runners import services
from runners.models import RunnerJob
from tests.factories import staff_with_mfa
from tests.runners.conftest import create_runner, register_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client_for):
    return client_for(staff_with_mfa("op@example.test"))  # staff must have a second factor


def test_changelist_filters_by_status(world, staff_client):
    register_runner(world.a.org, world.a.admin, name="up")
    register_runner(world.a.org, world.a.admin, name="down", online=False)
    create_runner(world.b.org, world.b.admin, name="new")
    url = reverse("admin:runners_runner_changelist")
    for status, expected in (("online", "up"), ("offline", "down"), ("pending", "new")):
        page = staff_client.get(url, {"status": status})
        assert page.status_code == 200
        names = [r.name for r in page.context["cl"].result_list]
        assert names == [expected], status


def test_change_page_hides_hashes_and_shows_key_read_only(world, staff_client):
    registered = register_runner(world.a.org, world.a.admin)
    page = staff_client.get(reverse("admin:runners_runner_change", args=[registered.runner.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert registered.runner.credential_hash not in html
    assert registered.runner.key_fingerprint in html
    assert 'name="public_key"' not in html and 'name="credential_hash"' not in html


def test_admin_edit_goes_through_the_service(world, staff_client):
    runner, _ = create_runner(world.a.org, world.a.admin)
    url = reverse("admin:runners_runner_change", args=[runner.pk])
    data = {"name": "renamed", "kind": "self-hosted", "cloud_provider": "aws", "region": "eu-west-1"}
    # Inlines added by subclasses (repository access) need their management forms, left empty here.
    for inline in staff_client.get(url).context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    runner.refresh_from_db()
    assert runner.name == "renamed"
    assert AuditEvent.objects.filter(action="runner.updated", actor_label="op@example.test").exists()


def test_generate_token_action_shows_tokens_in_the_page(world, staff_client):
    runner, old = create_runner(world.a.org, world.a.admin)
    page = staff_client.post(reverse("admin:runners_runner_changelist"),
                             {"action": "generate_registration_token", "_selected_action": [runner.pk]})
    assert page.status_code == 200
    runner.refresh_from_db()
    (row,) = page.context["rows"]
    assert services.hash_token(row["token"]) == runner.registration_token_hash
    assert row["token"] in page.content.decode()


def test_job_admin_is_read_only_and_shows_no_payload(world, staff_client):
    registered = register_runner(world.a.org, world.a.admin)
    job = services.runner_job_create(runner=registered.runner, kind="oauth.token", payload={"x": 1}, timeout=5)
    page = staff_client.get(reverse("admin:runners_runnerjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert job.payload_encrypted not in page.content.decode()
    assert staff_client.get(reverse("admin:runners_runnerjob_add")).status_code == 403
    assert RunnerJob.objects.count() == 1


def test_admin_add_creates_through_the_service(world, staff_client):
    url = reverse("admin:runners_runner_add")
    data = {"organization": world.a.org.pk, "name": "from-admin", "kind": "desktop"}
    for inline in staff_client.get(url).context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    runner = world.a.org.runners.get(name="from-admin")
    assert runner.registration_token_hash and runner.created_by.email == "op@example.test"
    assert AuditEvent.objects.filter(action="runner.created", target_id=str(runner.pk)).exists()
    # A duplicate name is a form error, not a server error.
    data["name"] = "from-admin"
    again = staff_client.post(url, data)
    assert again.status_code == 200 and "name" in again.context["adminform"].form.errors
