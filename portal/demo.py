"""Demo tenancy: two organizations, three people. Idempotent."""

from __future__ import annotations

from django.db import transaction

from portal.models import Membership, Organization, Role, User

DEMO_PASSWORD = "demo-pass-1234"
DEMO_USERS = [
    # email, first name, last name, org slug, role
    ("alice@acme.example", "Alice", "Liddell", "acme", Role.OWNER),
    ("bob@globex.example", "Bob", "Builder", "globex", Role.OWNER),
    ("carol@acme.example", "Carol", "Danvers", "acme", Role.MEMBER),
]
DEMO_ORGS = {"acme": "Acme Corp", "globex": "Globex"}
OPERATOR_EMAIL = "ops@portal.example"


@transaction.atomic
def seed_tenancy() -> dict[str, User]:
    orgs = {slug: Organization.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in DEMO_ORGS.items()}
    users: dict[str, User] = {}
    for email, first, last, slug, role in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
        Membership.objects.get_or_create(organization=orgs[slug], user=user, defaults={"role": role})
        _mark_email_verified(user)
        users[email] = user
    if not User.objects.filter(email=OPERATOR_EMAIL).exists():
        User.objects.create_superuser(email=OPERATOR_EMAIL, password=DEMO_PASSWORD, first_name="Operator")
    return users


def _mark_email_verified(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
