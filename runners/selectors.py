"""Reads of runners. Tenant reads start from an org that `portal.selectors.org_for_user` returned."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import Organization
from portal.services import hash_token
from runners import credential_cache
from runners.models import Runner, RunnerStatus, online_window


def runners_for_org(org: Organization) -> QuerySet[Runner]:
    return Runner.objects.filter(organization=org).order_by("name")


def runner_for_org(org: Organization, runner_id: int) -> Runner:
    """Another org's runner is a 404, like a runner that does not exist."""
    runner = runners_for_org(org).filter(pk=runner_id).first()
    if runner is None:
        raise Http404("No such runner.")
    runner.organization = org  # spare a query in audit events and templates
    return runner


def status_q(status: str) -> Q:
    """The `Runner.status` property as a filter (admin filter, API filter)."""
    recent = Q(last_seen_at__gte=timezone.now() - online_window())
    has_key = ~Q(public_key="")
    if status == RunnerStatus.PENDING:
        return Q(public_key="")
    if status == RunnerStatus.ONLINE:
        return has_key & recent
    if status == RunnerStatus.OFFLINE:
        return has_key & (Q(last_seen_at__isnull=True) | ~recent)
    raise ValueError(f"Unknown runner status {status!r}")


def runner_for_credential(credential: str) -> Runner | None:
    """Served from runners.credential_cache while this process hears the runner channel."""
    if not credential:
        return None
    key = hash_token(credential)
    runner = credential_cache.get(key)
    if runner is None:
        generation = credential_cache.generation()
        runner = Runner.objects.select_related("organization").filter(credential_hash=key).first()
        if runner is not None:
            credential_cache.put(key, runner, read_at_generation=generation)
    return runner


AGENT_STATE_DIR = "~/.scm-runner"


def agent_commands(token: str) -> dict[str, str]:
    return {
        "register": f"python -m runners.agent register --portal {settings.PORTAL_BASE_URL} --token {token} "
                    f"--state-dir {AGENT_STATE_DIR}",
        "run": f"python -m runners.agent run --state-dir {AGENT_STATE_DIR}",
    }
