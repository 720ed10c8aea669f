"""The invitation flow: invite, email with a link, accept as the invited address, once."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent, Invitation, Membership, Role
from tests.factories import InvitationFactory, UserFactory


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def invite(world, client_for, mailoutbox, django_capture_on_commit_callbacks):
    """`invite(email, role)` as acme's owner through the members page; returns the link's path."""

    def send(email: str, role: str = "member") -> str:
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(world.a.owner).post(reverse("member_list", args=["acme"]),
                                                      {"email": email, "role": role})
        assert response.status_code == 302, response.content
        assert len(mailoutbox) == before + 1
        mail = mailoutbox[-1]
        assert mail.to == [email.lower()] and "Acme Corp" in mail.subject
        links = re.findall(r"https?://\S+/invitations/[^/\s]+/", mail.body)
        assert len(links) == 1, mail.body
        return urlparse(links[0]).path

    return send


def test_the_invited_address_accepts_and_becomes_a_member(world, client_for, invite):
    path = invite("carol@new.example", "admin")
    carol = UserFactory(email="carol@new.example")
    client = client_for(carol)
    page = client.get(path)
    assert page.status_code == 200 and "Join Acme Corp" in page.content.decode()
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == reverse("org_dashboard", args=["acme"])
    membership = Membership.objects.get(organization=world.a.org, user=carol)
    assert membership.role == Role.ADMIN
    invitation = Invitation.objects.get(email="carol@new.example")
    assert invitation.accepted_by == carol and invitation.accepted_at is not None
    event = AuditEvent.objects.get(action="invitation.accepted")
    assert (event.organization, event.actor, event.after) == (world.a.org, carol, {"role": "admin"})
    assert client.get(reverse("org_dashboard", args=["acme"])).status_code == 200


def test_the_address_matches_whatever_its_case(world, client_for, invite):
    path = invite("Carol@New.Example")
    carol = UserFactory(email="carol@new.example")
    assert client_for(carol).post(path).status_code == 302
    assert Membership.objects.filter(organization=world.a.org, user=carol).exists()


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(world, client, invite):
    path = invite("carol@new.example")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login")) and "next=" in response["Location"]


def test_invitation_for_another_address_is_refused(world, client_for, invite):
    path = invite("carol@new.example")
    for intruder in (world.outsider, world.b.owner):
        response = client_for(intruder).post(path)
        assert response.status_code == 200
        assert any("This invitation is for carol@new.example" in m for m in messages_of(response))
        assert not Membership.objects.filter(organization=world.a.org, user=intruder).exists()
    assert Invitation.objects.get(email="carol@new.example").accepted_at is None


def test_an_expired_invitation_is_refused(world, client_for):
    invitation = InvitationFactory(organization=world.a.org, email="late@example.test",
                                   expires_at=timezone.now() - timedelta(minutes=1))
    late = UserFactory(email="late@example.test")
    client = client_for(late)
    page = client.get(reverse("invitation_accept", args=[invitation.raw_token]))
    assert "Invitation not valid" in page.content.decode()
    response = client.post(reverse("invitation_accept", args=[invitation.raw_token]))
    assert any("expired" in m for m in messages_of(response))
    assert not Membership.objects.filter(organization=world.a.org, user=late).exists()


def test_a_used_link_cannot_be_used_again(world, client_for, invite):
    path = invite("carol@new.example")
    carol = UserFactory(email="carol@new.example")
    assert client_for(carol).post(path).status_code == 302
    Membership.objects.filter(organization=world.a.org, user=carol).delete()  # carol left
    response = client_for(carol).post(path)
    assert any("not valid any more" in m for m in messages_of(response))
    assert not Membership.objects.filter(organization=world.a.org, user=carol).exists()


def test_a_revoked_invitation_is_refused(world, client_for, invite):
    path = invite("carol@new.example")
    invitation = Invitation.objects.get(email="carol@new.example")
    client_for(world.a.admin).post(reverse("invitation_revoke", args=["acme", invitation.pk]))
    carol = UserFactory(email="carol@new.example")
    response = client_for(carol).post(path)
    assert any("not valid any more" in m for m in messages_of(response))
    assert not Membership.objects.filter(organization=world.a.org, user=carol).exists()


def test_an_unknown_token_shows_a_page_not_an_error(world, client_for):
    client = client_for(world.outsider)
    assert "Invitation not valid" in client.get(reverse("invitation_accept", args=["nope"])).content.decode()
    response = client.post(reverse("invitation_accept", args=["x" * 5000]))
    assert response.status_code == 200
    assert any("not valid any more" in m for m in messages_of(response))


def test_a_new_invitation_replaces_the_pending_one(world, invite, client_for):
    old_path = invite("carol@new.example")
    new_path = invite("carol@new.example", "admin")
    assert Invitation.objects.filter(email="carol@new.example").count() == 1
    carol = UserFactory(email="carol@new.example")
    client = client_for(carol)
    assert any("not valid any more" in m for m in messages_of(client.post(old_path)))
    assert client.post(new_path).status_code == 302
    assert Membership.objects.get(organization=world.a.org, user=carol).role == Role.ADMIN


def test_inviting_a_member_is_refused_with_the_field_named(world, client_for, mailoutbox):
    response = client_for(world.a.owner).post(reverse("member_list", args=["acme"]),
                                              {"email": world.a.member.email, "role": "member"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Already a member."]
    assert mailoutbox == [] and not Invitation.objects.exists()
