"""New environment through the page and the service: a request resolved as the user, handed to the runner as
an `environment` job whose clone credential is sealed to the runner; Connect first when the user has no
connection for the URL's host on that runner; every refusal names the field and writes nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from environments.models import EnvironmentRequest, EnvironmentState
from integrations.models import Connection
from portal.crypto import decrypt_str
from portal.models import AuditEvent
from runners.models import RunnerJob
from runners.protocol.jobs import JobKind
from tests.environments.conftest import env_url

pytestmark = pytest.mark.django_db
NEW = "/orgs/acme/environments/new/"


def post_new(client, setup, url, runner=None):
    return client.post(NEW, {"runner": (runner or setup.runner).pk, "url": url})


def test_cloud_pull_request_becomes_a_request_and_an_environment_job(env_setup, client_for):
    member = env_setup.world.a.member
    response = post_new(client_for(member), env_setup, env_url(env_setup, "cloud", "/pull-requests/1"))
    env = EnvironmentRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orgs/acme/environments/{env.pk}/"
    seeded = env_setup.seeded["cloud"]
    assert (env.user, env.runner, env.integration) == (member, env_setup.runner, env_setup.cloud)
    assert (env.provider, env.repository, env.kind) == ("bitbucket-cloud", "acme/webapp", "pull_request")
    assert (env.ref, env.commit, env.pull_request) == ("feature/login", seeded["branches"]["feature/login"], 1)
    assert (env.git_author_name, env.state) == ("Alice Liddell", EnvironmentState.PENDING)
    assert env.clone_url == f"{env_setup.emulator.cloud_web_url}/acme/webapp.git"
    job = RunnerJob.objects.get(pk=env.job_id)
    assert (job.runner_id, job.kind, job.state) == (env_setup.runner.pk, JobKind.ENVIRONMENT, "pending")
    payload = json.loads(decrypt_str(job.payload_encrypted))
    assert payload["environment_request_id"] == env.pk and payload["commit"] == env.commit
    assert payload["commit_api_url"].endswith(f"/2.0/repositories/acme/webapp/commit/{env.commit}")
    # The token travels only sealed to the runner's key: not in the payload, not on the row.
    token = env_setup.connections["cloud"].access_token
    assert token not in json.dumps(payload) and token not in str(EnvironmentRequest.objects.values().get())
    assert AuditEvent.objects.filter(action="environment.requested", actor=member).count() == 1


def test_detail_and_list_pages_show_what_was_resolved(env_setup, client_for, django_assert_max_num_queries):
    client = client_for(env_setup.world.a.member)
    post_new(client, env_setup, env_url(env_setup, "server", "/browse?at=refs/tags/release-1"))
    post_new(client, env_setup, env_url(env_setup, "cloud", "/issues/1"))
    env = EnvironmentRequest.objects.get(provider="bitbucket-server")
    detail = client.get(reverse("environment_detail", args=["acme", env.pk])).content.decode()
    assert "release-1" in detail and env.commit in detail and "Waiting for the runner" in detail
    with django_assert_max_num_queries(8):
        listing = client.get("/orgs/acme/environments/").content.decode()
    assert "ACME/backend" in listing and "acme/webapp" in listing and "Issue #1" in listing
    assert "alice/login-button-is-misaligned-1" in client.get(
        reverse("environment_detail", args=["acme", EnvironmentRequest.objects.get(issue=1).pk])).content.decode()


def test_without_a_connection_the_page_offers_connect_and_keeps_the_url(env_setup, client_for):
    Connection.objects.filter(integration=env_setup.server).delete()
    url = env_url(env_setup, "server", "/pull-requests/1/overview")
    response = post_new(client_for(env_setup.world.a.member), env_setup, url)
    page = response.content.decode()
    assert response.status_code == 200 and not EnvironmentRequest.objects.exists()
    assert "Connect Bitbucket Server first" in page
    assert reverse("scm_login", kwargs={"provider_id": env_setup.server.oauth_key}) in page
    assert f'value="{url}"' in page.replace("&amp;", "&")  # the pasted URL stays in the form
    assert "continue%3D1" in page  # the full-page fallback comes back and carries on


def test_a_broken_connection_asks_to_reconnect(env_setup, client_for):
    Connection.objects.filter(integration=env_setup.cloud).update(status="revoked")
    page = post_new(client_for(env_setup.world.a.member), env_setup, env_url(env_setup, "cloud")).content.decode()
    assert "Your Bitbucket connection is revoked" in page and not EnvironmentRequest.objects.exists()


def test_another_users_connection_does_not_count(env_setup, client_for):
    # The connections belong to the member; the admin has none of their own.
    page = post_new(client_for(env_setup.world.a.admin), env_setup, env_url(env_setup, "cloud")).content.decode()
    assert "Connect Bitbucket first" in page and not EnvironmentRequest.objects.exists()


@pytest.mark.parametrize(("url", "message"), [
    ("https://example.com/x/y", "example.com is not a host the portal knows"),
    # Said before "no repository access" or "connect first": configuring GitHub would not help yet.
    ("https://github.com/octo/hello/pull/3", "Environments are Bitbucket-only for now: the portal recognises this "
                                             "GitHub URL but cannot look it up at GitHub yet."),
    ("https://gitlab.com/group/sub/app/-/merge_requests/4", "cannot look it up at GitLab yet. Paste a Bitbucket "
                                                           "Cloud or Bitbucket Server / Data Center URL."),
    ("https://bitbucket.org/acme/webapp", "has no repository access to Bitbucket Cloud at https://bitbucket.org"),
    ("", "This field is required"),
])
def test_refusals_name_the_url_and_write_nothing(env_setup, client_for, url, message):
    response = post_new(client_for(env_setup.world.a.member), env_setup, url)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not EnvironmentRequest.objects.exists() and not RunnerJob.objects.exists()


def test_a_missing_pull_request_is_named(env_setup, client_for):
    response = post_new(client_for(env_setup.world.a.member), env_setup, env_url(env_setup, "cloud",
                                                                                 "/pull-requests/9"))
    assert response.status_code == 400 and "Pull request #9 does not exist in acme/webapp" in response.content.decode()


def test_another_orgs_runner_cannot_be_chosen(env_setup, client_for):
    from runners.models import Runner

    other = Runner.objects.create(organization=env_setup.world.b.org, name="globex-r", region="x",
                                  cloud_provider="aws")
    response = post_new(client_for(env_setup.world.a.member), env_setup, env_url(env_setup, "cloud"), runner=other)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not EnvironmentRequest.objects.exists()


def test_other_users_requests_are_invisible(env_setup, client_for):
    post_new(client_for(env_setup.world.a.member), env_setup, env_url(env_setup, "cloud"))
    env = EnvironmentRequest.objects.get()
    owner = client_for(env_setup.world.a.owner)
    assert owner.get(reverse("environment_detail", args=["acme", env.pk])).status_code == 404
    assert "acme/webapp" not in owner.get("/orgs/acme/environments/").content.decode()
    assert client_for(env_setup.world.b.owner).get(f"/orgs/acme/environments/{env.pk}/").status_code == 404


def test_get_prefills_from_the_query_and_autosubmits_only_when_continuing(env_setup, client_for):
    client = client_for(env_setup.world.a.member)
    url = env_url(env_setup, "cloud", "/pull-requests/1")
    plain = client.get(NEW, {"url": url, "runner": env_setup.runner.pk}).content.decode()
    continuing = client.get(NEW, {"url": url, "runner": env_setup.runner.pk, "continue": "1"}).content.decode()
    assert url in plain and "data-continue-now" not in plain
    assert "data-continue-now" in continuing


def test_pages_run_a_constant_number_of_queries(env_setup, client_for, django_assert_max_num_queries):
    client = client_for(env_setup.world.a.member)
    for tail in ("", "/pull-requests/1", "/issues/1"):
        post_new(client, env_setup, env_url(env_setup, "cloud", tail))
    env = EnvironmentRequest.objects.first()
    # 9: every page also asks once for the broken-connection banner (connection health).
    with django_assert_max_num_queries(9):
        assert client.get(NEW).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("environment_detail", args=["acme", env.pk])).status_code == 200
