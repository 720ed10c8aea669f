"""Security events in the audit trail: sign-in failures, second-factor changes and failures, and (from the
middleware here) a runner credential used from an address it was never used from.

Events about a person's own account (not about an org's settings) have no organization: operators read
them in the admin's Audit events; a runner's events belong to its org and show in its Activity.
"""

from __future__ import annotations

import threading
import time

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from portal.audit import audit_record
from portal.models import AuditEvent, User

LABEL_CHARS = 255


def client_address(request: HttpRequest | None) -> str:
    """The client's address as the sign-in rate limits see it (allauth's trusted-proxy rules)."""
    if request is None:
        return ""
    try:
        return get_account_adapter(request).get_client_ip(request) or ""
    except Exception:  # noqa: BLE001 - no address is not a reason to lose the event
        return request.META.get("REMOTE_ADDR", "")


@receiver(user_login_failed)
def record_sign_in_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    typed = str(credentials.get("email") or credentials.get("username") or "")[:LABEL_CHARS]
    user = User.objects.filter(email__iexact=typed).first() if typed else None
    audit_record(organization=None, actor=None, actor_label=f"sign-in from {client_address(request) or 'unknown'}",
                 action="auth.login_failed", target=user, target_label=typed or "(no email)",
                 after={"address": client_address(request)})


@receiver(mfa_signals.authentication_failed)
def record_second_factor_failure(sender, request, user, **kwargs) -> None:
    audit_record(organization=None, actor=user, action="auth.mfa_failed", target=user, target_label=user.email,
                 after={"address": client_address(request), "reauthentication": bool(kwargs.get("reauthentication"))})


def _authenticator_event(action: str, request, user, authenticator) -> None:
    audit_record(organization=None, actor=user, action=action, target=user, target_label=user.email,
                 after={"type": str(authenticator.type)})


@receiver(mfa_signals.authenticator_added)
def record_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    _authenticator_event("mfa.authenticator_added", request, user, authenticator)


@receiver(mfa_signals.authenticator_removed)
def record_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    _authenticator_event("mfa.authenticator_removed", request, user, authenticator)


@receiver(mfa_signals.authenticator_reset)
def record_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    _authenticator_event("mfa.recovery_codes_regenerated", request, user, authenticator)


NEW_ADDRESS = "runner.credential_new_address"
_SEEN_FOR = 24 * 3600  # seconds a seen address is remembered in the cache before the trail is asked again
# This process's own memory of the same, for the runner channel's async long poll: a re-poll from a known
# address then needs no cache round trip (Redis in production) and so no thread. Shorter than the shared
# cache's, which stays the record every process agrees on.
_LOCAL_FOR = 3600.0
_local_lock = threading.Lock()
_local_seen: dict[tuple[int, str], float] = {}


class RunnerAddressMiddleware:
    """After an agent call authenticated by a runner credential, record the first use from each address.

    Kept out of the agent API's views: DRF puts the runner on the request (`request.auth`) and this reads
    it once the view answered. The cache spares the trail a query on every long poll."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/runner/") and response.status_code < 400:
            runner = getattr(request, "auth", None)
            if runner is not None and type(runner).__name__ == "Runner":
                runner_seen_from(runner, client_address(request))
        return response


def runner_seen_from(runner, address: str) -> bool:
    """Record (once) that `runner`'s credential was used from `address`; True when it was new."""
    if not address:
        return False
    if runner_address_known_here(runner.pk, address):
        return False
    key = f"runner-address:{runner.pk}:{address}"
    if cache.get(key):
        _remember_here(runner.pk, address)
        return False
    known = AuditEvent.objects.filter(action=NEW_ADDRESS, target_type="runners.runner", target_id=str(runner.pk),
                                      after__address=address).exists()
    if not known:
        earlier = list(AuditEvent.objects.filter(action=NEW_ADDRESS, target_type="runners.runner",
                                                 target_id=str(runner.pk)).values_list("after__address", flat=True)[:5])
        audit_record(organization=runner.organization, actor=None, actor_label=f"runner agent {runner.name}",
                     action=NEW_ADDRESS, target=runner, target_label=runner.name,
                     after={"address": address, "earlier_addresses": earlier})
    cache.set(key, 1, timeout=_SEEN_FOR)
    _remember_here(runner.pk, address)
    return not known


def runner_address_known_here(runner_id: int, address: str) -> bool:
    """True when this process recorded `address` for the runner lately (no I/O: safe on an event loop)."""
    with _local_lock:
        expiry = _local_seen.get((runner_id, address))
    return expiry is not None and expiry > time.monotonic()


def _remember_here(runner_id: int, address: str) -> None:
    with _local_lock:
        if len(_local_seen) > 100_000:  # bounded: a flood of addresses must not grow the process
            _local_seen.clear()
        _local_seen[(runner_id, address)] = time.monotonic() + _LOCAL_FOR
