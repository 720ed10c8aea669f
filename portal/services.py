"""Writes to tenancy data. Views, the API and the admin all call these, so rules cannot drift."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from portal.audit import audit_change, audit_record
from portal.errors import Conflict, Forbidden, ValidationFailed
from portal.models import ApiToken, Invitation, Membership, Organization, Role, User
from portal.models.tenancy import RESERVED_SLUGS

INVITATION_TTL = timedelta(days=7)


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _unique_slug(base: str) -> str:
    base = slugify(base)[:40].strip("-") or "org"
    slug, n = base, 1
    # A reserved path segment (`api`, `admin`...) is never an org's slug: take the next free variant.
    while slug in RESERVED_SLUGS or Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, user: User, name: str, slug: str = "", is_personal: bool = False) -> Organization:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name: Enter a name.", fields={"name": ["Enter a name."]})
    slug = slug.strip().lower() if slug else _unique_slug(name)
    org = Organization(name=name, slug=slug, is_personal=is_personal)
    org.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise ValidationFailed(
            "slug: That URL name is taken.", fields={"slug": ["That URL name is taken."]}
        ) from None
    Membership.objects.create(organization=org, user=user, role=Role.OWNER)
    audit_record(organization=org, actor=user, action="organization.created", target=org, after={"name": name})
    return org


PERSONAL_SUFFIX = " (personal)"


def personal_organization_create(*, user: User) -> Organization:
    local = user.email.split("@", 1)[0]
    # The name is derived, not typed: it must fit whatever the address is.
    name_max = Organization._meta.get_field("name").max_length - len(PERSONAL_SUFFIX)
    return organization_create(user=user, name=f"{local[:name_max]}{PERSONAL_SUFFIX}", slug=_unique_slug(local),
                               is_personal=True)


@transaction.atomic
def organization_update(*, org: Organization, actor: User, name: str) -> Organization:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name: Enter a name.", fields={"name": ["Enter a name."]})
    before = {"name": org.name}
    org.name = name
    org.full_clean(validate_unique=False)
    org.save(update_fields=["name"])
    audit_change(organization=org, actor=actor, action="organization.updated", target=org, before=before,
                 after={"name": name})
    return org


@transaction.atomic
def organization_set_require_mfa(*, org: Organization, actor_membership: Membership, required: bool) -> Organization:
    """An owner requires (or stops requiring) a second factor of the org's owners and admins."""
    from portal.mfa import has_second_factor

    if not actor_membership.has_role(Role.OWNER):
        raise Forbidden("Only owners can change the two-factor requirement.")
    if required and not has_second_factor(actor_membership.user):
        message = "Set up two-factor authentication for your own account first, so the requirement cannot lock you out."
        raise ValidationFailed(f"require_mfa: {message}", fields={"require_mfa": [message]})
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if org.require_mfa == required:
        return org
    before = {"require_mfa": org.require_mfa}
    org.require_mfa = required
    org.save(update_fields=["require_mfa"])
    audit_record(organization=org, actor=actor_membership.user, action="organization.mfa_requirement_changed",
                 target=org, before=before, after={"require_mfa": required})
    return org


@transaction.atomic
def organization_delete(*, org: Organization, actor: User) -> None:
    # The trail of a deleted org goes with it; this line keeps a record for operators.
    audit_record(organization=None, actor=actor, action="organization.deleted", target_label=f"{org.name} ({org.slug})")
    org.delete()


def _owner_count(org: Organization) -> int:
    return Membership.objects.filter(organization=org, role=Role.OWNER).count()


