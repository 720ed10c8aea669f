"""The self-hosted hosts a parser may recognise: those registered in the portal, per org."""

from __future__ import annotations

from integrations.models import ScmIntegration


def known_hosts_list(*, org=None) -> list[tuple[str, str]]:
    """(provider id, base URL) of the integrations registered for `org` (every org when None)."""
    rows = ScmIntegration.objects.all() if org is None else ScmIntegration.objects.filter(organization=org)
    return sorted(set(rows.values_list("provider", "host")))
