"""From repository-access input to the database: the one path for the dialog, the API and the admin.

1. `ScmIntegrationForm` validates (no network);
2. `host_check` reads a self-hosted instance (network, its own timeout, outside any transaction);
3. `services.integration_create` / `integration_update` write (keyword arguments, one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from integrations import services
from integrations.forms import ScmIntegrationForm
from integrations.host_check import HostCheck, host_check_for_form
from integrations.models import ScmIntegration
from integrations.secret_check import integration_secret_check
from portal.errors import ValidationFailed, summary_message


@dataclass(frozen=True)
class Submitted:
    integration: ScmIntegration
    host_check: HostCheck
    # For a secret sealed outside the portal: what the runner said when asked to open it ("" = fine or
    # not asked, e.g. the runner is offline and the first Connect will tell).
    secret_problem: str = ""


@sensitive_variables("data", "fields")
def integration_submit(*, form: ScmIntegrationForm, actor, host_check: HostCheck | None = None) -> Submitted:
    """Raises ValidationFailed naming the field, for the form's refusals and for the host's.

    `host_check` is passed when the caller already ran it (the admin checks while it validates)."""
    if not form.is_valid():
        raise ValidationFailed.from_form(form)
    check = host_check or host_check_for_form(form)
    if check.refusals:
        raise ValidationFailed(summary_message(check.fields), fields=check.fields)
    data = form.cleaned_data
    fields = {
        "host": data["host"],
        "oauth_enabled": bool(data.get("oauth_enabled")),
        "pat_enabled": bool(data.get("pat_enabled")),
        "client_id": data.get("client_id") or "",
        "client_secret": data.get("client_secret") or "",
        "client_secret_sealed": data.get("client_secret_sealed"),
        "optional_scopes": data.get("optional_scopes") or [],
        "server_version": check.version,
        # The provider's declared options (an Azure DevOps organization, a Bitbucket Cloud workspace).
        "options": data.get("options") or {},
    }
    if form.instance.pk:
        integration = services.integration_update(integration=form.instance, actor=actor, **fields)
    else:
        integration = services.integration_create(runner=form.runner, actor=actor, provider=data["provider"],
                                                   **fields)
    problem = integration_secret_check(integration=integration) if fields["client_secret_sealed"] else ""
    return Submitted(integration=integration, host_check=check, secret_problem=problem)
