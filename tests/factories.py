"""factory-boy factories and the two-org "world" every tenancy test starts from.

`OTHER_ORG_OBJECT_BUILDERS` maps a URL parameter name to a callable(world) that returns an
object (or a raw value) belonging to the *other* org. The tenancy walker
(`tests/portal/test_tenancy_walker.py`) fills path parameters through it, so a new URL with
a new parameter name is covered as soon as its builder is registered here.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.apps import apps
from django.db import models
from django.utils import timezone

from portal.models import ApiToken, AuditEvent, Invitation, Membership, Organization, Role, User

DEMO_PASSWORD = "demo-pass-1234"


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose password is `DEMO_PASSWORD`, hashed through the manager like a real sign-up, with
    their address verified (sign-in requires it); `email_verified=False` for one who has not confirmed."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    password = DEMO_PASSWORD

    @classmethod
    def _create(cls, model_class, *args, email_verified: bool = True, **kwargs):
        from allauth.account.models import EmailAddress

        user = model_class.objects.create_user(*args, **kwargs)
        EmailAddress.objects.create(user=user, email=user.email.lower(), verified=email_verified, primary=True)
        return user


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation whose raw token is on `invitation.raw_token` (the DB holds only its hash)."""

    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.MEMBER
    raw_token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.raw_token.encode()).hexdigest())
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        raw = kwargs.pop("raw_token", None)
        obj = super()._create(model_class, *args, **kwargs)
        obj.raw_token = raw
        return obj


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    organization = factory.SubFactory(OrganizationFactory)
    actor_label = "someone@example.test"
    action = "organization.updated"
    target_label = "something"


def api_token_for(user: User, name: str = "test token") -> tuple[ApiToken, str]:
    from portal.services import api_token_create

    return api_token_create(user=user, name=name)


# ---------------------------------------------------------------------------------------------
# The world: two orgs, each with an owner, an admin and a member, plus an outsider.


@dataclass
class OrgSide:
    org: Organization
    owner: User
    admin: User
    member: User
    memberships: dict[str, Membership] = field(default_factory=dict)

    def user(self, role: str) -> User:
        return {"owner": self.owner, "admin": self.admin, "member": self.member}[role]

    def membership(self, role: str) -> Membership:
        return self.memberships[role]


@dataclass
class World:
    a: OrgSide
    b: OrgSide
    outsider: User

    @property
    def other(self) -> OrgSide:
        """The org the tenancy walker attacks (users of `a` must never reach it)."""
        return self.b

    def actor(self, who: str) -> User:
        """`owner`/`admin`/`member` of org a, or `outsider` (a member of no org)."""
        return self.outsider if who == "outsider" else self.a.user(who)


def make_org_side(slug: str, name: str | None = None) -> OrgSide:
    org = OrganizationFactory(slug=slug, name=name or slug.capitalize())
    users: dict[str, User] = {}
    memberships: dict[str, Membership] = {}
    for role in (Role.OWNER, Role.ADMIN, Role.MEMBER):
        user = UserFactory(email=f"{role}@{slug}.example")
        users[role] = user
        memberships[role] = MembershipFactory(organization=org, user=user, role=role)
    return OrgSide(org=org, owner=users["owner"], admin=users["admin"], member=users["member"],
                   memberships={str(k): v for k, v in memberships.items()})


def make_world() -> World:
    return World(
        a=make_org_side("acme", "Acme Corp"),
        b=make_org_side("globex", "Globex Corp"),
        outsider=UserFactory(email="outsider@nowhere.example"),
    )


# ---------------------------------------------------------------------------------------------
# Objects of the other org, per URL parameter name (see the module docstring).


class CannotBuild(Exception):
    """Raised with a message telling the developer which builder to register."""


def _autofill_value(f: models.Field, world: World, depth: int) -> Any:
    if isinstance(f, models.ForeignKey | models.OneToOneField):
        target = f.related_model
        if target is Organization:
            return world.other.org
        if target is User:
            return world.other.owner
        if target is Membership:
            return world.other.membership("member")
        return autobuild(target, world, depth=depth + 1)
    if f.choices:
        return f.choices[0][0]
    if isinstance(f, models.EmailField):
        return f"walker-{uuid.uuid4().hex[:8]}@example.test"
    if isinstance(f, models.URLField):
        return "https://walker.example.test/"
    if isinstance(f, models.SlugField):
        return f"walker-{uuid.uuid4().hex[:8]}"
    if isinstance(f, models.UUIDField):
        return uuid.uuid4()
    if isinstance(f, models.CharField | models.TextField):
        value = f"walker-{uuid.uuid4().hex}"
        return value[: f.max_length] if f.max_length else value
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.DecimalField):
        return Decimal("1")
    if isinstance(f, models.IntegerField | models.FloatField):
        return 1
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return timezone.now().date()
    if isinstance(f, models.DurationField):
        return timedelta(seconds=1)
    if isinstance(f, models.JSONField):
        return {}
    if isinstance(f, models.BinaryField):
        return b"walker"
    raise CannotBuild(f"no automatic value for {f.model._meta.label}.{f.name} ({type(f).__name__})")


