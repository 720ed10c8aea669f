"""Projects over REST: /api/v1/orgs/{org}/projects/ — same form and services as the picker."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from integrations.projects.models import Project, WebhookDelivery
from integrations.webhooks.signatures import sign_body

pytestmark = pytest.mark.django_db


def url(ps, name: str, *args) -> str:
    return reverse(name, args=[ps.org.slug, *args])


def post_json(client, path: str, body) -> object:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_create_returns_the_project_with_its_webhook(projects_setup, api_client_for,
                                                     django_capture_on_commit_callbacks):
    ps = projects_setup
    client = api_client_for(ps.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, url(ps, "api_project_list"), {
            "runner": ps.runner.pk, "connection": ps.connections["server"].pk, "repository": "~alice/notes",
            "prebuilds": False})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"id", "uuid", "name", "repository", "provider", "webhook", "prebuilds"}
    assert body["repository"] == "~ALICE/notes" and body["provider"] == "bitbucket-server"
    assert body["prebuilds"] is False and body["name"] == "notes"
    assert body["webhook"]["state"] == "installing" and body["webhook"]["error"] == ""  # the task runs after commit
    project = Project.objects.get(pk=body["id"])
    detail = client.get(url(ps, "api_project_detail", project.pk)).json()
    hook = ps.hooks("server", "~alice/notes")[0]
    assert detail["webhook"]["state"] == "active" and detail["webhook"]["hook_id"] == str(hook["id"])
    assert detail["webhook"]["receiver_url"] == project.receiver_url
    assert project.webhook_secret not in response.content.decode() + json.dumps(detail)


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"connection": "1", "repository": "acme/webapp"}, "connection", "Must be an integer id."),
    ({"connection": 1, "repository": "acme/webapp", "secret": "x"}, "secret", "Unknown field."),
    ({"connection": 1, "repository": 5}, "repository", "Must be a string."),
    ({"connection": 1, "repository": "acme/webapp", "prebuilds": "yes"}, "prebuilds", "Must be true or false."),
    ({"repository": "acme/webapp"}, "connection", "This field is required."),
    ({"connection": "CLOUD", "repository": "acme"}, "repository", "Enter the repository as workspace/slug."),
    ({"connection": "CLOUD", "repository": "../../etc/passwd"}, "repository", "Enter the repository as"),
    ({"connection": "SERVER", "repository": "acme/webapp/extra"}, "repository", "Enter the repository as"),
    ({"connection": "CLOUD", "repository": "acme/nope"}, "repository", "acme/nope does not exist"),
    ({"connection": 999999, "repository": "acme/webapp"}, "connection", "Choose one of your own Bitbucket"),
    ({"connection": "CLOUD", "repository": "acme/webapp", "runner": 999999}, "runner", "No such runner"),
])
def test_bad_input_names_the_field_and_writes_nothing(projects_setup, api_client_for, body, field, message):
    ps = projects_setup
    ids = {"CLOUD": ps.connections["cloud"].pk, "SERVER": ps.connections["server"].pk}
    body = {k: ids.get(v, v) if k == "connection" and isinstance(v, str) and v in ids else v for k, v in body.items()}
    response = post_json(api_client_for(ps.admin), url(ps, "api_project_list"), body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert any(message in m for m in error["fields"][field]), error
    assert not Project.objects.exists()


def test_someone_elses_connection_and_another_runner_are_refused(projects_setup, api_client_for):
    ps = projects_setup
    owner_connection = ps.cloud_connection(ps.world.a.owner, scopes=["repository", "webhook"])
    response = post_json(api_client_for(ps.admin), url(ps, "api_project_list"),
                         {"connection": owner_connection.pk, "repository": "acme/webapp"})
    assert response.status_code == 400 and "connection" in response.json()["error"]["fields"]
    from tests.runners.conftest import register_runner

    other_runner = register_runner(ps.org, ps.admin, name="second").runner
    response = post_json(api_client_for(ps.admin), url(ps, "api_project_list"),
                         {"connection": ps.connections["cloud"].pk, "repository": "acme/webapp",
                          "runner": other_runner.pk})
    assert response.status_code == 400
    assert "not second" in response.json()["error"]["fields"]["connection"][0]


def test_a_duplicate_is_409_and_members_may_not_create(projects_setup, api_client_for):
    ps = projects_setup
    ps.create("cloud", "acme/webapp")
    again = post_json(api_client_for(ps.admin), url(ps, "api_project_list"),
                      {"connection": ps.connections["cloud"].pk, "repository": "ACME/WebApp"})
    assert again.status_code == 409 and "already a project" in again.json()["error"]["fields"]["repository"][0]
    member = post_json(api_client_for(ps.world.a.member), url(ps, "api_project_list"),
                       {"connection": ps.connections["cloud"].pk, "repository": "acme/api"})
    assert member.status_code == 403 and member.json()["error"]["code"] == "permission_denied"
    assert Project.objects.count() == 1


def test_list_get_patch_reinstall_and_delete(projects_setup, api_client_for, django_capture_on_commit_callbacks):
    ps = projects_setup
    with django_capture_on_commit_callbacks(execute=True):
        project = ps.create("cloud", "acme/webapp")
    client = api_client_for(ps.admin)
    listing = client.get(url(ps, "api_project_list")).json()
    assert listing["count"] == 1 and listing["results"][0]["uuid"] == str(project.uuid)
    patched = client.patch(url(ps, "api_project_detail", project.pk), data=json.dumps({"prebuilds": False}),
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["prebuilds"] is False
    ps.emulator.control("DELETE", "/cloud/hooks", params={"repository": "acme/webapp"})
    with django_capture_on_commit_callbacks(execute=True):
        reinstall = client.post(url(ps, "api_project_reinstall", project.pk))
    assert reinstall.status_code == 202
    assert len(ps.hooks("cloud", "acme/webapp")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(url(ps, "api_project_detail", project.pk))
    assert deleted.status_code == 204 and ps.hooks("cloud", "acme/webapp") == []
    assert client.get(url(ps, "api_project_detail", project.pk)).status_code == 404


def test_deliveries_newest_first_paginated_and_redeliver(projects_setup, api_client_for, client,
                                                         django_capture_on_commit_callbacks):
    ps = projects_setup
    project = ps.create("server", "ACME/backend")
    body = b'{"test": true}'
    for n in range(3):
        client.post(reverse("webhook_receiver", args=[project.uuid]), data=body, content_type="application/json",
                    HTTP_X_EVENT_KEY="diagnostics:ping", HTTP_X_REQUEST_ID=f"ping-{n}",
                    HTTP_X_HUB_SIGNATURE=sign_body(project.webhook_secret, body))
    api = api_client_for(ps.admin)
    page = api.get(url(ps, "api_delivery_list", project.pk)).json()
    assert page["count"] == 3 and [d["delivery_id"] for d in page["results"]] == ["ping-2", "ping-1", "ping-0"]
    assert "body" not in page["results"][0]
    delivery = WebhookDelivery.objects.get(delivery_id="ping-0")
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(url(ps, "api_delivery_redeliver", project.pk, delivery.pk))
    assert again.status_code == 202 and again.json()["redelivered_at"]
    assert api_client_for(ps.world.a.member).get(url(ps, "api_delivery_list", project.pk)).status_code == 403