@transaction.atomic
def membership_change_role(*, membership: Membership, actor_membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(f"role: Choose one of {', '.join(Role.values)}.", fields={"role": ["Invalid role."]})
    if not actor_membership.has_role(Role.OWNER):
        raise Forbidden("Only owners can change roles.")
    # Lock the org's owner rows so two owners demoting each other cannot leave none.
    list(Membership.objects.select_for_update().filter(organization=membership.organization, role=Role.OWNER))
    membership.refresh_from_db()
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.organization) <= 1:
        raise Conflict("An organization needs at least one owner. Make someone else an owner first.")
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit_change(organization=membership.organization, actor=actor_membership.user, action="membership.role_changed",
                 target=membership, target_label=membership.user.email, before=before, after={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor_membership: Membership) -> None:
    org = membership.organization
    leaving = membership.pk == actor_membership.pk
    if not leaving:
        if not actor_membership.has_role(Role.ADMIN):
            raise Forbidden("Only admins and owners can remove members.")
        if membership.role == Role.OWNER and not actor_membership.has_role(Role.OWNER):
            raise Forbidden("Only owners can remove an owner.")
    list(Membership.objects.select_for_update().filter(organization=org, role=Role.OWNER))
    if membership.role == Role.OWNER and _owner_count(org) <= 1:
        raise Conflict("The last owner cannot leave. Make someone else an owner, or delete the organization.")
    audit_record(organization=org, actor=actor_membership.user,
                 action="membership.left" if leaving else "membership.removed",
                 target=membership, target_label=membership.user.email, before={"role": membership.role})
    membership.delete()


def _invitation_url(token: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{reverse('invitation_accept', args=[token])}"


def _check_inviter_may_give(org: Organization, actor: User, role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed("role: Choose a valid role.", fields={"role": ["Choose a valid role."]})
    if role == Role.OWNER and not Membership.objects.filter(organization=org, user=actor, role=Role.OWNER).exists():
        raise Forbidden("Only owners can invite owners.")


@sensitive_variables("token")
def _new_link(invitation: Invitation) -> str:
    """A fresh token for the invitation (only its hash is kept, so an earlier link stops working)."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + INVITATION_TTL
    return token


@sensitive_variables("token", "url", "context")
def _mail_link(invitation: Invitation, *, actor: User, token: str) -> None:
    org = invitation.organization
    url = _invitation_url(token)
    context = {"org": org, "inviter": actor, "url": url, "invitation": invitation}
    transaction.on_commit(lambda: send_mail(
        subject=f"You are invited to {org.name}",
        message=render_to_string("portal/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    ))


def _pending_message(invitation: Invitation) -> str:
    return (f"{invitation.email} already has a pending invitation (as {invitation.get_role_display().lower()}, "
            f"until {invitation.expires_at:%Y-%m-%d}). Resend it or change its role under Pending invitations.")


@sensitive_variables("token")
@transaction.atomic
def invitation_create(*, org: Organization, actor: User, email: str, role: str = Role.MEMBER) -> Invitation:
    email = (email or "").strip().lower()
    _check_inviter_may_give(org, actor, role)
    if Membership.objects.filter(organization=org, user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member.", fields={"email": ["Already a member."]})
    # Inviting again never silently replaces a live invitation (its link and role): the page offers
    # Resend and Change role for that. An expired one is replaced.
    pending = Invitation.objects.select_for_update().filter(organization=org, email=email, accepted_at__isnull=True)
    for invitation in pending:
        if invitation.expires_at > timezone.now():
            message = _pending_message(invitation)
            raise Conflict(message, fields={"email": [message]})
    pending.delete()
    invitation = Invitation(organization=org, email=email, role=role, invited_by=actor)
    token = _new_link(invitation)
    invitation.full_clean(exclude=["token_hash"])
    invitation.save()
    audit_record(organization=org, actor=actor, action="invitation.created", target=invitation, target_label=email,
                 after={"email": email, "role": role})
    _mail_link(invitation, actor=actor, token=token)
    return invitation


def _locked_pending(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().select_related("organization").filter(pk=invitation.pk).first()
    if locked is None or locked.accepted_at is not None:
        raise Conflict(f"The invitation of {invitation.email} was accepted or revoked in the meantime.")
    return locked


@sensitive_variables("token")
@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """Mail a new link, valid for another INVITATION_TTL; the earlier link stops working (we keep only
    hashes, so the same link cannot be sent again). The role stays as it was."""
    locked = _locked_pending(invitation)
    token = _new_link(locked)
    locked.save(update_fields=["token_hash", "expires_at"])
    audit_record(organization=locked.organization, actor=actor, action="invitation.resent", target=locked,
                 target_label=locked.email, after={"role": locked.role})
    _mail_link(locked, actor=actor, token=token)
    return locked


@transaction.atomic
def invitation_change_role(*, invitation: Invitation, actor: User, role: str) -> Invitation:
    """The role the invited address joins with; the link already sent keeps working."""
    locked = _locked_pending(invitation)
    if locked.expires_at <= timezone.now():
        raise Conflict(f"The invitation of {locked.email} has expired. Invite the address again.")
    _check_inviter_may_give(locked.organization, actor, role)
    if locked.role == Role.OWNER and role != Role.OWNER:
        _check_inviter_may_give(locked.organization, actor, Role.OWNER)  # only an owner un-invites an owner
    before = {"role": locked.role}
    locked.role = role
    locked.save(update_fields=["role"])
    audit_change(organization=locked.organization, actor=actor, action="invitation.role_changed", target=locked,
                 target_label=locked.email, before=before, after={"role": role})
    return locked


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("organization", "invited_by").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None or invitation.accepted_at is not None:
        raise ValidationFailed("This invitation link is not valid any more.")
    if invitation.expires_at <= timezone.now():
        raise ValidationFailed("This invitation has expired. Ask for a new one.")
    if invitation.email.lower() != user.email.lower():
        raise Forbidden(f"This invitation is for {invitation.email}. Sign in with that address to accept it.")
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        audit_record(organization=invitation.organization, actor=user, action="invitation.accepted",
                     target=membership, target_label=user.email, after={"role": membership.role})
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    audit_record(organization=invitation.organization, actor=actor, action="invitation.revoked",
                 target=invitation, target_label=invitation.email)
    invitation.delete()


@sensitive_variables("value")
@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the row and the token value, which is never retrievable again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("name: Give the token a name of at most 100 characters.",
                               fields={"name": ["Give the token a name of at most 100 characters."]})
    value = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(value), hint=value[:10])
    audit_record(organization=None, actor=user, action="api_token.created", target=token, target_label=str(token),
                 after={"name": name})
    return token, value


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(organization=None, actor=actor or token.user, action="api_token.revoked", target=token,
                     target_label=str(token), before={"name": token.name})
