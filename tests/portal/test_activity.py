"""The Activity page (issue 15 item 8): the trail records only what changed, reads as a field-by-field diff
in words, never shows a secret, filters by actor, action and target, and still reads rows written before."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from integrations.models import ScmIntegration
from portal.models import AuditEvent
from tests.factories import AuditEventFactory, UserFactory
from tests.integrations.access_helpers import dialog_post
from tests.runners.conftest import register_runner

SECRET = "activity-secret-4c1e-never-shown"
GITHUB = {"provider": "github", "oauth_enabled": True, "pat_enabled": True, "client_id": "Iv1.first"}


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


@pytest.fixture
def github(world, reg, client_for):
    """GitHub on acme's runner, saved through the dialog with a secret; the admin's client beside it."""
    client = client_for(world.a.admin)
    assert dialog_post(client, reg.runner, {**GITHUB, "client_secret": SECRET}).status_code == 302
    return ScmIntegration.objects.get(), client


def edits(integration) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="integration.updated", target_id=str(integration.pk)))


def text_of(html: bytes) -> str:
    """The page as a person reads it: tags gone, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def table_text(response) -> str:
    """The Activity table alone (the filter selects name actors and actions too)."""
    html = response.content.decode()
    match = re.search(r'<table[^>]*id="activity".*?</table>', html, re.S)
    return text_of(match[0].encode()) if match else ""


def activity(client, **params):
    return client.get(reverse("org_activity", args=["acme"]), params)


def test_a_save_that_changes_one_field_records_that_field_and_reads_as_words(world, reg, github):
    integration, client = github
    assert dialog_post(client, reg.runner, {**GITHUB, "oauth_enabled": False}, integration).status_code == 302
    [event] = edits(integration)
    assert (event.before, event.after) == ({"oauth_enabled": True}, {"oauth_enabled": False})
    page = table_text(activity(client))
    assert "OAuth: on → off" in page
    assert "Repository access updated" in page
    assert "{'" not in page and "oauth_enabled" not in page, "no raw Python dict or field name"


def test_a_save_that_changes_nothing_writes_no_event(world, reg, github):
    integration, client = github
    assert dialog_post(client, reg.runner, GITHUB, integration).status_code == 302
    assert edits(integration) == []


def test_a_replaced_secret_says_replaced_and_never_shows_a_value(world, reg, github):
    integration, client = github
    assert dialog_post(client, reg.runner, {**GITHUB, "client_secret": "another-" + SECRET},
                       integration).status_code == 302
    [event] = edits(integration)
    assert (event.before, event.after) == ({}, {"client_secret_replaced": True})
    response = activity(client)
    assert "Client secret: replaced" in text_of(response.content)
    assert SECRET not in response.content.decode() and "[redacted]" not in response.content.decode()
    assert SECRET not in str(list(AuditEvent.objects.values_list("before", "after")))


def test_a_save_that_leaves_the_secret_alone_does_not_mention_it(world, reg, github):
    integration, client = github
    dialog_post(client, reg.runner, {**GITHUB, "client_id": "Iv1.second", "client_secret": "s"}, integration)
    dialog_post(client, reg.runner, {**GITHUB, "client_id": "Iv1.second", "pat_enabled": False}, integration)
    last = edits(integration)[0]
    assert (last.before, last.after) == ({"pat_enabled": True}, {"pat_enabled": False})
    newest_row = table_text(activity(client)).split("admin@acme.example")[1]
    assert "Personal access tokens: on → off" in newest_row and "Client secret" not in newest_row


def test_the_creation_lists_what_was_set_in_words(world, reg, github):
    _, client = github
    page = table_text(activity(client))
    assert "Repository access created" in page
    assert "Client ID: Iv1.first" in page and "Client secret: set" in page and "OAuth: on" in page
    assert page.index("Provider: GitHub") < page.index("Host:") < page.index("OAuth: on") < page.index("Client ID")
    assert "Optional scopes" not in page and "Provider options" not in page, "empty settings say nothing"


def test_provider_options_are_kept_as_an_object_and_read_key_by_key(world, reg, client_for):
    from portal.audit import audit_record

    event = audit_record(organization=world.a.org, actor=world.a.admin, action="integration.updated",
                         before={"options": {"workspace": "acme"}},
                         after={"options": {"workspace": "acme-2", "api_token": "tok-1"}})
    event.refresh_from_db()
    assert event.after == {"options": {"workspace": "acme-2", "api_token": "[redacted]"}}
    # A row from before: the options as Python's repr of a dict, in a string.
    AuditEventFactory(organization=world.a.org, action="integration.updated",
                      before={"options": "{'workspace': 'old'}"}, after={"options": "{'workspace': 'new'}"})
    page = table_text(activity(client_for(world.a.owner)))
    assert "Provider options: Workspace: acme → Api token: hidden, Workspace: acme-2" in page
    assert "Provider options: Workspace: old → Workspace: new" in page and "{" not in page


def test_rows_written_before_the_diff_still_read_as_a_diff(world, client_for):
    """The old shape: whole before/after objects, and a "[redacted]" secret_replaced on every save."""
    whole = {"provider": "bitbucket-cloud", "host": "https://bitbucket.org", "oauth_enabled": False,
             "pat_enabled": True, "client_id": "key", "client_secret_set": True, "optional_scopes": [],
             "options": {"workspace": "acme"}}
    AuditEventFactory(organization=world.a.org, actor_label="admin@acme.example", action="integration.updated",
                      target_type="integrations.scmintegration", target_id="999", target_label="Bitbucket on old",
                      before=whole, after={**whole, "oauth_enabled": True, "options": {"workspace": "acme-2"},
                                           "secret_replaced": "[redacted]"})
    AuditEventFactory(organization=world.a.org, action="odd.shape", before=["not", "a", "dict"], after="text")
    response = activity(client_for(world.a.owner))
    assert response.status_code == 200
    page = text_of(response.content)
    assert "OAuth: off → on" in page and "Provider options: Workspace: acme → Workspace: acme-2" in page
    assert "redacted" not in page and "Secret replaced" not in page and "Client ID" not in page


