"""Owner / admin / member / outsider for every org action, on the web and over the API.

Org `acme` is `world.a`; "outsider" is a signed-in user who belongs to no org. Each test says
what each role may do and checks both the answer and the database (and the audit trail).
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from portal.audit import audit_record
from portal.models import AuditEvent, Invitation, Membership, Organization, Role
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

ROLES = ["owner", "admin", "member", "outsider"]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def audit_actions(org=None) -> list[str]:
    return list(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.fixture
def dave(world) -> Membership:
    """A second plain member of acme: the target of removals and role changes."""
    return MembershipFactory(organization=world.a.org, user=UserFactory(email="dave@acme.example"))


# ---------------------------------------------------------------------------------------------
# Web


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("member", 200), ("outsider", 404)])
@pytest.mark.parametrize("page", ["org_dashboard", "member_list"])
def test_web_pages_every_member_may_see(world, client_for, who, status, page):
    response = client_for(world.actor(who)).get(reverse(page, args=["acme"]))
    assert response.status_code == status
    if status == 200:
        assert "Acme Corp" in response.content.decode()
    if page == "member_list" and status == 200:
        for role in ("owner", "admin", "member"):
            assert world.a.user(role).email in response.content.decode()
        assert world.b.owner.email not in response.content.decode()


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("member", 403), ("outsider", 404)])
def test_web_activity_page_is_for_admins(world, client_for, who, status):
    audit_record(organization=world.a.org, actor=world.a.owner, action="organization.updated",
                 target=world.a.org, before={"name": "Old"}, after={"name": "Acme Corp"})
    response = client_for(world.actor(who)).get(reverse("org_activity", args=["acme"]))
    assert response.status_code == status
    if status == 200:
        assert "organization.updated" in response.content.decode()


@pytest.mark.parametrize("who, outcome", [("owner", "sent"), ("admin", "sent"), ("member", "refused"),
                                          ("outsider", 404)])
def test_web_invite(world, client_for, who, outcome, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.actor(who)).post(reverse("member_list", args=["acme"]),
                                                     {"email": "New@Example.test", "role": "member"})
    invited = Invitation.objects.filter(organization=world.a.org, email="new@example.test")
    if outcome == "sent":
        assert response.status_code == 302 and response["Location"] == reverse("member_list", args=["acme"])
        assert invited.count() == 1
        assert [m.to for m in mailoutbox] == [["new@example.test"]]
        assert "invitation.created" in audit_actions(world.a.org)
    else:
        assert not invited.exists() and mailoutbox == []
        if outcome == 404:
            assert response.status_code == 404
        else:
            assert response.status_code == 302
            assert "Only admins and owners can invite members." in messages_of(response)


@pytest.mark.parametrize("who, status", [("owner", 302), ("admin", 302), ("member", 403), ("outsider", 404)])
def test_web_revoke_invitation(world, client_for, who, status):
    invitation = InvitationFactory(organization=world.a.org)
    response = client_for(world.actor(who)).post(reverse("invitation_revoke", args=["acme", invitation.pk]))
    assert response.status_code == status
    assert Invitation.objects.filter(pk=invitation.pk).exists() is (status != 302)
    assert ("invitation.revoked" in audit_actions(world.a.org)) is (status == 302)


@pytest.mark.parametrize("who, status", [("owner", 302), ("admin", 403), ("member", 403), ("outsider", 404)])
def test_web_change_role_is_for_owners(world, client_for, dave, who, status):
    response = client_for(world.actor(who)).post(reverse("member_role", args=["acme", dave.pk]), {"role": "admin"})
    assert response.status_code == status
    dave.refresh_from_db()
    assert dave.role == (Role.ADMIN if status == 302 else Role.MEMBER)
    if status == 302:
        event = AuditEvent.objects.get(action="membership.role_changed")
        assert (event.before, event.after, event.target_label) == ({"role": "member"}, {"role": "admin"},
                                                                   "dave@acme.example")


def test_web_the_last_owner_cannot_demote_themselves(world, client_for):
    owner = world.a.membership("owner")
    response = client_for(world.a.owner).post(reverse("member_role", args=["acme", owner.pk]), {"role": "member"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert any("at least one owner" in m for m in messages_of(response))


@pytest.mark.parametrize("who, status", [("owner", 302), ("admin", 302), ("member", 403), ("outsider", 404)])
def test_web_remove_member_is_for_admins(world, client_for, dave, who, status):
    client = client_for(world.actor(who))
    url = reverse("member_remove", args=["acme", dave.pk])
    if status == 302:
        assert client.get(url).status_code == 200  # the confirmation page
    response = client.post(url)
    assert response.status_code == status
    assert Membership.objects.filter(pk=dave.pk).exists() is (status != 302)
    assert ("membership.removed" in audit_actions(world.a.org)) is (status == 302)


def test_web_admins_cannot_remove_owners(world, client_for):
    owner = world.a.membership("owner")
    response = client_for(world.a.admin).post(reverse("member_remove", args=["acme", owner.pk]))
    assert response.status_code == 302
    assert "Only owners can remove an owner." in messages_of(response)
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_web_owners_can_remove_admins(world, client_for):
    admin = world.a.membership("admin")
    response = client_for(world.a.owner).post(reverse("member_remove", args=["acme", admin.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=admin.pk).exists()


@pytest.mark.parametrize("who", ["admin", "member"])
def test_web_anyone_may_leave(world, client_for, who):
    mine = world.a.membership(who)
    response = client_for(world.a.user(who)).post(reverse("member_remove", args=["acme", mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=mine.pk).exists()
    assert "membership.left" in audit_actions(world.a.org)


def test_web_the_last_owner_cannot_leave(world, client_for):
    mine = world.a.membership("owner")
    response = client_for(world.a.owner).post(reverse("member_remove", args=["acme", mine.pk]))
    assert response.status_code == 302
    assert any("The last owner cannot leave" in m for m in messages_of(response))
    assert Membership.objects.filter(pk=mine.pk).exists()
    assert "membership.left" not in audit_actions(world.a.org)


def test_web_an_owner_may_leave_when_another_owner_remains(world, client_for):
    Membership.objects.filter(pk=world.a.membership("admin").pk).update(role=Role.OWNER)
    mine = world.a.membership("owner")
    response = client_for(world.a.owner).post(reverse("member_remove", args=["acme", mine.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize("who, status", [("owner", 302), ("admin", 302), ("member", 403), ("outsider", 404)])
def test_web_rename_is_for_admins(world, client_for, who, status):
    response = client_for(world.actor(who)).post(reverse("org_settings", args=["acme"]), {"name": "Acme Inc"})
    assert response.status_code == status
    world.a.org.refresh_from_db()
    assert world.a.org.name == ("Acme Inc" if status == 302 else "Acme Corp")
    if status == 302:
        event = AuditEvent.objects.get(action="organization.updated")
        assert (event.before, event.after, event.actor) == ({"name": "Acme Corp"}, {"name": "Acme Inc"},
                                                            world.actor(who))


@pytest.mark.parametrize("who, status", [("owner", 302), ("admin", 403), ("member", 403), ("outsider", 404)])
def test_web_delete_is_for_owners(world, client_for, who, status):
    response = client_for(world.actor(who)).post(reverse("org_delete", args=["acme"]), {"confirm": "acme"})
    assert response.status_code == status
    assert Organization.objects.filter(slug="acme").exists() is (status != 302)
    if status == 302:
        assert response["Location"] == reverse("home")
        event = AuditEvent.objects.get(action="organization.deleted")
        assert event.organization is None and "acme" in event.target_label
    assert Organization.objects.filter(slug="globex").exists()


@pytest.mark.parametrize("confirm", ["", "Acme", "globex", "acme-corp"])
def test_web_delete_needs_the_typed_slug(world, client_for, confirm):
    response = client_for(world.a.owner).post(reverse("org_delete", args=["acme"]), {"confirm": confirm})
    assert response.status_code == 200
    assert "confirm" in response.context["form"].errors
    assert Organization.objects.filter(slug="acme").exists()


def test_web_delete_page_asks_before_deleting(world, client_for):
    response = client_for(world.a.owner).get(reverse("org_delete", args=["acme"]))
    assert response.status_code == 200
    assert Organization.objects.filter(slug="acme").exists()


# ---------------------------------------------------------------------------------------------
# API (personal token)


def api_url(name: str, *args) -> str:
    return reverse(name, args=args)


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("member", 200), ("outsider", 404)])
def test_api_read_org_and_members(world, api_client_for, who, status):
    client = api_client_for(world.actor(who))
    org = client.get(api_url("api_org_detail", "acme"))
    members = client.get(api_url("api_member_list", "acme"))
    assert (org.status_code, members.status_code) == (status, status)
    if status == 200:
        assert org.json()["role"] == who
        assert sorted(m["email"] for m in members.json()["results"]) == sorted(
            world.a.user(r).email for r in ("owner", "admin", "member"))
    else:
        assert error_of(org)["code"] == "not_found" and error_of(members)["code"] == "not_found"


def test_api_org_list_shows_only_my_orgs_with_my_role(world, api_client_for):
    body = api_client_for(world.a.admin).get(api_url("api_org_list")).json()
    assert [(o["slug"], o["role"]) for o in body["results"]] == [("acme", "admin")]
    assert api_client_for(world.outsider).get(api_url("api_org_list")).json()["results"] == []


def test_api_create_org_makes_me_owner(world, api_client_for):
    response = api_client_for(world.outsider).post(api_url("api_org_list"), {"name": "Initech", "slug": "initech"},
                                                   format="json")
    assert response.status_code == 201 and response.json()["role"] == "owner"
    assert Membership.objects.get(organization__slug="initech").user == world.outsider
    assert "organization.created" in audit_actions(Organization.objects.get(slug="initech"))


@pytest.mark.parametrize("who, status", [("owner", 201), ("admin", 201), ("member", 403), ("outsider", 404)])
def test_api_invite(world, api_client_for, who, status):
    response = api_client_for(world.actor(who)).post(api_url("api_invitation_list", "acme"),
                                                     {"email": "new@example.test"}, format="json")
    assert response.status_code == status
    assert Invitation.objects.filter(organization=world.a.org).exists() is (status == 201)
    if status != 201:
        error_of(response)


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("member", 403), ("outsider", 404)])
def test_api_list_invitations_is_for_admins(world, api_client_for, who, status):
    InvitationFactory(organization=world.a.org, email="pending@example.test")
    InvitationFactory(organization=world.b.org, email="other@example.test")
    response = api_client_for(world.actor(who)).get(api_url("api_invitation_list", "acme"))
    assert response.status_code == status
    if status == 200:
        assert [i["email"] for i in response.json()["results"]] == ["pending@example.test"]


def test_api_only_owners_invite_owners(world, api_client_for):
    response = api_client_for(world.a.admin).post(api_url("api_invitation_list", "acme"),
                                                  {"email": "boss@example.test", "role": "owner"}, format="json")
    assert response.status_code == 403 and error_of(response)["code"] == "permission_denied"
    response = api_client_for(world.a.owner).post(api_url("api_invitation_list", "acme"),
                                                  {"email": "boss@example.test", "role": "owner"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("who, status", [("owner", 204), ("admin", 204), ("member", 403), ("outsider", 404)])
def test_api_revoke_invitation(world, api_client_for, who, status):
    invitation = InvitationFactory(organization=world.a.org)
    response = api_client_for(world.actor(who)).delete(api_url("api_invitation_detail", "acme", invitation.pk))
    assert response.status_code == status
    assert Invitation.objects.filter(pk=invitation.pk).exists() is (status != 204)


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 403), ("member", 403), ("outsider", 404)])
def test_api_change_role_is_for_owners(world, api_client_for, dave, who, status):
    response = api_client_for(world.actor(who)).patch(api_url("api_member_detail", "acme", dave.pk),
                                                      {"role": "admin"}, format="json")
    assert response.status_code == status
    dave.refresh_from_db()
    assert dave.role == (Role.ADMIN if status == 200 else Role.MEMBER)
    if status == 200:
        assert response.json()["role"] == "admin"


@pytest.mark.parametrize("who, status", [("owner", 204), ("admin", 204), ("member", 403), ("outsider", 404)])
def test_api_remove_member_is_for_admins(world, api_client_for, dave, who, status):
    response = api_client_for(world.actor(who)).delete(api_url("api_member_detail", "acme", dave.pk))
    assert response.status_code == status
    assert Membership.objects.filter(pk=dave.pk).exists() is (status != 204)


def test_api_admins_cannot_remove_owners(world, api_client_for):
    owner = world.a.membership("owner")
    response = api_client_for(world.a.admin).delete(api_url("api_member_detail", "acme", owner.pk))
    assert response.status_code == 403 and error_of(response)["code"] == "permission_denied"
    assert Membership.objects.filter(pk=owner.pk).exists()


@pytest.mark.parametrize("who", ["admin", "member"])
def test_api_leave(world, api_client_for, who):
    mine = world.a.membership(who)
    assert api_client_for(world.a.user(who)).delete(api_url("api_member_detail", "acme", mine.pk)).status_code == 204
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_api_the_last_owner_cannot_leave(world, api_client_for):
    mine = world.a.membership("owner")
    response = api_client_for(world.a.owner).delete(api_url("api_member_detail", "acme", mine.pk))
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict" and "last owner" in error["message"]
    assert Membership.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("member", 403), ("outsider", 404)])
def test_api_rename_is_for_admins(world, api_client_for, who, status):
    response = api_client_for(world.actor(who)).patch(api_url("api_org_detail", "acme"), {"name": "Acme Inc"},
                                                      format="json")
    assert response.status_code == status
    world.a.org.refresh_from_db()
    assert world.a.org.name == ("Acme Inc" if status == 200 else "Acme Corp")


@pytest.mark.parametrize("who, status", [("owner", 204), ("admin", 403), ("member", 403), ("outsider", 404)])
def test_api_delete_is_for_owners(world, api_client_for, who, status):
    response = api_client_for(world.actor(who)).delete(api_url("api_org_detail", "acme"))
    assert response.status_code == status
    assert Organization.objects.filter(slug="acme").exists() is (status != 204)
    if status != 204:
        error_of(response)
