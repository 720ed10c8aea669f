"""The host check: the named step between validating repository-access input and saving it.

Reading a self-hosted instance (Bitbucket Server's version, its Base URL) is network I/O, so it is not
part of form validation: it runs once the input is valid, before any transaction, with its own
timeout (SCM_HOST_PROBE_TIMEOUT), and fails with its own plain-words error.

While an instance is down, a save that does not need it goes through: only a new host or turning
OAuth on (which the instance's version must allow) needs the instance to answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from django.conf import settings

from integrations.models import ScmIntegration
from integrations.providers import Provider, get_provider
from integrations.providers.protocol import HostUnreachable


@dataclass(frozen=True)
class HostCheck:
    version: str = ""  # what the instance runs; "" when the provider has no probe
    warning: str = ""  # for the admin, not a refusal (a Base URL left unset, the instance down)
    # Form field -> why this save is refused; empty when it may go ahead.
    refusals: Mapping[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> dict[str, list[str]]:
        return {name: [message] for name, message in self.refusals.items()}


def probe_timeout() -> httpx.Timeout:
    seconds = settings.SCM_HOST_PROBE_TIMEOUT
    return httpx.Timeout(seconds, connect=min(5.0, seconds))


@dataclass(frozen=True)
class SavedHost:
    """What the row being edited holds: the host as last saved and what was read from it then."""

    host: str
    oauth_enabled: bool
    version: str


def integration_host_check(
    *, provider: Provider, host: str, oauth_enabled: bool, saved: SavedHost | None = None
) -> HostCheck:
    """Probe `host` if `provider` has self-hosted instances; `saved` is the edited row's state, if any."""
    try:
        report = provider.probe_host(host, timeout=probe_timeout(), oauth_enabled=oauth_enabled)
    except HostUnreachable as exc:
        if saved is None or _needs_the_instance(host=host, oauth_enabled=oauth_enabled, saved=saved):
            return HostCheck(refusals={"host": f"{exc.message} It has to answer before a new host is saved or "
                                               "OAuth is turned on; try again when it is up."})
        return HostCheck(version=saved.version,
                         warning=f"{exc.message} The other settings were saved; the version shown is the last "
                                 "one read.")
    if report is None:
        return HostCheck()
    return HostCheck(version=report.version, warning=report.warning, refusals=dict(report.refusals))


def _needs_the_instance(*, host: str, oauth_enabled: bool, saved: SavedHost) -> bool:
    if saved.host != host or not saved.version:
        return True
    return oauth_enabled and not saved.oauth_enabled


def host_check_for_form(form) -> HostCheck:
    """The host check for a valid ScmIntegrationForm (the dialog, the API and the admin inline).

    The saved state comes from the form's initial data: a valid ModelForm has already copied the new
    values onto its instance."""
    data = form.cleaned_data
    instance: ScmIntegration = form.instance
    saved = None
    if instance.pk:
        saved = SavedHost(host=form.initial.get("host") or "", oauth_enabled=bool(form.initial.get("oauth_enabled")),
                          version=instance.server_version)
    return integration_host_check(provider=get_provider(data["provider"]), host=data["host"],
                                  oauth_enabled=bool(data.get("oauth_enabled")), saved=saved)