def _three_kinds_of_activity(world, reg, github):
    integration, client = github
    dialog_post(client, reg.runner, {**GITHUB, "pat_enabled": False}, integration)
    client_for_owner = client.__class__()
    client_for_owner.force_login(world.a.owner)
    client_for_owner.post(reverse("org_settings", args=["acme"]), {"name": "Acme Renamed"})
    return integration, client_for_owner


def test_filters_by_actor_action_and_target(world, reg, github):
    integration, owner = _three_kinds_of_activity(world, reg, github)
    html = activity(owner).content.decode()
    for name in ("actor", "action", "target"):
        assert f'<select name="{name}"' in html
    by_owner = table_text(activity(owner, actor=world.a.owner.email))
    assert "Organization updated" in by_owner and "Repository access" not in by_owner
    updated = table_text(activity(owner, action="integration.updated"))
    assert "Personal access tokens: on → off" in updated and "Organization updated" not in updated
    assert "Repository access created" not in updated
    by_kind = table_text(activity(owner, target="integrations.scmintegration"))
    assert "Repository access created" in by_kind and "Organization updated" not in by_kind
    one = activity(owner, target=f"integrations.scmintegration:{integration.pk}")
    assert "Repository access created" in table_text(one) and "Organization updated" not in table_text(one)
    assert f'value="integrations.scmintegration:{integration.pk}" selected' in one.content.decode()


def test_an_unknown_filter_value_is_an_error_on_the_form_not_a_500(world, reg, github):
    _, owner = _three_kinds_of_activity(world, reg, github)
    for params in ({"actor": "nobody@else.example"}, {"action": "x" * 5000}, {"target": "portal.user:1"},
                   {"target": "integrations.scmintegration:99999"}, {"page": "-1"}):
        response = activity(owner, **params)
        assert response.status_code == 200, params
        assert "Repository access created" in table_text(response), "an unknown value filters nothing"
    # A NUL byte is refused before any view (portal middleware), as everywhere.
    assert activity(owner, target="integrations.scmintegration:\x00").status_code == 400
    assert "Select a valid choice" in activity(owner, actor="nobody@else.example").content.decode()


def test_another_orgs_actor_is_not_offered_and_filters_nothing_in(world, reg, github, client_for):
    AuditEventFactory(organization=world.b.org, actor_label="spy@globex.example", action="secret.thing")
    html = activity(github[1]).content.decode()
    assert "spy@globex.example" not in html and "Secret thing" not in html


def test_pages_keep_the_filters(world, client_for):
    for i in range(60):
        AuditEventFactory(organization=world.a.org, actor_label="bot@acme.example", action="runner.updated",
                          target_type="runners.runner", target_id="1", target_label="r",
                          before={"name": f"n{i}"}, after={"name": f"n{i + 1}"})
    AuditEventFactory(organization=world.a.org, actor_label="someone@acme.example", action="organization.updated")
    html = activity(client_for(world.a.owner), actor="bot@acme.example").content.decode()
    older = re.search(r'href="([^"]+)">Older', html)[1].replace("&amp;", "&")
    assert "actor=bot%40acme.example" in older and "page=2" in older
    second = client_for(world.a.owner).get(reverse("org_activity", args=["acme"]) + older)
    assert "Page 2 of 2" in text_of(second.content) and "someone@acme.example" not in table_text(second)


@pytest.mark.parametrize("n", [1, 120])
def test_a_filtered_page_runs_a_constant_number_of_queries(world, client_for, django_assert_max_num_queries, n):
    actor = UserFactory(email=f"many-{n}@acme.example")
    for i in range(n):
        AuditEventFactory(organization=world.a.org, actor=actor, actor_label=actor.email,
                          action=f"thing.kind_{i % 7}", target_type="runners.runner", target_id=str(i % 5),
                          target_label=f"runner {i}", before={"name": f"a{i}", "region": "x"},
                          after={"name": f"b{i}", "region": "x"})
    client = client_for(world.a.owner)
    url = reverse("org_activity", args=["acme"])
    client.get(url)
    # The session, the user, the membership, the filter choices, the target's label, the count, the page,
    # and what the nav and banners of other apps add.
    with django_assert_max_num_queries(11):
        response = client.get(url, {"actor": actor.email, "action": "thing.kind_0", "target": "runners.runner:0"})
    assert response.status_code == 200 and "Name: a0 → b0" in text_of(response.content)


def test_members_cannot_read_the_activity(world, client_for):
    assert activity(client_for(world.a.member)).status_code == 403


def test_the_admin_reads_the_trail_the_same_way(world, reg, github, client_for):
    from tests.factories import staff_with_mfa

    integration, client = github
    dialog_post(client, reg.runner, {**GITHUB, "oauth_enabled": False}, integration)
    AuditEventFactory(organization=world.a.org, action="integration.updated", before={"x_enabled": True},
                      after={"x_enabled": True, "secret_replaced": "[redacted]"})
    page = text_of(client_for(staff_with_mfa()).get(reverse("admin:portal_auditevent_changelist")).content)
    assert "OAuth: on → off" in page and "Client secret: set" in page and "redacted" not in page
