from __future__ import annotations

from django import template

from integrations.models.integration import SecretState
from integrations.selectors import integration_health, integration_list

register = template.Library()


@register.inclusion_tag("integrations/_repository_access_section.html")
def repository_access_section(org, membership, runner):
    integrations = [_with_health(i) for i in integration_list(runner=runner)]
    return {
        "org": org,
        "runner": runner,
        "can_edit": membership.has_role("admin"),
        "integrations": integrations,
        "reentry_count": sum(i.secret_state == SecretState.NEEDS_REENTRY for i in integrations),
    }


def _with_health(integration):
    integration.health = integration_health(integration)
    return integration
