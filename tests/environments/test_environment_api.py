"""New environment over the API, and the agent's report endpoint: the same service, the same refusals, one
error shape."""

from __future__ import annotations

import pytest

from environments.models import EnvironmentRequest, EnvironmentState
from integrations.models import Connection
from tests.environments.conftest import env_url
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db
API = "/api/v1/orgs/acme/environments/"


def test_create_list_and_read(env_setup, api_client_for):
    client = api_client_for(env_setup.world.a.member)
    created = client.post(API, {"runner": env_setup.runner.pk, "url": env_url(env_setup, "server", "/pull-requests/1")},
                          format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["repository"], body["ref"], body["pull_request"], body["state"]) == (
        "ACME/backend", "feature/api", 1, "pending")
    assert body["git_author_name"] == "Alice Liddell" and body["clone_url"].endswith("/scm/acme/backend.git")
    listed = client.get(API).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert client.get(f"{API}{body['id']}/").json()["commit"] == body["commit"]


def test_needs_connection_is_a_409_naming_the_url(env_setup, api_client_for):
    Connection.objects.all().delete()
    response = api_client_for(env_setup.world.a.member).post(
        API, {"runner": env_setup.runner.pk, "url": env_url(env_setup, "cloud")}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "needs_connection" and "Connect your Bitbucket account" in error["fields"]["url"][0]


@pytest.mark.parametrize(("body", "field"), [({"url": "https://bitbucket.org/a/b"}, "runner"),
                                             ({"runner": "x", "url": "https://bitbucket.org/a/b"}, "runner"),
                                             ({"runner": 1}, "url"), ({"runner": 1, "url": ["a"]}, "url")])
def test_bad_input_names_the_field(env_setup, api_client_for, body, field):
    response = api_client_for(env_setup.world.a.member).post(API, body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_another_orgs_runner_is_404(env_setup, api_client_for):
    other = register_runner(env_setup.world.b.org, env_setup.world.b.owner, name="globex-r").runner
    response = api_client_for(env_setup.world.a.member).post(
        API, {"runner": other.pk, "url": env_url(env_setup, "cloud")}, format="json")
    assert response.status_code == 404 and not EnvironmentRequest.objects.exists()


def test_a_runner_without_an_agent_is_refused(env_setup, api_client_for):
    from runners.models import Runner

    pending = Runner.objects.create(organization=env_setup.world.a.org, name="unregistered", region="x",
                                    cloud_provider="aws")
    response = api_client_for(env_setup.world.a.member).post(
        API, {"runner": pending.pk, "url": env_url(env_setup, "cloud")}, format="json")
    assert response.status_code == 400
    assert "has not registered its agent" in response.json()["error"]["fields"]["runner"][0]


# --- the agent's report ---------------------------------------------------------------------------


def report(client, env, **body):
    return client.post(f"/api/runner/v1/environments/{env.pk}/report", body, format="json")


@pytest.fixture
def requested(env_setup, api_client_for):
    client = api_client_for(env_setup.world.a.member)
    client.post(API, {"runner": env_setup.runner.pk, "url": env_url(env_setup, "cloud")}, format="json")
    return EnvironmentRequest.objects.get()


def test_report_started_then_repeat_is_idempotent_and_a_change_is_a_conflict(env_setup, requested):
    client = env_setup.runner_registration.agent_client()
    assert report(client, requested, state="started", detail="ready").json() == {"state": "started"}
    assert report(client, requested, state="started").status_code == 200
    conflict = report(client, requested, state="failed", reason="late")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "environment_finished"
    requested.refresh_from_db()
    assert (requested.state, requested.detail, requested.reason) == (EnvironmentState.STARTED, "ready", "")


def test_report_from_another_runner_is_404_and_bad_state_is_400(env_setup, requested):
    other = register_runner(env_setup.world.a.org, env_setup.world.a.admin, name="second")
    assert report(other.agent_client(), requested, state="started").status_code == 404
    own = env_setup.runner_registration.agent_client()
    bad = report(own, requested, state="exploded")
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]
    assert report(own, requested, state="failed", reason="x" * 3000).status_code == 400
    requested.refresh_from_db()
    assert requested.state == EnvironmentState.PENDING
