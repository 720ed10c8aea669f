"""Token connections drive projects like OAuth ones: the repository picker (an access token's own repository
or workspace as the source), the workspace limit of a Bitbucket Cloud integration, and webhook installs."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from integrations.connections.tokens import connection_create_token
from integrations.forms import ScmIntegrationForm
from integrations.models import ScmIntegration
from integrations.projects import repositories
from integrations.projects.models import Project
from integrations.submit import integration_submit

pytestmark = pytest.mark.django_db


def limit_workspace(integration: ScmIntegration, actor, workspace: str) -> ScmIntegration:
    form = ScmIntegrationForm({"provider": integration.provider, "pat_enabled": "on", "options.workspace": workspace},
                              instance=integration, runner=integration.runner)
    return integration_submit(form=form, actor=actor).integration


def api_token_connection(tw, user, **kwargs):
    token = tw.cloud_token("api_token", scopes=["read:user:bitbucket", "read:workspace:bitbucket",
                                                "read:repository:bitbucket", "read:webhook:bitbucket",
                                                "write:webhook:bitbucket"])
    return connection_create_token(integration=tw.cloud, user=user, kind="api-token", login="alice@acme.example",
                                   token=token, **kwargs)


def test_a_repository_access_token_browses_its_workspace_and_may_pick_only_its_repository(token_world):
    tw = token_world
    token = tw.cloud_token("repository_access_token", repository="acme/webapp", scopes=["repository", "webhook"])
    connection = connection_create_token(integration=tw.cloud, user=tw.world.a.admin, kind="access-token",
                                         login="acme/webapp", token=token)

    assert [s.key for s in repositories.repository_sources(connection)] == ["acme"]
    page = repositories.repository_page(connection, "acme")

    assert {i.full_name: i.selectable for i in page.items} == {"acme/webapp": True}


def test_a_project_access_token_may_pick_the_project_repositories(token_world):
    tw = token_world
    token = tw.cloud_token("project_access_token", workspace="acme", project="PLAT", scopes=["repository", "webhook"])
    connection = connection_create_token(integration=tw.cloud, user=tw.world.a.admin, kind="access-token",
                                         login="acme", token=token)

    page = repositories.repository_page(connection, "acme")

    assert {i.full_name: i.selectable for i in page.items} == {"acme/api": True, "acme/webapp": True}


def test_the_workspace_limit_narrows_the_picker(token_world):
    tw = token_world
    tw.emulator.control("POST", "/cloud/workspaces", json={"slug": "alice-side", "members": {"alice-bb": "owner"}})
    connection = api_token_connection(tw, tw.world.a.admin)
    assert {s.key for s in repositories.repository_sources(connection)} == {"acme", "alice-side"}

    limit_workspace(tw.cloud, tw.world.a.admin, "acme")
    connection.integration.refresh_from_db()  # the picker's cache does not hold the answer from before the limit

    assert [s.key for s in repositories.repository_sources(connection)] == ["acme"]


def test_an_access_token_of_another_workspace_is_refused_when_the_integration_is_limited(token_world):
    tw = token_world
    limit_workspace(tw.cloud, tw.world.a.admin, "acme")
    tw.cloud.refresh_from_db()
    token = tw.cloud_token("workspace_access_token", workspace="other", scopes=["repository"])

    from integrations.connections.tokens import TokenRefused

    with pytest.raises(TokenRefused) as refused:
        connection_create_token(integration=tw.cloud, user=tw.world.a.admin, kind="access-token", login="other",
                                token=token)
    assert "limited to the workspace acme" in refused.value.message


def test_the_dialog_and_the_api_keep_the_workspace_in_the_options(token_world, client_for, api_client_for):
    tw, w = token_world, token_world.world
    url = reverse("integration_edit", args=["acme", tw.cloud.runner_id, tw.cloud.pk])
    modal = client_for(w.a.admin).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="options.workspace"' in modal and "Workspace (optional)" in modal
    server_url = reverse("integration_edit", args=["acme", tw.server.runner_id, tw.server.pk])
    assert "workspace" not in client_for(w.a.admin).get(server_url, HTTP_HX_REQUEST="true").content.decode()

    bad = client_for(w.a.admin).post(url, {"provider": "bitbucket-cloud", "pat_enabled": "on",
                                           "options.workspace": "no spaces"})
    assert bad.status_code == 200 and "A workspace slug is lower-case letters" in bad.content.decode()
    saved = client_for(w.a.admin).post(url, {"provider": "bitbucket-cloud", "pat_enabled": "on",
                                             "options.workspace": "Acme"})
    assert saved.status_code == 302
    assert ScmIntegration.objects.get(pk=tw.cloud.pk).options == {"workspace": "acme"}

    api = api_client_for(w.a.admin)
    detail = f"/api/v1/orgs/acme/runners/{tw.cloud.runner_id}/integrations/{tw.cloud.pk}/"
    body = api.get(detail).json()
    assert body["options"] == {"workspace": "acme"} and body["workspace"] == "acme"  # the old field still reads
    assert api.patch(detail, {"oauth_enabled": False}, format="json").json()["options"] == {"workspace": "acme"}
    bad = api.patch(detail, {"options": {"workspace": "no spaces allowed"}}, format="json")
    assert bad.status_code == 400 and "options.workspace" in bad.json()["error"]["fields"]
    assert api.patch(detail, {"options": {"workspace": "Other"}}, format="json").json()["options"] == {
        "workspace": "other"}
    # The top-level `workspace` of earlier versions is still accepted, checked the same way.
    bad = api.patch(detail, {"workspace": "no spaces allowed"}, format="json")
    assert bad.status_code == 400 and "options.workspace" in bad.json()["error"]["fields"]
    assert api.patch(detail, {"workspace": ""}, format="json").json()["workspace"] == ""
    assert ScmIntegration.objects.get(pk=tw.cloud.pk).options == {}


def test_a_project_installs_its_webhook_with_an_api_token(token_world, api_client_for,
                                                         django_capture_on_commit_callbacks):
    tw = token_world
    connection = api_token_connection(tw, tw.world.a.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(tw.world.a.admin).post(
            "/api/v1/orgs/acme/projects/", data=json.dumps({"connection": connection.pk, "repository": "acme/webapp"}),
            content_type="application/json")

    assert response.status_code == 201, response.content
    project = Project.objects.get()
    project.refresh_from_db()
    hooks = tw.emulator.control("GET", "/cloud/hooks", params={"repository": "acme/webapp"})
    assert [h["url"] for h in hooks] == [project.receiver_url]
    sent = tw.emulator.requests(path="/hooks$", method="POST")[-1]["headers"]["Authorization"]
    assert sent.startswith("Basic")


def test_a_shared_server_token_is_offered_to_every_admin_for_projects(token_world, client_for):
    tw, w = token_world, token_world.world
    token = tw.server_token(permissions=["REPO_ADMIN"])
    connection_create_token(integration=tw.server, user=w.a.admin, kind="http-access-token", login="alice",
                            token=token, shared=True)

    html = client_for(w.a.owner).get(reverse("project_new", args=["acme"])).content.decode()

    assert "Bitbucket Server" in html and token not in html


def test_a_project_access_token_of_the_limited_workspace_is_accepted(token_world):
    tw = token_world
    limit_workspace(tw.cloud, tw.world.a.admin, "acme")
    tw.cloud.refresh_from_db()
    token = tw.cloud_token("project_access_token", workspace="acme", project="PLAT", scopes=["repository"])

    connection = connection_create_token(integration=tw.cloud, user=tw.world.a.admin, kind="access-token",
                                         login="acme", token=token)

    assert connection.resource == "project PLAT in acme"
