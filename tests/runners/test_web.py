"""Runner pages: admins manage, members read, outsiders see nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from runners.models import Runner
from runners.services import hash_token
from tests.runners.conftest import create_runner, register_runner

pytestmark = pytest.mark.django_db

NEW_RUNNER = {"name": "acme-gcp", "kind": "self-hosted", "cloud_provider": "gcp", "region": "europe-west1"}


@pytest.fixture
def runner(world):
    return create_runner(world.a.org, world.a.admin)[0]


def _urls(runner) -> dict[str, str]:
    slug = runner.organization.slug
    return {name: reverse(name, args=[slug, runner.pk]) for name in
            ("runner_detail", "runner_edit", "runner_delete", "runner_token_regenerate", "runner_status")}


def test_member_sees_list_and_detail_read_only(world, client_for, runner):
    client = client_for(world.a.member)
    page = client.get(reverse("runner_list", args=["acme"]))
    assert page.status_code == 200 and b"acme-aws" in page.content
    assert reverse("runner_create", args=["acme"]).encode() not in page.content
    detail = client.get(_urls(runner)["runner_detail"])
    assert detail.status_code == 200
    assert _urls(runner)["runner_edit"].encode() not in detail.content
    assert _urls(runner)["runner_token_regenerate"].encode() not in detail.content
    assert detail.context["org"] == world.a.org and detail.context["runner"] == runner
    assert detail.context["membership"].role == "member"


def test_member_cannot_create_edit_delete_or_regenerate(world, client_for, runner):
    client = client_for(world.a.member)
    urls = _urls(runner)
    assert client.get(reverse("runner_create", args=["acme"])).status_code == 403
    assert client.post(reverse("runner_create", args=["acme"]), NEW_RUNNER).status_code == 403
    assert client.post(urls["runner_edit"], {**NEW_RUNNER, "name": "renamed"}).status_code == 403
    assert client.post(urls["runner_delete"]).status_code == 403
    assert client.post(urls["runner_token_regenerate"]).status_code == 403
    runner.refresh_from_db()
    assert runner.name == "acme-aws" and Runner.objects.count() == 1


@pytest.mark.parametrize("who", ["outsider", "globex-owner"])
def test_outsiders_get_404(world, client_for, runner, who):
    user = world.outsider if who == "outsider" else world.b.owner
    client = client_for(user)
    assert client.get(reverse("runner_list", args=["acme"])).status_code == 404
    for url in _urls(runner).values():
        assert client.get(url).status_code in (404, 405)
        assert client.post(url).status_code == 404


def test_runner_of_another_org_is_404_even_under_your_own_org(world, client_for):
    foreign = create_runner(world.b.org, world.b.admin, name="globex-aws")[0]
    client = client_for(world.a.owner)
    for name in ("runner_detail", "runner_edit", "runner_delete", "runner_status"):
        assert client.get(reverse(name, args=["acme", foreign.pk])).status_code == 404
    assert client.post(reverse("runner_delete", args=["acme", foreign.pk])).status_code == 404
    assert Runner.objects.filter(pk=foreign.pk).exists()


def test_admin_creates_runner_and_sees_token_and_commands_once(world, client_for, settings):
    settings.PORTAL_BASE_URL = "https://portal.example"
    client = client_for(world.a.admin)
    created = client.post(reverse("runner_create", args=["acme"]), NEW_RUNNER)
    assert created.status_code == 302  # post/redirect/get: the token is not in the POST's answer
    response = client.get(created["Location"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    runner = Runner.objects.get(name="acme-gcp")
    token = response.context["token"]
    assert runner.registration_token_hash == hash_token(token) and runner.registration_token_active
    html = response.content.decode()
    assert (f"python -m runners.agent register --portal https://portal.example --token {token} "
            "--state-dir ~/.scm-runner") in html
    assert "python -m runners.agent run --state-dir ~/.scm-runner" in html
    assert 'hx-trigger="every 2s"' in html
    assert response.context["membership"].role == "admin"
    # Never again: a reload of that page, or the detail page, does not carry the token, and creates nothing.
    reload = client.get(created["Location"], follow=True)
    assert token not in reload.content.decode() and "was shown once" in reload.content.decode()
    assert Runner.objects.filter(name="acme-gcp").count() == 1
    detail = client.get(reverse("runner_detail", args=["acme", runner.pk])).content.decode()
    assert token not in detail
    assert 'hx-trigger="every 2s"' in detail  # the detail page, too, updates itself when the agent registers
    assert AuditEvent.objects.filter(action="runner.created", target_id=str(runner.pk)).exists()
    assert token not in str(list(AuditEvent.objects.values_list("before", "after")))


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "x", "kind": "self-hosted", "cloud_provider": "aws", "region": ""}, "region"),
    ({"name": "x", "kind": "self-hosted", "cloud_provider": "", "region": "eu-west-1"}, "cloud_provider"),
    ({"name": "x", "kind": "self-hosted", "cloud_provider": "aws", "region": "EU West!"}, "region"),
    ({"name": "bad name!", "kind": "desktop"}, "name"),
    ({"name": "acme-aws", "kind": "desktop"}, "name"),
])
def test_create_rejects_bad_input_with_field_errors(world, client_for, runner, data, field):
    response = client_for(world.a.admin).post(reverse("runner_create", args=["acme"]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Runner.objects.count() == 1


def test_desktop_runner_drops_cloud_fields(world, client_for):
    data = {"name": "alice-laptop", "kind": "desktop", "cloud_provider": "aws", "region": "eu-west-1"}
    assert client_for(world.a.admin).post(reverse("runner_create", args=["acme"]), data).status_code == 302
    runner = Runner.objects.get(name="alice-laptop")
    assert (runner.cloud_provider, runner.region) == ("", "")


def test_admin_edits_runner_with_audit_of_the_change(world, client_for, runner):
    response = client_for(world.a.admin).post(_urls(runner)["runner_edit"],
                                              {"name": "acme-aws-2", "kind": "self-hosted", "cloud_provider": "aws",
                                               "region": "us-east-1"})
    assert response.status_code == 302
    runner.refresh_from_db()
    assert (runner.name, runner.region) == ("acme-aws-2", "us-east-1")
    event = AuditEvent.objects.get(action="runner.updated")
    assert event.before == {"name": "acme-aws", "region": "eu-west-1"}
    assert event.after == {"name": "acme-aws-2", "region": "us-east-1"}


def test_rename_to_a_taken_name_is_refused(world, client_for, runner):
    create_runner(world.a.org, world.a.admin, name="taken")
    response = client_for(world.a.admin).post(_urls(runner)["runner_edit"], {**NEW_RUNNER, "name": "taken"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    runner.refresh_from_db()
    assert runner.name == "acme-aws"


def test_admin_deletes_runner_after_confirmation(world, client_for, runner):
    client = client_for(world.a.admin)
    confirm = client.get(_urls(runner)["runner_delete"])
    assert confirm.status_code == 200 and b"data-confirm" in confirm.content
    assert Runner.objects.filter(pk=runner.pk).exists()
    assert client.post(_urls(runner)["runner_delete"]).status_code == 302
    assert not Runner.objects.filter(pk=runner.pk).exists()
    assert AuditEvent.objects.filter(action="runner.deleted").exists()


def test_regenerate_token_shows_a_new_token_and_invalidates_the_old(world, client_for):
    runner, old = create_runner(world.a.org, world.a.admin)
    client = client_for(world.a.admin)
    assert client.get(_urls(runner)["runner_token_regenerate"]).status_code == 405
    response = client.post(_urls(runner)["runner_token_regenerate"], follow=True)
    assert response.status_code == 200 and response.redirect_chain
    new = response.context["token"]
    runner.refresh_from_db()
    assert new != old and runner.registration_token_hash == hash_token(new)


def test_status_partial_polls_until_registered_then_sends_htmx_on(world, client_for, runner):
    client = client_for(world.a.member)
    url = _urls(runner)["runner_status"] + "?waiting=1"
    waiting = client.get(url, HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 2s"' in waiting.content and b"Waiting for the runner to register" in waiting.content
    assert "HX-Redirect" not in waiting
    registered = register_runner(world.a.org, world.a.admin, name="acme-desktop")
    url = reverse("runner_status", args=["acme", registered.runner.pk]) + "?waiting=1"
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == reverse("runner_detail", args=["acme", registered.runner.pk])
    assert b"hx-trigger" not in done.content
    # Without htmx: a plain link on.
    assert reverse("runner_detail", args=["acme", registered.runner.pk]).encode() in client.get(url).content


def test_detail_shows_fingerprint_and_status(world, client_for):
    registered = register_runner(world.a.org, world.a.admin)
    page = client_for(world.a.member).get(reverse("runner_detail", args=["acme", registered.runner.pk]))
    assert registered.runner.key_fingerprint.encode() in page.content
    assert b'data-status="online"' in page.content


def test_empty_state(world, client_for):
    page = client_for(world.a.admin).get(reverse("runner_list", args=["acme"]))
    assert b"No runners yet" in page.content


def test_nav_and_dashboard_link_to_runners(world, client_for):
    page = client_for(world.a.member).get(reverse("org_dashboard", args=["acme"]))
    assert page.content.count(reverse("runner_list", args=["acme"]).encode()) >= 2


@pytest.mark.parametrize("count", [1, 50])
def test_list_query_count_does_not_grow_with_runners(world, client_for, django_assert_max_num_queries, count):
    for i in range(count):
        register_runner(world.a.org, world.a.admin, name=f"runner-{i:02d}", online=i % 2 == 0)
    client = client_for(world.a.member)
    # 6, 1 for the two-factor gate (portal.mfa: is this user an owner or admin where it is required?), and
    # 1 for the broken-connection banner every page carries.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("runner_list", args=["acme"]))
    assert response.status_code == 200
    assert response.content.count(b'data-status="') == count
