"""Sign-up does not tell who has an account (issue 15 item 16): a known address gets the same answer as a
new one ("check your email"), and its owner gets an email about the attempt; nobody signs in before
confirming their address."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import Membership, Organization, User
from tests.factories import DEMO_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-pass-9471"


def sign_up(client: Client, email: str):
    return client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD},
                       follow=True)


def the_page(response, email: str) -> str:
    """What the person sees, with the address they typed and the per-session CSRF token taken out."""
    page = response.content.decode().replace(email, "<email>")
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1<csrf>", page)


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_signing_up_with_a_known_address_looks_like_signing_up_with_a_new_one():
    UserFactory(email="taken@example.test")
    new = sign_up(Client(), "fresh@example.test")
    known = sign_up(Client(), "taken@example.test")

    assert [r[0] for r in new.redirect_chain] == [r[0] for r in known.redirect_chain] \
        == [reverse("account_email_verification_sent")]
    assert the_page(new, "fresh@example.test") == the_page(known, "taken@example.test")
    assert "already" not in known.content.decode()
    # An email goes out either way: a link to confirm, or a note to the owner that someone tried.
    assert sorted(m.to[0] for m in mail.outbox) == ["fresh@example.test", "taken@example.test"]
    to_owner = next(m for m in mail.outbox if m.to == ["taken@example.test"])
    assert "tried to sign" in to_owner.body and "already exists" in to_owner.body
    assert "/accounts/confirm-email/" not in to_owner.body
    # The known address got no second account, and its owner's password still works.
    assert User.objects.filter(email__iexact="taken@example.test").count() == 1
    assert Client().login(email="taken@example.test", password=DEMO_PASSWORD)


def test_a_new_account_signs_in_after_confirming_and_lands_in_its_own_organization():
    client = Client()
    sign_up(client, "newbie@example.test")
    membership = Membership.objects.select_related("organization").get(user__email="newbie@example.test")
    assert membership.organization.is_personal and membership.role == "owner"
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))  # not yet signed in

    (message,) = mail.outbox
    link = confirmation_link(message)
    assert "Confirm" in client.get(link).content.decode()
    assert client.post(link).status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("org_dashboard", args=[membership.organization.slug])


def test_an_unconfirmed_address_cannot_sign_in_until_confirmed():
    UserFactory(email="pending@example.test", email_verified=False)
    client = Client()
    response = client.post(reverse("account_login"), {"login": "pending@example.test", "password": DEMO_PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))
    (message,) = mail.outbox  # a fresh confirmation link, to the address itself
    assert message.to == ["pending@example.test"]

    client.post(confirmation_link(message))
    signed_in = Client()
    response = signed_in.post(reverse("account_login"), {"login": "pending@example.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in signed_in.session


def test_accounts_from_before_verification_was_required_keep_signing_in():
    """The data migration: a user without a recorded address (made before, or by a script) is verified."""
    from allauth.account.models import EmailAddress

    migration = __import__("portal.migrations.0003_existing_email_addresses_verified",
                           fromlist=["mark_existing_addresses_verified"])
    older = User.objects.create_user(email="Older@Example.test", password=DEMO_PASSWORD)
    unconfirmed = UserFactory(email="unconfirmed@example.test", email_verified=False)

    migration.mark_existing_addresses_verified(apps, None)

    assert EmailAddress.objects.get(user=older).verified and EmailAddress.objects.get(user=older).primary
    assert EmailAddress.objects.get(user=unconfirmed).verified
    assert Client().post(reverse("account_login"), {"login": "older@example.test", "password": DEMO_PASSWORD}
                         ).status_code == 302
    assert not Organization.objects.filter(memberships__user=older).exists()  # nothing else was touched


def test_an_invited_newcomer_signs_up_confirms_and_comes_back_to_the_invitation(world):
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(organization=world.a.org, email="carol@new.example", invited_by=world.a.owner)
    path = reverse("invitation_accept", args=[invitation.raw_token])
    client = Client()
    assert client.get(path)["Location"].startswith(reverse("account_login"))
    client.post(f"{reverse('account_signup')}?next={path}",
                {"email": "carol@new.example", "password1": PASSWORD, "password2": PASSWORD, "next": path})
    (message,) = mail.outbox
    assert client.post(confirmation_link(message))["Location"] == path
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(organization=world.a.org, user__email="carol@new.example").exists()


def test_check_your_email_says_where_mail_goes_when_the_portal_prints_it(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    page = sign_up(Client(), "demo-user@example.test").content.decode()
    assert "Check your email" in page and ".demo/web.log" in page


def test_every_demo_account_including_the_operator_has_a_verified_address():
    from allauth.account.models import EmailAddress

    from portal.demo import OPERATOR_EMAIL, seed_tenancy

    users = seed_tenancy()
    for email in [*users, OPERATOR_EMAIL]:
        assert EmailAddress.objects.filter(email=email, verified=True, primary=True).exists(), email
    response = Client().post(reverse("account_login"), {"login": "carol@acme.example", "password": DEMO_PASSWORD})
    assert response["Location"] != reverse("account_email_verification_sent")
