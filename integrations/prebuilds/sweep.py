"""The prebuild sweep (Celery beat, every PREBUILD_SWEEP_SECONDS): prebuilds whose runner went quiet fail
with the reason, and statuses left unposted (broker down at the time) are handed to a worker."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.prebuilds.agent_work import RUNNER_STOPPED, _finish
from integrations.prebuilds.models import CommitStatus, PostState, Prebuild, PrebuildState
from integrations.prebuilds.services import stale_before
from integrations.prebuilds.statuses import enqueue_post
from runners.models import RunnerJob

STATUS_REPOST_AFTER = timedelta(minutes=1)


def _fail_if(pk: int, condition: Q, reason: str) -> bool:
    """Fail one prebuild if it still matches `condition` under its row lock (a report may have just come in)."""
    with transaction.atomic():
        prebuild = Prebuild.objects.select_for_update(of=("self",)).filter(condition, pk=pk).first()
        if prebuild is None:
            return False
        _finish(prebuild, PrebuildState.FAILED, reason)
        return True


def prebuilds_sweep(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    stale = stale_before(now)
    failed = 0
    running_stale = Q(state=PrebuildState.RUNNING, last_progress_at__lt=stale)
    for pk in Prebuild.objects.filter(running_stale).values_list("pk", flat=True):
        failed += _fail_if(pk, running_stale, RUNNER_STOPPED)
    # Claimed by an agent that then went silent before it started the work.
    claimed_stale = Q(state=PrebuildState.QUEUED, job__state=RunnerJob.State.CLAIMED, runner__last_seen_at__lt=stale)
    for pk in Prebuild.objects.filter(claimed_stale).values_list("pk", flat=True):
        failed += _fail_if(pk, claimed_stale, "The runner stopped answering before it started this prebuild.")
    hours = settings.PREBUILD_QUEUE_TIMEOUT_SECONDS / 3600
    never_picked = Q(state=PrebuildState.QUEUED) & (
        Q(job__isnull=True) | Q(job__state=RunnerJob.State.EXPIRED) |
        Q(job__state=RunnerJob.State.PENDING, job__expires_at__lt=now))
    for pk in Prebuild.objects.filter(never_picked).values_list("pk", flat=True):
        failed += _fail_if(pk, never_picked, f"No runner picked this prebuild up within {hours:g} hours: "
                                             "is the project's runner online?")
    reposted = 0
    waiting = (CommitStatus.objects.filter(post_state=PostState.PENDING, created_at__lt=now - STATUS_REPOST_AFTER)
               .values_list("prebuild_id", flat=True).distinct())
    for prebuild_id in list(waiting)[:500]:
        reposted += enqueue_post(prebuild_id)
    return {"failed": failed, "statuses_requeued": reposted}