def autobuild(model: type[models.Model], world: World, *, depth: int = 0, **overrides) -> models.Model:
    """A best-effort instance of `model` that belongs to the other org (its FKs point there)."""
    if depth > 4:
        raise CannotBuild(f"foreign keys nest too deep to build {model._meta.label} automatically")
    values: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in overrides:
            continue
        if isinstance(f, models.ForeignKey | models.OneToOneField):
            if f.related_model in (Organization, User) or not f.null:
                values[f.name] = _autofill_value(f, world, depth)
            continue
        if f.has_default() or f.null or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        values[f.name] = _autofill_value(f, world, depth)
    values.update(overrides)
    return model.objects.create(**values)


def _lazy_model_builder(param: str, label: str) -> Callable[[World], models.Model]:
    """Build an instance of `label` lazily: the app (runners, integrations) may not have the model yet."""

    def build(world: World) -> models.Model:
        try:
            model = apps.get_model(label)
        except LookupError as exc:
            raise CannotBuild(
                f"A URL uses <{param}>, registered as {label}, but that model does not exist. "
                f"Fix OTHER_ORG_OBJECT_BUILDERS[{param!r}] in tests/factories.py."
            ) from exc
        try:
            return autobuild(model, world)
        except Exception as exc:
            raise CannotBuild(
                f"Could not build a {label} of the other org automatically for <{param}> ({exc}). "
                f"Register a builder: OTHER_ORG_OBJECT_BUILDERS[{param!r}] = lambda world: "
                f"YourFactory(organization=world.other.org) in tests/factories.py."
            ) from exc

    build.model_label = label  # type: ignore[attr-defined]
    return build


def _other_users_token(world: World) -> ApiToken:
    token, _ = api_token_for(world.other.owner, "other user's token")
    return token


def other_org_project(world: World):
    """A project of the other org, on a Bitbucket Cloud integration of one of its runners."""
    from integrations.models import ScmIntegration
    from integrations.projects.models import Project
    from runners.models import Runner

    runner = Runner.objects.create(organization=world.other.org, name=f"walker-{uuid.uuid4().hex[:8]}",
                                   region="eu-west-1", cloud_provider="aws")
    integration = ScmIntegration.objects.create(organization=world.other.org, runner=runner,
                                                provider="bitbucket-cloud", host="https://bitbucket.org",
                                                oauth_enabled=False)
    project = Project(organization=world.other.org, runner=runner, integration=integration, name="secret-repo",
                      repository=f"globex/secret-{uuid.uuid4().hex[:6]}")
    project.webhook_secret = "other-orgs-webhook-secret"
    project.save()
    return project


def other_org_delivery(world: World):
    from integrations.projects.models import WebhookDelivery

    project = other_org_project(world)
    return WebhookDelivery.objects.create(organization=world.other.org, project=project, delivery_id="walker",
                                          event_key="repo:push", kind="push", body="{}", body_sha256="0" * 64,
                                          status="processed", signature_ok=True)


def other_org_prebuild(world: World):
    from integrations.prebuilds.models import Prebuild

    project = other_org_project(world)
    return Prebuild.objects.create(organization=world.other.org, project=project, runner=project.runner,
                                   ref="refs/heads/main", commit="f" * 40, trigger="push", state="failed",
                                   output="other org's output")


def other_org_environment(world: World):
    """An environment request of the other org's owner, on one of its runners."""
    from django.utils import timezone

    from environments.models import EnvironmentRequest
    from runners.models import Runner

    runner = Runner.objects.create(organization=world.other.org, name=f"walker-{uuid.uuid4().hex[:8]}",
                                   region="eu-west-1", cloud_provider="aws")
    return EnvironmentRequest.objects.create(
        organization=world.other.org, runner=runner, user=world.other.owner, url="https://bitbucket.org/g/secret",
        provider="bitbucket-cloud", host="https://bitbucket.org", owner="g", repo="secret", kind="repository",
        commit="0" * 40, clone_url="https://bitbucket.org/g/secret.git", pickup_deadline=timezone.now())


OTHER_ORG_OBJECT_BUILDERS: dict[str, Callable[[World], Any]] = {
    "membership_id": lambda world: world.other.membership("member"),
    "invitation_id": lambda world: InvitationFactory(organization=world.other.org, invited_by=world.other.owner),
    "token_id": _other_users_token,
    # The emailed link's secret: an invitation of the other org, addressed to someone else.
    "invitation_accept:token": lambda world: InvitationFactory(
        organization=world.other.org, invited_by=world.other.owner, email="someone-else@globex.example"
    ).raw_token,
    "runner_id": _lazy_model_builder("runner_id", "runners.Runner"),
    "integration_id": _lazy_model_builder("integration_id", "integrations.ScmIntegration"),
    "connection_id": _lazy_model_builder("connection_id", "integrations.Connection"),
    "project_id": other_org_project,
    "delivery_id": other_org_delivery,
    "prebuild_id": other_org_prebuild,
    "environment_id": other_org_environment,
    # The public webhook receiver's URL names a project by its uuid (see SIGNED_BY_BODY in walker.py).
    "project_uuid": lambda world: other_org_project(world).uuid,
}


# The authenticator app every test user with two-factor authentication has (base32, as apps show it).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None) -> str:
    """What an authenticator app shows now (RFC 6238, 30 s, 6 digits)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(at if at is not None else time.time()) // 30))


def give_totp(user: User, secret: str = TOTP_SECRET) -> User:
    """Set up an authenticator app for `user`, as allauth's activation does (secret encrypted at rest)."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    return user


def staff_with_mfa(email: str = "ops@portal.example") -> User:
    """An operator (staff, superuser) with an authenticator app, as the portal requires of staff."""
    return give_totp(UserFactory(email=email, is_staff=True, is_superuser=True))
