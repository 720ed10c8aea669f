"""Reads that every view, API view and admin action goes through, so the tenancy rule lives here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from portal.models import AuditEvent, Invitation, Membership, Organization, Role, User


def organizations_for_user(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("-is_personal", "name")


def membership_for(user: User, slug: str) -> Membership:
    """The user's membership of the org named by `slug`; 404 when there is none (no existence leak)."""
    if not user.is_authenticated:
        raise Http404("No such organization.")
    try:
        return Membership.objects.select_related("organization").get(organization__slug=slug, user=user)
    except Membership.DoesNotExist:
        raise Http404("No such organization.") from None


def org_for_user(user: User, slug: str, *, min_role: str = Role.MEMBER) -> tuple[Organization, Membership]:
    """The org scoping helper: another org is a 404, too small a role is a 403."""
    membership = membership_for(user, slug)
    if not membership.has_role(min_role):
        raise PermissionDenied(f"This needs the {Role(min_role).label.lower()} role in {membership.organization}.")
    return membership.organization, membership


def members_of(org: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=org).select_related("user").order_by("user__email")


def pending_invitations(org: Organization) -> QuerySet[Invitation]:
    from django.utils import timezone

    return (
        Invitation.objects.filter(organization=org, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .order_by("-created_at")
    )


def admins_without_mfa(org: Organization) -> list[Membership]:
    """Owners and admins of `org` with neither an authenticator app nor a security key (one query)."""
    from allauth.mfa.models import Authenticator
    from django.db.models import Exists, OuterRef

    from portal.mfa import SECOND_FACTORS

    second_factor = Authenticator.objects.filter(user_id=OuterRef("user_id"), type__in=SECOND_FACTORS)
    return list(Membership.objects.filter(organization=org, role__in=[Role.OWNER, Role.ADMIN])
                .exclude(Exists(second_factor)).select_related("user").order_by("user__email"))


def audit_events_for(org: Organization) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organization=org).select_related("actor").order_by("-created_at", "-id")
