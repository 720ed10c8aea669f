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


def audit_events_for(org: Organization, *, actor: str = "", action: str = "", target_type: str = "",
                     target_id: str = "") -> QuerySet[AuditEvent]:
    """The org's trail, newest first, narrowed by the Activity page's filters (an empty one is no filter)."""
    events = AuditEvent.objects.filter(organization=org)
    for field, value in (("actor_label", actor), ("action", action), ("target_type", target_type),
                         ("target_id", target_id)):
        if value:
            events = events.filter(**{field: value})
    return events.select_related("actor").order_by("-created_at", "-id")


def audit_filter_values(org: Organization) -> dict[str, list[str]]:
    """What the Activity filters offer: the actors, actions and target kinds the org's trail holds."""
    # One query for the three lists: the distinct combinations are few (actors x actions x kinds in use).
    combos = (AuditEvent.objects.filter(organization=org).order_by()
              .values_list("actor_label", "action", "target_type").distinct())
    actors, actions, targets = set(), set(), set()
    for actor, action, target_type in combos:
        actors.add(actor)
        actions.add(action)
        targets.add(target_type)
    return {"actor": sorted(actors - {""}), "action": sorted(actions - {""}), "target": sorted(targets - {""})}


def audit_target_label(org: Organization, target_type: str, target_id: str) -> str | None:
    """The latest label the trail gave one target, or None when the org's trail never named it."""
    return (AuditEvent.objects.filter(organization=org, target_type=target_type, target_id=target_id)
            .order_by("-created_at", "-id").values_list("target_label", flat=True).first())
