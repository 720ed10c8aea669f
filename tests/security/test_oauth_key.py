"""The key in an integration's callback URL is the server's, and stable (F7; issue 15 item 1).

It came from a hidden field: another org's key posted back was an IntegrityError (a 500 that confirmed the
key exists), and every opening of the dialog showed a new URL, so the one copied into Bitbucket broke."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from integrations.models import ScmIntegration
from tests.integrations.access_helpers import dialog_post
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db

CALLBACK = re.compile(r'id="callback-url" readonly value="([^"]+)"')


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


def shown_callback(client, runner, provider: str) -> str:
    page = client.get(reverse("integration_add", args=["acme", runner.pk]), {"provider": provider}).content.decode()
    return CALLBACK.search(page).group(1)


def cloud(client, runner, **extra):
    return dialog_post(client, runner, {"provider": "bitbucket-cloud", "pat_enabled": True, **extra})


def test_a_key_posted_by_the_browser_is_ignored(world, reg, client_for):
    other_runner = register_runner(world.b.org, world.b.admin, name="globex-aws").runner
    theirs = cloud(client_for(world.b.admin), other_runner)
    assert theirs.status_code == 302
    their_key = ScmIntegration.objects.get(runner=other_runner).oauth_key

    response = cloud(client_for(world.a.admin), reg.runner, oauth_key=their_key)
    assert response.status_code == 302
    mine = ScmIntegration.objects.get(runner=reg.runner)
    assert mine.oauth_key != their_key


def test_the_url_shown_before_saving_is_stable_and_is_the_saved_one(world, reg, client_for):
    client = client_for(world.a.admin)
    first = shown_callback(client, reg.runner, "bitbucket-cloud")
    assert shown_callback(client, reg.runner, "github") != first
    assert shown_callback(client, reg.runner, "bitbucket-cloud") == first  # reopened / switched back
    assert cloud(client, reg.runner).status_code == 302
    integration = ScmIntegration.objects.get()
    assert integration.callback_url == first
    edit = client.get(reverse("integration_edit", args=["acme", reg.runner.pk, integration.pk])).content.decode()
    assert CALLBACK.search(edit).group(1) == first


def test_a_removed_and_added_again_integration_keeps_its_url(world, reg, client_for):
    client = client_for(world.a.admin)
    cloud(client, reg.runner)
    before = ScmIntegration.objects.get()
    client.post(reverse("integration_remove", args=["acme", reg.runner.pk, before.pk]))
    cloud(client, reg.runner)
    assert ScmIntegration.objects.get().callback_url == before.callback_url


def test_each_runner_and_host_has_its_own_url(world, reg, client_for):
    other = register_runner(world.a.org, world.a.admin, name="acme-gcp").runner
    client = client_for(world.a.admin)
    assert shown_callback(client, reg.runner, "bitbucket-cloud") != shown_callback(client, other, "bitbucket-cloud")
    url = reverse("integration_callback_url", args=["acme", reg.runner.pk])
    one = client.get(url, {"provider": "bitbucket-server", "host": "https://git.example.com/bitbucket"})
    same = client.get(url, {"provider": "bitbucket-server", "host": "HTTPS://Git.Example.com/bitbucket/"})
    two = client.get(url, {"provider": "bitbucket-server", "host": "https://git2.example.com"})
    assert CALLBACK.search(one.content.decode()).group(1) == CALLBACK.search(same.content.decode()).group(1)
    assert CALLBACK.search(one.content.decode()).group(1) != CALLBACK.search(two.content.decode()).group(1)


def test_a_server_host_shows_its_url_once_typed_and_keeps_it_after_saving(world, reg, client_for, emulator):
    client = client_for(world.a.admin)
    page = client.get(reverse("integration_add", args=["acme", reg.runner.pk]), {"provider": "bitbucket-server"})
    assert "appears here once the host URL above is entered" in page.content.decode()
    typed = client.get(reverse("integration_callback_url", args=["acme", reg.runner.pk]),
                       {"provider": "bitbucket-server", "host": emulator.server_url})
    shown = CALLBACK.search(typed.content.decode()).group(1)
    saved = dialog_post(client, reg.runner, {"provider": "bitbucket-server", "host": emulator.server_url,
                                             "pat_enabled": True})
    assert saved.status_code == 302
    assert ScmIntegration.objects.get().callback_url == shown


def test_the_callback_preview_is_for_admins_of_the_runners_org(world, reg, client_for):
    url = reverse("integration_callback_url", args=["acme", reg.runner.pk])
    assert client_for(world.a.member).get(url, {"provider": "bitbucket-cloud"}).status_code == 403
    assert client_for(world.b.admin).get(url, {"provider": "bitbucket-cloud"}).status_code == 404
