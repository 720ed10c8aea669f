"""Reads of connections and of the integrations a user may connect to, always scoped to the user's orgs."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import Connection, ScmIntegration
from integrations.providers import OAUTH_PROVIDER_IDS
from portal.models import Organization


def integration_list_connectable(*, user, oauth_key: str | None = None) -> list[ScmIntegration]:
    """OAuth-ready integrations of every org `user` belongs to; none for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return []
    qs = (ScmIntegration.objects.filter(organization__memberships__user=user, provider__in=OAUTH_PROVIDER_IDS,
                                        oauth_enabled=True)
          .exclude(client_id="").select_related("runner", "organization").distinct())
    if oauth_key is not None:
        qs = qs.filter(oauth_key=oauth_key)
    return [integration for integration in qs if integration.oauth_ready]


def integration_list_oauth(*, org: Organization) -> QuerySet[ScmIntegration]:
    """The org's integrations of providers users connect by OAuth, ready or not (the Connections page)."""
    return (ScmIntegration.objects.filter(organization=org, provider__in=OAUTH_PROVIDER_IDS)
            .select_related("runner").order_by("runner__name", "provider", "host"))


def integration_get_in_org(*, org: Organization, integration_id: int) -> ScmIntegration:
    return get_object_or_404(ScmIntegration.objects.select_related("runner", "organization"),
                             pk=integration_id, organization=org)


def connection_map_by_integration(*, user, org: Organization) -> dict[int, Connection]:
    return {c.integration_id: c for c in Connection.objects.filter(user=user, organization=org, shared=False)}


def connection_get_for_user(*, user, integration: ScmIntegration) -> Connection | None:
    return Connection.objects.filter(user=user, integration=integration, shared=False).first()


def connection_get_own(*, org: Organization, user, connection_id: int) -> Connection:
    """Only the user's own connection; anyone else's is a 404."""
    return get_object_or_404(Connection.objects.select_related("integration__runner", "integration__organization"),
                             pk=connection_id, organization=org, user=user)


def _visible(org: Organization) -> QuerySet[Connection]:
    return (Connection.objects.filter(organization=org)
            .select_related("integration__runner", "user").order_by("integration__runner__name", "integration_id",
                                                                    "-shared", "pk"))


def connection_list_visible(*, org: Organization, user, is_admin: bool, user_id: int | None = None
                            ) -> QuerySet[Connection]:
    """The caller's own connections plus the org's shared ones; an admin may ask for one member's instead."""
    qs = _visible(org)
    if user_id is not None and is_admin:
        return qs.filter(user_id=user_id, shared=False)
    return qs.filter(Q(user=user, shared=False) | Q(shared=True))


def connection_get_visible(*, org: Organization, user, is_admin: bool, connection_id: int) -> Connection:
    """One connection the caller may see: their own, a shared one, or (admins) any of the org's. Else 404."""
    qs = _visible(org) if is_admin else _visible(org).filter(Q(user=user, shared=False) | Q(shared=True))
    return get_object_or_404(qs, pk=connection_id)


def connection_shared_map(*, org: Organization) -> dict[int, Connection]:
    """The org's shared connection per integration id (the Connections page)."""
    return {c.integration_id: c for c in Connection.objects.filter(organization=org, shared=True)
            .select_related("user")}
