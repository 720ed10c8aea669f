"""The project pages: the repository picker, a project with its webhook, the delivery log, Redeliver, delete."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from integrations.models import Connection
from integrations.models.connection import Method, Status
from integrations.projects.models import DeliveryStatus, Project, WebhookDelivery, WebhookState
from integrations.projects.relay import deliveries_relay
from integrations.webhooks.signatures import sign_body
from portal.models import AuditEvent
from tests.integrations.oauth_fixtures import make_integration
from tests.projects.conftest import CLOUD_SCOPES

pytestmark = pytest.mark.django_db


def picker(client, org, **params):
    return client.get(reverse("project_new", args=[org.slug]), params)


def sources(response) -> list[str]:
    select = re.search(r'<select id="picker-source".*?</select>', response.content.decode(), re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


def rows(response) -> dict[str, str]:
    """repository -> "select" | "disabled" | "existing", from the picker's HTML."""
    html = response.content.decode()
    out = {}
    for match in re.finditer(r'<li class="repo( disabled)?" data-repository="([^"]+)">(.*?)</li>', html, re.S):
        disabled, name, body = match.groups()
        out[name] = "existing" if "already a project" in body else ("disabled" if disabled else "select")
    return out


def test_the_picker_lists_workspaces_and_marks_what_cannot_get_a_webhook(projects_setup, client_for):
    ps = projects_setup
    client = client_for(ps.admin)
    connection = ps.connections["cloud"]
    page = picker(client, ps.org, connection=connection.pk)
    assert page.status_code == 200
    # Personal workspace first, then the others; the first one is listed.
    assert sources(page) == ["alice", "acme", "partner"]
    assert rows(page) == {"alice/dotfiles": "select"}
    acme = picker(client, ps.org, connection=connection.pk, source="acme")
    assert rows(acme) == {"acme/api": "select", "acme/docs": "select", "acme/webapp": "select"}
    partner = picker(client, ps.org, connection=connection.pk, source="partner")
    assert rows(partner) == {"partner/shared": "disabled"}
    assert "You are not an admin of this repository" in partner.content.decode()


def test_search_and_paging_on_demand_with_a_short_cache(projects_setup, client_for):
    ps = projects_setup
    for n in range(30):
        ps.emulator.control("POST", "/cloud/repositories", json={"workspace": "acme", "slug": f"svc-{n:02d}"})
    client = client_for(ps.admin)
    connection = ps.connections["cloud"].pk
    first = picker(client, ps.org, connection=connection, source="acme")
    assert len(rows(first)) == 25 and "Next →" in first.content.decode()
    assert "33 repositories" in first.content.decode()
    second = picker(client, ps.org, connection=connection, source="acme", page=2)
    assert len(rows(second)) == 8 and "← Previous" in second.content.decode()
    assert not set(rows(first)) & set(rows(second))
    found = picker(client, ps.org, connection=connection, source="acme", q="web")
    assert rows(found) == {"acme/webapp": "select"}
    assert "No repository matches" in picker(client, ps.org, connection=connection, source="acme",
                                             q="nothing-like-this").content.decode()
    ps.emulator.control("DELETE", "/requests")
    again = picker(client, ps.org, connection=connection, source="acme", page=2)
    assert rows(again) == rows(second)
    assert ps.emulator.requests(path=r"^/2\.0/") == []  # answered from the cache


