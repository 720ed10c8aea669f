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


def test_inviting_a_pending_address_again_says_so_and_changes_nothing(world, invite, client_for, mailoutbox):
    """Issue 15 item 14: the second invitation used to replace the first silently (role reset, link dead)."""
    path = invite("carol@new.example", "admin")
    response = client_for(world.a.owner).post(reverse("member_list", args=["acme"]),
                                              {"email": "Carol@New.Example", "role": "member"})
    assert response.status_code == 200
    [error] = response.context["form"].errors["email"]
    assert "already has a pending invitation (as admin" in error and "Resend" in error and "change its role" in error
    assert len(mailoutbox) == 1
    assert Invitation.objects.get(email="carol@new.example").role == Role.ADMIN
    carol = UserFactory(email="carol@new.example")
    assert client_for(carol).post(path).status_code == 302, "the first link still works"
    assert Membership.objects.get(organization=world.a.org, user=carol).role == Role.ADMIN


def test_an_expired_invitation_is_replaced_by_a_new_one(world, invite, client_for):
    old_path = invite("carol@new.example")
    Invitation.objects.filter(email="carol@new.example").update(expires_at=timezone.now() - timedelta(minutes=1))
    new_path = invite("carol@new.example", "admin")
    assert Invitation.objects.filter(email="carol@new.example").count() == 1
    client = client_for(UserFactory(email="carol@new.example"))
    assert any("not valid any more" in m for m in messages_of(client.post(old_path)))
    assert client.post(new_path).status_code == 302


def test_the_members_page_offers_resend_and_change_role_for_a_pending_invitation(world, invite, client_for):
    invite("carol@new.example", "admin")
    invitation = Invitation.objects.get()
    html = client_for(world.a.admin).get(reverse("member_list", args=["acme"])).content.decode()
    assert reverse("invitation_resend", args=["acme", invitation.pk]) in html and ">Resend</button>" in html
    assert reverse("invitation_role", args=["acme", invitation.pk]) in html and ">Change role</button>" in html
    assert "the link sent before stops working" in html
    assert '<option value="owner"' not in html.split('id="invitations"')[1], "an admin cannot invite owners"
    member_view = client_for(world.a.member).get(reverse("member_list", args=["acme"])).content.decode()
    assert "carol@new.example" not in member_view


def test_resend_mails_a_new_link_and_the_old_one_stops_working(world, invite, client_for, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    old_path = invite("carol@new.example", "admin")
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.a.admin).post(reverse("invitation_resend", args=["acme", invitation.pk]))
    assert response.status_code == 302
    assert any("new link" in m and "earlier link no longer works" in m for m in messages_of(response))
    assert len(mailoutbox) == 2 and mailoutbox[-1].to == ["carol@new.example"]
    new_path = urlparse(re.search(r"https?://\S+/invitations/[^/\s]+/", mailoutbox[-1].body)[0]).path
    assert new_path != old_path
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6), "a full week again"
    carol = client_for(UserFactory(email="carol@new.example"))
    assert any("not valid any more" in m for m in messages_of(carol.post(old_path)))
    assert carol.post(new_path).status_code == 302
    assert Membership.objects.get(organization=world.a.org, user__email="carol@new.example").role == Role.ADMIN
    event = AuditEvent.objects.get(action="invitation.resent")
    assert (event.actor, event.target_label) == (world.a.admin, "carol@new.example")
    assert new_path.split("/")[-2] not in str(event.before) + str(event.after)


def test_change_role_keeps_the_link_and_is_recorded(world, invite, client_for, mailoutbox):
    path = invite("carol@new.example")
    invitation = Invitation.objects.get()
    owner = client_for(world.a.owner)
    response = owner.post(reverse("invitation_role", args=["acme", invitation.pk]), {"role": "admin"})
    assert any("will join as admin" in m and "still works" in m for m in messages_of(response))
    owner.post(reverse("invitation_role", args=["acme", invitation.pk]), {"role": "admin"})  # no change
    assert len(mailoutbox) == 1
    [event] = AuditEvent.objects.filter(action="invitation.role_changed")
    assert (event.before, event.after, event.actor) == ({"role": "member"}, {"role": "admin"}, world.a.owner)
    carol = UserFactory(email="carol@new.example")
    assert client_for(carol).post(path).status_code == 302
    assert Membership.objects.get(organization=world.a.org, user=carol).role == Role.ADMIN
    activity = owner.get(reverse("org_activity", args=["acme"])).content.decode()
    assert "Invitation role changed" in activity and "Member</span> → <span class=\"after\">Admin" in activity


def test_only_owners_give_or_take_the_owner_role_and_others_cannot_touch_it(world, invite, client_for):
    invite("carol@new.example", "owner")
    invitation = Invitation.objects.get()
    admin = client_for(world.a.admin)
    response = admin.post(reverse("invitation_role", args=["acme", invitation.pk]), {"role": "member"})
    assert any("Only owners" in m for m in messages_of(response))
    assert Invitation.objects.get().role == Role.OWNER
    owner = client_for(world.a.owner)
    owner.post(reverse("invitation_role", args=["acme", invitation.pk]), {"role": "member"})
    response = admin.post(reverse("invitation_role", args=["acme", invitation.pk]), {"role": "owner"})
    assert any("Only owners" in m for m in messages_of(response)) and Invitation.objects.get().role == Role.MEMBER
    bad = owner.post(reverse("invitation_role", args=["acme", invitation.pk]), {"role": "x" * 300})
    assert bad.status_code == 302 and any("valid role" in m for m in messages_of(bad))
    for url in (reverse("invitation_role", args=["acme", invitation.pk]),
                reverse("invitation_resend", args=["acme", invitation.pk])):
        assert client_for(world.a.member).post(url, {"role": "admin"}).status_code == 403
        assert client_for(world.b.owner).post(url, {"role": "admin"}).status_code == 404
    other = InvitationFactory(organization=world.b.org, email="x@globex.example")
    assert owner.post(reverse("invitation_resend", args=["acme", other.pk])).status_code == 404
    assert owner.get(reverse("invitation_resend", args=["acme", invitation.pk])).status_code == 405


def test_inviting_a_member_is_refused_with_the_field_named(world, client_for, mailoutbox):
    response = client_for(world.a.owner).post(reverse("member_list", args=["acme"]),
                                              {"email": world.a.member.email, "role": "member"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Already a member."]
    assert mailoutbox == [] and not Invitation.objects.exists()


def test_the_api_refuses_a_second_invitation_naming_the_field(world, api_client_for):
    api = api_client_for(world.a.owner)
    url = reverse("api_invitation_list", args=["acme"])
    assert api.post(url, {"email": "carol@new.example", "role": "admin"}, format="json").status_code == 201
    again = api.post(url, {"email": "carol@new.example", "role": "member"}, format="json")
    assert again.status_code == 409
    assert "pending invitation" in again.json()["error"]["fields"]["email"][0]
    assert Invitation.objects.get(email="carol@new.example").role == Role.ADMIN
