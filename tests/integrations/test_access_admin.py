"""The Runner admin's "Repository access" inline mirrors the dialog (issue 15 item 13): one line about the
secret, required scopes apart from optional ones, only the chosen provider's optional scopes, and the
callback URL before saving, the same URL the row has after saving."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from integrations.models import ScmIntegration
from tests.factories import staff_with_mfa
from tests.integrations.access_helpers import admin_post
from tests.runners.conftest import create_runner, register_runner

SECRET = "admin-inline-secret-9d2b"


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


@pytest.fixture
def operator(db, client_for):
    return client_for(staff_with_mfa())


def change_page(operator, runner) -> str:
    response = operator.get(reverse("admin:runners_runner_change", args=[runner.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row_html(html: str, prefix: str) -> str:
    """One inline row's HTML (`integrations-0`, or `integrations-empty`: the "Add another" template)."""
    start = html.index(f'id="{prefix}"')
    end = html.find('class="inline-related', start + 1)
    return html[start:end if end != -1 else None]


def field_row(html: str, name: str) -> str:
    """One field's row in an inline row: from its `form-row field-<name>` div to the next row's."""
    start = html.index(f"field-{name}")
    end = html.find('<div class="form-row', start)
    return html[start:end if end != -1 else None]


def saved(operator, runner, provider: str, **extra) -> ScmIntegration:
    data = {"provider": provider, "oauth_enabled": True, "client_id": "client-1", "client_secret": SECRET, **extra}
    assert admin_post(operator, runner, data).status_code == 302
    return ScmIntegration.objects.get(runner=runner, provider=provider)


def test_the_secret_is_one_line_saying_set_and_never_a_dash(reg, operator):
    saved(operator, reg.runner, "bitbucket-cloud")
    row = row_html(change_page(operator, reg.runner), "integrations-0")
    assert "field-secret_status" not in row
    secret = field_row(row, "client_secret")
    assert secret.count("Set. Leave empty to keep it, or enter a new one to replace it.") == 1
    assert ": -" not in re.sub(r"<[^>]+>", "", secret) and SECRET not in row


def test_required_scopes_apart_from_optional_ones(reg, operator):
    saved(operator, reg.runner, "bitbucket-cloud")
    row = row_html(change_page(operator, reg.runner), "integrations-0")
    required = field_row(row, "scopes_display")
    assert "Required scopes" in required and "<code>repository</code>" in required
    assert "webhook" not in required, "the optional webhook scope is not among the required ones"
    optional = field_row(row, "optional_scopes")
    assert 'value="webhook"' in optional
    assert 'value="read_api"' not in optional and "GitLab" not in optional, "only this provider's"


def test_a_new_row_groups_optional_scopes_by_provider_and_asks_for_a_provider_first(reg, operator):
    template = row_html(change_page(operator, reg.runner), "integrations-empty")
    optional = field_row(template, "optional_scopes")
    assert "Only the chosen provider" in optional
    assert '<option value="" selected>Choose a provider</option>' in field_row(template, "provider")
    assert re.search(r'data-provider="bitbucket-cloud"[^>]*value="webhook"|value="webhook"[^>]*'
                     r'data-provider="bitbucket-cloud"', optional)
    assert "<label>Bitbucket Cloud</label>" in optional, "each provider's scopes under its name"
    for name in ("scopes_display", "callback_url_display"):
        assert "Choose a provider first." in field_row(template, name)
        assert 'class="per-provider" data-provider="github"' in field_row(template, name)
    assert "js/admin-repository-access.js" in change_page(operator, reg.runner)


def test_a_new_row_shows_the_callback_url_it_will_have(reg, operator):
    template = row_html(change_page(operator, reg.runner), "integrations-empty")
    callback = field_row(template, "callback_url_display")
    assert "Shown after saving" not in callback
    shown = re.search(r'data-provider="github"[^>]*>GitHub: <code class="callback-url">([^<]+)</code>', callback)
    assert shown, callback
    assert "Enter the" in re.search(r'data-provider="bitbucket-server".*?</div>', callback, re.S)[0]
    github = saved(operator, reg.runner, "github")
    assert github.callback_url == shown[1]
    assert shown[1] in field_row(row_html(change_page(operator, reg.runner), "integrations-0"),
                                 "callback_url_display")


def test_the_admin_asks_for_a_hosts_callback_url_and_it_is_the_saved_one(reg, operator, settings):
    settings.SCM_ALLOW_PRIVATE_HOSTS = True
    url = reverse("admin:runners_runner_callback_url", args=[reg.runner.pk])
    answer = operator.get(url, {"provider": "gitlab", "host": "https://GitLab.Example.com/"}).json()
    assert answer["callback_url"].endswith("/login/callback/")
    assert operator.get(url, {"provider": "bitbucket-server", "host": ""}).json() == {"callback_url": ""}
    assert operator.get(url, {"provider": "no-such", "host": "x" * 5000}).json() == {"callback_url": ""}
    first = operator.get(url, {"provider": "github"}).json()["callback_url"]
    assert first == operator.get(url, {"provider": "github"}).json()["callback_url"], "stable"
    assert saved(operator, reg.runner, "github").callback_url == first


def test_the_callback_endpoint_is_for_operators_only(world, reg, client_for, operator):
    url = reverse("admin:runners_runner_callback_url", args=[reg.runner.pk])
    response = client_for(world.a.owner).get(url, {"provider": "github"})
    assert response.status_code == 302 and "callback" not in response.content.decode()
    assert operator.get(reverse("admin:runners_runner_callback_url", args=[999999])).status_code == 404


def test_a_runner_not_yet_saved_says_to_save_it_first(world, operator):
    html = operator.get(reverse("admin:runners_runner_add")).content.decode()
    assert "Save the runner first" in field_row(row_html(html, "integrations-empty"), "callback_url_display")


def test_a_runner_without_a_key_explains_the_secret_once(world, operator):
    runner, _ = create_runner(world.a.org, world.a.admin, "no-key-yet")
    secret = field_row(row_html(change_page(operator, runner), "integrations-empty"), "client_secret")
    assert secret.count("Waiting for the runner to register") == 1