def test_the_htmx_search_returns_only_the_list(projects_setup, client_for):
    ps = projects_setup
    response = client_for(ps.admin).get(reverse("project_new", args=[ps.org.slug]),
                                        {"connection": ps.connections["cloud"].pk, "source": "acme", "q": "api",
                                         "partial": "repositories"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and rows(response) == {"acme/api": "select"}


def test_a_connection_without_the_webhook_scope_explains_itself(projects_setup, client_for):
    ps = projects_setup
    owner = ps.world.a.owner
    connection = ps.cloud_connection(owner, scopes=[s for s in CLOUD_SCOPES if s != "webhook"])
    page = picker(client_for(owner), ps.org, connection=connection.pk, source="acme")
    assert set(rows(page).values()) == {"disabled"}
    assert "lacks the webhook scope" in page.content.decode()


def test_the_server_picker_has_projects_and_the_personal_project(projects_setup, client_for):
    ps = projects_setup
    client = client_for(ps.admin)
    connection = ps.connections["server"].pk
    assert sources(picker(client, ps.org, connection=connection)) == ["~alice", "ACME", "OTHER"]
    assert rows(picker(client, ps.org, connection=connection, source="~alice")) == {"~ALICE/notes": "select"}
    assert rows(picker(client, ps.org, connection=connection, source="ACME")) == {
        "ACME/backend": "select", "ACME/frontend": "select"}
    other = picker(client, ps.org, connection=connection, source="OTHER")
    assert rows(other) == {"OTHER/readonly": "disabled"} and "You lack REPO_ADMIN" in other.content.decode()


def test_selecting_a_repository_creates_the_project_and_installs_its_hook(projects_setup, client_for,
                                                                        django_capture_on_commit_callbacks):
    ps = projects_setup
    client = client_for(ps.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("project_new", args=[ps.org.slug]),
                               {"connection": ps.connections["cloud"].pk, "repository": "acme/webapp",
                                "prebuilds": "on"})
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert 'data-webhook-state="active"' in page and project.receiver_url in page
    assert len(ps.hooks("cloud", "acme/webapp")) == 1
    # The picker now shows it as a project, with a link.
    listing = picker(client, ps.org, connection=ps.connections["cloud"].pk, source="acme")
    assert rows(listing)["acme/webapp"] == "existing"
    assert project.get_absolute_url() in listing.content.decode()


def test_a_duplicate_or_unknown_repository_is_refused_with_a_message(projects_setup, client_for):
    ps = projects_setup
    client = client_for(ps.admin)
    ps.create("cloud", "acme/webapp")
    url = reverse("project_new", args=[ps.org.slug])
    again = client.post(url, {"connection": ps.connections["cloud"].pk, "repository": "acme/webapp"})
    assert again.status_code == 200 and "acme/webapp is already a project" in again.content.decode()
    missing = client.post(url, {"connection": ps.connections["cloud"].pk, "repository": "acme/nope"})
    assert "acme/nope does not exist, or your connection cannot see it" in missing.content.decode()
    bad = client.post(url, {"connection": ps.connections["cloud"].pk, "repository": "not a repo"})
    assert "Enter the repository as workspace/slug" in bad.content.decode()
    assert Project.objects.count() == 1


def test_connections_to_providers_without_projects_are_named_as_bitbucket_only(projects_setup, client_for):
    ps = projects_setup
    client = client_for(ps.admin)
    assert "Bitbucket-only" not in picker(client, ps.org).content.decode()
    github = make_integration(ps.runner, ps.admin, "github", host="https://github.example", client_id="gh",
                              secret="gh-secret")
    Connection.objects.create(organization=ps.org, integration=github, user=ps.admin,
                              method=Method.PERSONAL_ACCESS_TOKEN, username="alice", status=Status.ACTIVE)
    page = picker(client, ps.org).content.decode()
    assert "Your GitHub connection is not listed here: projects and webhooks are Bitbucket-only for now." in page
    gitlab = make_integration(ps.runner, ps.admin, "gitlab", host="https://gitlab.example", client_id="gl",
                              secret="gl-secret")
    Connection.objects.create(organization=ps.org, integration=gitlab, user=ps.admin,
                              method=Method.PERSONAL_ACCESS_TOKEN, username="alice", status=Status.ACTIVE)
    assert "Your GitHub and GitLab connections are not listed here" in picker(client, ps.org).content.decode()
    Connection.objects.filter(integration=gitlab).delete()
    # Not offered in the picker, and another user's own GitHub connection is not mentioned to this one.
    assert f'<option value="{ps.connections["cloud"].pk}"' in page and "github.example" not in page
    Connection.objects.filter(integration=github).update(user=ps.world.a.member)
    assert "Bitbucket-only" not in picker(client, ps.org).content.decode()


def test_members_see_projects_but_not_the_picker_nor_deliveries(projects_setup, client_for):
    ps = projects_setup
    project = ps.create("cloud", "acme/webapp")
    member = client_for(ps.world.a.member)
    assert member.get(reverse("project_new", args=[ps.org.slug])).status_code == 403
    assert "acme/webapp" in member.get(reverse("project_list", args=[ps.org.slug])).content.decode()
    detail = member.get(project.get_absolute_url()).content.decode()
    assert "Recent deliveries" not in detail and "Reinstall" not in detail
    assert member.post(reverse("project_reinstall", args=[ps.org.slug, project.pk])).status_code == 403


def test_a_failed_webhook_shows_why_and_reinstall_fixes_it(projects_setup, client_for,
                                                         django_capture_on_commit_callbacks):
    ps = projects_setup
    project = ps.create("cloud", "acme/webapp")
    Project.objects.filter(pk=project.pk).update(webhook_state=WebhookState.FAILED,
                                                 webhook_error="Not an admin: alice lacks admin rights")
    client = client_for(ps.admin)
    page = client.get(project.get_absolute_url()).content.decode()
    assert 'data-webhook-state="failed"' in page and "Not an admin: alice lacks admin rights" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("project_reinstall", args=[ps.org.slug, project.pk]))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.ACTIVE and project.webhook_error == ""


def test_check_now_heals_a_deleted_hook(projects_setup, client_for, django_capture_on_commit_callbacks):
    ps = projects_setup
    with django_capture_on_commit_callbacks(execute=True):
        project = ps.create("server", "ACME/backend")
    ps.emulator.control("DELETE", "/server/hooks", params={"repository": "ACME/backend"})
    response = client_for(ps.admin).post(reverse("project_check", args=[ps.org.slug, project.pk]), follow=True)
    assert "Check done: the webhook is active." in response.content.decode()
    assert len(ps.hooks("server", "ACME/backend")) == 1


def _deliver(project, secret: str, delivery_id: str, body: bytes, client):
    return client.post(reverse("webhook_receiver", args=[project.uuid]), data=body, content_type="application/json",
                       HTTP_X_EVENT_KEY="repo:push", HTTP_X_REQUEST_UUID=delivery_id,
                       HTTP_X_HUB_SIGNATURE=sign_body(secret, body))


def test_the_delivery_log_payload_and_redeliver(projects_setup, client_for, client,
                                                django_capture_on_commit_callbacks):
    ps = projects_setup
    project = ps.create("cloud", "acme/webapp")
    body = b'{"push": {"changes": [{"old": null, "new": {"type": "branch", "name": "main", "target": ' \
           b'{"hash": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}}]}, "repository": {"full_name": "acme/webapp"}}'
    assert _deliver(project, project.webhook_secret, "{first}", body, client).status_code == 202
    assert _deliver(project, project.webhook_secret, "{second}", body, client).status_code == 202
    assert deliveries_relay() == (2, False)
    admin = client_for(ps.admin)
    page = admin.get(project.get_absolute_url()).content.decode()
    assert page.index("{second}") < page.index("{first}")  # newest first
    assert "Push: main created at aaaaaaa" in page and "valid" in page
    delivery = WebhookDelivery.objects.get(delivery_id="{first}")
    detail = admin.get(reverse("delivery_detail", args=[ps.org.slug, project.pk, delivery.pk])).content.decode()
    assert '&quot;full_name&quot;: &quot;acme/webapp&quot;' in detail  # pretty-printed, escaped
    assert "X-Event-Key: repo:push" in detail
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("delivery_redeliver", args=[ps.org.slug, project.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED and delivery.runs == 2 and delivery.redelivered_at
    project.refresh_from_db()
    # The older delivery ran again, but the project keeps the newer push it already knew.
    assert project.last_push_at == WebhookDelivery.objects.get(delivery_id="{second}").received_at
    assert AuditEvent.objects.filter(action="webhook_delivery.redelivered", target_id=str(delivery.pk)).exists()


def test_delete_asks_first_then_removes_project_and_hook(projects_setup, client_for,
                                                         django_capture_on_commit_callbacks):
    ps = projects_setup
    with django_capture_on_commit_callbacks(execute=True):
        project = ps.create("cloud", "acme/webapp")
    client = client_for(ps.admin)
    url = reverse("project_delete", args=[ps.org.slug, project.pk])
    confirm = client.get(url).content.decode()
    assert "Delete webapp?" in confirm and Project.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and not Project.objects.exists()
    assert ps.hooks("cloud", "acme/webapp") == []


def test_the_demo_buttons_exist_only_in_the_demo(projects_setup, client_for, settings):
    ps = projects_setup
    project = ps.create("cloud", "acme/webapp")
    client = client_for(ps.admin)
    assert "Push a commit" not in client.get(project.get_absolute_url()).content.decode()
    assert client.post(reverse("project_demo_event", args=[ps.org.slug, project.pk])).status_code == 404
    settings.DEMO_EMULATOR_URL = ps.emulator.base_url
    assert "Push a commit" in client.get(project.get_absolute_url()).content.decode()


@pytest.mark.parametrize("page", ["project_list", "project_detail"])
def test_pages_cost_the_same_queries_for_1_and_40_rows(projects_setup, client_for, page):
    ps = projects_setup
    project = ps.create("cloud", "acme/webapp")
    client = client_for(ps.admin)

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    url = reverse("project_list", args=[ps.org.slug]) if page == "project_list" else project.get_absolute_url()
    WebhookDelivery.objects.create(organization=ps.org, project=project, delivery_id="one", event_key="repo:push",
                                   kind="push", body="{}", body_sha256="0" * 64, signature_ok=True,
                                   status="processed")
    one = count(url)
    for n in range(40):
        if page == "project_list":
            Project.objects.create(organization=ps.org, runner=ps.runner, integration=ps.cloud, name=f"r{n}",
                                   repository=f"acme/r{n}", webhook_secret_encrypted=project.webhook_secret_encrypted)
        else:
            WebhookDelivery.objects.create(organization=ps.org, project=project, delivery_id=str(uuid.uuid4()),
                                           event_key="repo:push", kind="push", body="{}", body_sha256="0" * 64,
                                           signature_ok=True, status="processed", summary=f"Push {n}")
    assert count(url) == one <= 12
