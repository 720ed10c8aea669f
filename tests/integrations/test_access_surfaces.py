"""The dialog, the Django admin inline and the API take the same input with the same rules,
and none of them ever writes or shows the client secret in plain text."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrations.models import ScmIntegration
from tests.factories import staff_with_mfa
from tests.integrations.access_helpers import admin_post, api_post, dialog_post
from tests.runners.conftest import register_runner

SECRET = "plain-secret-7f3a9c-never-stored"

# Input every surface must refuse, and the field the refusal names.
BAD_INPUT = [
    ({"provider": "github", "client_id": "abc"}, "oauth_enabled"),  # neither method on
    ({"provider": "github", "oauth_enabled": True}, "client_id"),
    ({"provider": "github", "oauth_enabled": True, "client_id": "has space"}, "client_id"),
    ({"provider": "bitbucket-cloud", "oauth_enabled": True, "client_id": "key"}, "client_secret"),
    ({"provider": "nope", "pat_enabled": True}, "provider"),
    ({"provider": "bitbucket-server", "pat_enabled": True, "host": ""}, "host"),
    ({"provider": "bitbucket-server", "pat_enabled": True, "host": "https://u:p@git.example.com"}, "host"),
    ({"provider": "bitbucket-server", "pat_enabled": True, "host": "gopher://git.example.com"}, "host"),
]


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


@pytest.fixture
def operator(db):
    return staff_with_mfa()  # staff must have a second factor


def _api_error_fields(response) -> set[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    return set(body["error"]["fields"])


def _html_error_fields(response) -> set[str]:
    assert response.status_code == 200  # re-rendered with errors, not redirected
    if "inline_admin_formsets" in response.context:  # the admin: the Repository access inline's new row
        (formset,) = [
            f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "integrations"
        ]
        return set(formset.forms[0].errors)
    return set(response.context["form"].errors)


@pytest.mark.parametrize("data, field", BAD_INPUT)
def test_every_surface_rejects_the_same_input_naming_the_same_field(
    world, reg, operator, client_for, api_client_for, data, field
):
    dialog = _html_error_fields(dialog_post(client_for(world.a.admin), reg.runner, data))
    admin = _html_error_fields(admin_post(client_for(operator), reg.runner, data))
    api = _api_error_fields(api_post(api_client_for(world.a.admin), reg.runner, data))
    assert field in dialog and field in admin and field in api
    assert dialog == admin == api - {"__all__"} | (dialog & {"__all__"})
    assert not ScmIntegration.objects.exists()


def test_the_api_names_unknown_fields_and_wrong_types(world, reg, api_client_for):
    api = api_client_for(world.a.admin)
    assert _api_error_fields(api_post(api, reg.runner, {"provider": "github", "secret_sealed_elsewhere": "x"})) == {
        "secret_sealed_elsewhere"
    }
    assert _api_error_fields(api_post(api, reg.runner, {"provider": "github", "pat_enabled": "yes"})) == {"pat_enabled"}
    assert (
        api.post(
            reverse("api_integration_list", args=["acme", reg.runner.pk]), "not json", content_type="application/json"
        ).status_code
        == 400
    )


def _configure_everywhere(world, reg, operator, client_for, api_client_for) -> list[ScmIntegration]:
    good = {"oauth_enabled": True, "pat_enabled": True, "client_id": "client-1", "client_secret": SECRET}
    assert (
        dialog_post(client_for(world.a.admin), reg.runner, {"provider": "bitbucket-cloud", **good}).status_code == 302
    )
    assert admin_post(client_for(operator), reg.runner, {"provider": "github", **good}).status_code == 302
    response = api_post(api_client_for(world.a.admin), reg.runner, {"provider": "gitlab", **good})
    assert response.status_code == 201, response.content
    assert response.json()["client_secret_set"] is True and "client_secret" not in response.json()
    return list(ScmIntegration.objects.order_by("provider"))


def test_after_configuring_everywhere_no_table_or_log_holds_the_secret(
    world, reg, operator, client_for, api_client_for, caplog
):
    caplog.set_level(logging.DEBUG)
    integrations = _configure_everywhere(world, reg, operator, client_for, api_client_for)
    assert [i.provider for i in integrations] == ["bitbucket-cloud", "github", "gitlab"]
    assert all(i.secret_state == "set" for i in integrations)
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)  # every table of every app
    assert SECRET not in dump.getvalue()
    assert SECRET not in caplog.text
    # ...and no page or API response shows it back.
    admin_page = client_for(operator).get(reverse("admin:runners_runner_change", args=[reg.runner.pk]))
    detail = client_for(world.a.admin).get(reverse("runner_detail", args=["acme", reg.runner.pk]))
    listing = api_client_for(world.a.admin).get(reverse("api_integration_list", args=["acme", reg.runner.pk]))
    for response in (admin_page, detail, listing):
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
    assert all(row["client_secret_set"] for row in listing.json()["results"])


def test_the_edit_dialog_shows_set_with_replace_and_never_the_value(world, reg, client_for):
    client = client_for(world.a.admin)
    dialog_post(
        client, reg.runner, {"provider": "github", "oauth_enabled": True, "client_id": "abc", "client_secret": SECRET}
    )
    integration = ScmIntegration.objects.get()
    page = client.get(reverse("integration_edit", args=["acme", reg.runner.pk, integration.pk]), HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert 'id="secret-set"' in html and "Enter a new secret to replace it" in html
    assert SECRET not in html and integration.client_secret_sealed not in html
    assert 'class="modal-backdrop"' in html  # htmx gets the partial alone
    assert "<html" not in html


def test_the_dialog_shows_the_callback_url_and_scopes_with_reasons(world, reg, client_for):
    page = client_for(world.a.admin).get(
        reverse("integration_add", args=["acme", reg.runner.pk]) + "?provider=bitbucket-cloud"
    )
    html = page.content.decode()
    assert "http://testserver" not in html
    assert "/accounts/scm/" in html and "/login/callback/" in html
    for scope, reason in [
        ("account", "git author"),
        ("repository", "clone repositories"),
        ("repository:write", "push from environments"),
        ("pullrequest", "pull requests"),
        ("issue", "issues"),
    ]:
        assert f"<code>{scope}</code>" in html and reason in html
    assert "Bitbucket calls them Key and Secret" in html


def test_switching_provider_carries_the_client_id_and_toggles_but_never_a_secret(world, reg, client_for):
    """Issue 15 item 10, the portal's half: the provider select sends what every provider has; a
    `client_secret` in the query (a hand-made URL) is not rendered back."""
    url = reverse("integration_add", args=["acme", reg.runner.pk])
    page = client_for(world.a.admin).get(url, {"provider": "gitlab", "switched": "1", "client_id": "kept-id",
                                                "pat_enabled": "on", "client_secret": SECRET},
                                         HTTP_HX_REQUEST="true")
    form = page.context["form"]
    assert form.spec.id == "gitlab" and form["client_id"].value() == "kept-id"
    assert form["oauth_enabled"].value() is False and form["pat_enabled"].value() is True
    html = page.content.decode()
    assert 'value="kept-id"' in html and SECRET not in html
    assert 'id="oauth-section" data-shown-by="#id_oauth_enabled" hidden' in html
    # Without `switched` (the provider picker, a link) the defaults apply.
    fresh = client_for(world.a.admin).get(url, {"provider": "gitlab", "client_id": "ignored"}).context["form"]
    assert fresh["client_id"].value() in (None, "") and fresh["oauth_enabled"].value() is True


@pytest.mark.parametrize("provider", ["bitbucket-cloud", "bitbucket-server", "github", "gitlab", "azure-devops"])
def test_every_field_the_dialog_shows_has_a_maxlength(world, reg, client_for, provider):
    """Issue 15 item 9: the browser stops typing where the form would refuse."""
    html = client_for(world.a.admin).get(reverse("integration_add", args=["acme", reg.runner.pk]),
                                         {"provider": provider}).content.decode()
    inputs = re.findall(r"<input\b[^>]*>", html)
    typed = [i for i in inputs if re.search(r'type="(text|url|password)"', i) and "readonly" not in i]
    assert typed and all("maxlength=" in i for i in typed), [i for i in typed if "maxlength=" not in i]


def test_overlong_input_gets_one_message_per_field_in_the_dialog(world, reg, client_for):
    response = dialog_post(client_for(world.a.admin), reg.runner, {
        "provider": "bitbucket-server", "host": "https://" + "h" * 5000 + ".example", "oauth_enabled": True,
        "client_id": "c" * 10_000, "client_secret": SECRET})
    errors = response.context["form"].errors
    assert len(errors["host"]) == 1 and "255" in errors["host"][0]
    assert len(errors["client_id"]) == 1 and "255" in errors["client_id"][0]
    assert SECRET not in response.content.decode()


def test_removal_warns_how_many_connections_depend_on_it(world, reg, client_for):
    from integrations.models import Connection

    client = client_for(world.a.admin)
    dialog_post(client, reg.runner, {"provider": "github", "pat_enabled": True})
    integration = ScmIntegration.objects.get()
    for user in (world.a.member, world.a.admin):
        Connection.objects.create(organization=world.a.org, integration=integration, user=user, method="api-token")
    url = reverse("integration_remove", args=["acme", reg.runner.pk, integration.pk])
    assert "2 user connections" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not ScmIntegration.objects.exists() and not Connection.objects.exists()


def test_members_see_the_list_but_cannot_change_it(world, reg, client_for, api_client_for):
    admin = client_for(world.a.admin)
    dialog_post(admin, reg.runner, {"provider": "github", "pat_enabled": True})
    integration = ScmIntegration.objects.get()
    member = client_for(world.a.member)
    page = member.get(reverse("runner_detail", args=["acme", reg.runner.pk])).content.decode()
    assert "GitHub" in page and "Add a new provider" not in page and "integration_edit" not in page
    assert member.get(reverse("integration_add", args=["acme", reg.runner.pk])).status_code == 403
    assert member.post(reverse("integration_remove", args=["acme", reg.runner.pk, integration.pk])).status_code == 403
    api = api_client_for(world.a.member)
    assert api.get(reverse("api_integration_list", args=["acme", reg.runner.pk])).status_code == 200
    response = api.patch(
        reverse("api_integration_detail", args=["acme", reg.runner.pk, integration.pk]),
        {"pat_enabled": False},
        format="json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert ScmIntegration.objects.get().pat_enabled is True


@pytest.mark.parametrize("count", [1, 30])
def test_runner_page_queries_do_not_grow_with_providers(world, reg, client_for, django_assert_max_num_queries, count):
    for n in range(count):
        ScmIntegration.objects.create(
            organization=world.a.org,
            runner=reg.runner,
            provider="gitlab",
            host=f"https://gitlab{n}.example.com",
            pat_enabled=True,
            oauth_enabled=False,
        )
    client = client_for(world.a.admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("runner_detail", args=["acme", reg.runner.pk]))
    assert response.content.decode().count('data-provider="gitlab"') == count


def test_api_update_and_delete(world, reg, api_client_for):
    api = api_client_for(world.a.admin)
    missing = api_post(api, reg.runner, {"provider": "azure-devops", "pat_enabled": True, "oauth_enabled": False})
    assert missing.status_code == 400 and "options.organization" in missing.json()["error"]["fields"]
    created = api_post(api, reg.runner, {"provider": "azure-devops", "pat_enabled": True, "oauth_enabled": False,
                                         "options": {"organization": "fabrikam"}})
    assert created.status_code == 201
    body = created.json()
    assert body["options"] == {"organization": "fabrikam", "tenant": "organizations"}
    assert body["scopes"] and all({"name", "reason", "required"} <= set(s) for s in body["scopes"])
    url = reverse("api_integration_detail", args=["acme", reg.runner.pk, body["id"]])
    patched = api.patch(url, {"oauth_enabled": True, "client_id": "app-id", "client_secret": SECRET}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["secret_state"] == "set" and SECRET not in json.dumps(patched.json())
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
