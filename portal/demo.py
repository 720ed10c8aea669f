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
# Staff must use two-factor authentication; the demo operator's authenticator app is this secret (base32),
# and `manage.py demo_totp` shows its current code. Never used outside the demo.
DEMO_OPERATOR_TOTP_SECRET = "DEMOOPSDEMOOPSDEMOOPSDEMOOPSDEMO"


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
    operator = User.objects.filter(email=OPERATOR_EMAIL).first()
    if operator is None:
        operator = User.objects.create_superuser(email=OPERATOR_EMAIL, password=DEMO_PASSWORD, first_name="Operator")
    _mark_email_verified(operator)  # sign-in requires a verified address
    _give_demo_authenticator(operator)
    return users


def _give_demo_authenticator(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_OPERATOR_TOTP_SECRET)


def demo_totp_code() -> str:
    """What the demo operator's authenticator app shows now."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(DEMO_OPERATOR_TOTP_SECRET, int(time.time()) // 30))


def _mark_email_verified(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
