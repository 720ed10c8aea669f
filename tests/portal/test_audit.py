"""The audit trail: one event per change, with who/what/before/after, and never a secret value."""

from __future__ import annotations

import re

from django.urls import reverse

from portal.audit import audit_record
from portal.models import AuditEvent, Invitation, Membership
from tests.factories import UserFactory


def trail_text() -> str:
    return "\n".join(str(row) for row in AuditEvent.objects.values_list())


def test_every_change_leaves_an_event(world, client_for, api_client_for, mailoutbox,
                                      django_capture_on_commit_callbacks):
    owner = client_for(world.a.owner)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("member_list", args=["acme"]), {"email": "carol@new.example", "role": "member"})
        owner.post(reverse("member_list", args=["acme"]), {"email": "dan@new.example", "role": "member"})
    link = re.search(r"https?://\S+(/invitations/[^/\s]+/)", mailoutbox[0].body)[1]
    carol = UserFactory(email="carol@new.example")
    client_for(carol).post(link)
    carols = Membership.objects.get(user=carol)
    owner.post(reverse("invitation_revoke", args=["acme", Invitation.objects.get(email="dan@new.example").pk]))
    owner.post(reverse("member_role", args=["acme", carols.pk]), {"role": "admin"})
    owner.post(reverse("org_settings", args=["acme"]), {"name": "Acme Inc"})
    owner.post(reverse("member_remove", args=["acme", world.a.membership("member").pk]))
    client_for(world.a.admin).post(reverse("member_remove", args=["acme", world.a.membership("admin").pk]))
    api_client_for(world.a.owner).post(reverse("api_org_list"), {"name": "Initech", "slug": "initech"},
                                       format="json")
    owner.post(reverse("org_delete", args=["initech"]), {"confirm": "initech"})

    # The API client's own token is a security event of the user's (tests/security/test_audit_events.py).
    events = list(AuditEvent.objects.exclude(action__startswith="api_token.").order_by("id"))
    assert [(e.organization.slug if e.organization else None, e.action) for e in events] == [
        ("acme", "invitation.created"),
        ("acme", "invitation.created"),
        ("acme", "invitation.accepted"),
        ("acme", "invitation.revoked"),
        ("acme", "membership.role_changed"),
        ("acme", "organization.updated"),
        ("acme", "membership.removed"),
        ("acme", "membership.left"),
        (None, "organization.deleted"),
    ], "initech's own events go with it; the deletion event stays, detached"
    actors = [e.actor_label for e in events]
    assert actors == ["owner@acme.example"] * 2 + ["carol@new.example"] + ["owner@acme.example"] * 4 + [
        "admin@acme.example", "owner@acme.example"]
    removed = events[6]
    assert (removed.target_type, removed.target_label, removed.before) == (
        "portal.membership", "member@acme.example", {"role": "member"})


def test_the_trail_never_holds_a_secret(world, client_for, api_client_for, mailoutbox,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.a.owner).post(reverse("member_list", args=["acme"]),
                                       {"email": "carol@new.example", "role": "member"})
    link_token = re.search(r"/invitations/([^/\s]+)/", mailoutbox[0].body)[1]
    client_for(UserFactory(email="carol@new.example")).post(reverse("invitation_accept", args=[link_token]))
    api = api_client_for(world.a.owner)
    api.patch(reverse("api_org_detail", args=["acme"]), {"name": "Acme Inc"}, format="json")
    invitation = Invitation.objects.get(email="carol@new.example")

    assert AuditEvent.objects.count() >= 3
    text = trail_text()
    for secret in (link_token, invitation.token_hash, api.token_value, api.token.token_hash, "demo-pass-1234"):
        assert secret not in text


def test_secret_looking_keys_are_redacted_whatever_the_caller_passes(world):
    event = audit_record(
        organization=world.a.org, actor=world.a.owner, action="connection.updated",
        before={"client_secret": "s3cr3t-before", "name": "old"},
        after={"access_token": "tok-123", "private_key": "-----BEGIN", "password": "hunter2",
               "api_key": "k", "name": "new", "scopes_set": ["repo"]},
    )
    event.refresh_from_db()
    assert event.before == {"client_secret": "[redacted]", "name": "old"}
    assert event.after == {"access_token": "[redacted]", "private_key": "[redacted]", "password": "[redacted]",
                           "api_key": "[redacted]", "name": "new", "scopes_set": ["repo"]}
    for secret in ("s3cr3t-before", "tok-123", "BEGIN", "hunter2"):
        assert secret not in trail_text()
