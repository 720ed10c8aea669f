"""Writes to runners and their jobs. Web views, the REST API, the agent API and the admin all call these."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from portal.audit import audit_record
from portal.crypto import encrypt_str
from portal.errors import Conflict, Forbidden, ValidationFailed
from portal.models import Organization, User
from portal.services import hash_token
from runners import credential_cache, pulse, wakeup
from runners.models import Runner, RunnerJob
from runners.protocol.sealing import (
    KEY_KIND_HYBRID,
    KEY_KIND_X25519,
    KEY_SUITES,
    SUITES,
    SealError,
    seal,
)

REGISTRATION_TOKEN_PREFIX = "rrt_"
CREDENTIAL_PREFIX = "rnc_"
EDITABLE_FIELDS = ("name", "kind", "cloud_provider", "region")
MAX_RESULT_BYTES = 256 * 1024
MAX_ERROR_CHARS = 1000


def _summary(runner: Runner) -> dict:
    return {"name": runner.name, "kind": runner.kind, "cloud_provider": runner.cloud_provider, "region": runner.region}


def _validated_save(runner: Runner, *, update_fields: list[str] | None = None) -> None:
    try:
        runner.full_clean(exclude=["credential_hash", "registration_token_hash", "public_key"], validate_unique=False,
                         validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    name_taken = Runner.objects.filter(organization_id=runner.organization_id, name=runner.name).exclude(pk=runner.pk)
    message = f"There is already a runner named {runner.name} in this organization."
    if name_taken.exists():
        raise ValidationFailed(f"name: {message}", fields={"name": [message]})
    try:
        with transaction.atomic():
            runner.save(update_fields=update_fields)
    except IntegrityError:  # a concurrent create with the same name
        raise ValidationFailed(f"name: {message}", fields={"name": [message]}) from None


def _new_registration_token(runner: Runner) -> str:
    token = REGISTRATION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    runner.registration_token_hash = hash_token(token)
    ttl = timedelta(hours=settings.RUNNER_REGISTRATION_TOKEN_TTL_HOURS)
    runner.registration_token_expires_at = timezone.now() + ttl
    return token


@transaction.atomic
def runner_create(
    *, org: Organization, actor: User | None, name: str, kind: str, cloud_provider: str = "", region: str = ""
) -> tuple[Runner, str]:
    """Returns the runner and its registration token, which is never retrievable again."""
    runner = Runner(organization=org, name=(name or "").strip(), kind=kind, cloud_provider=cloud_provider or "",
                    region=(region or "").strip(), created_by=actor if getattr(actor, "pk", None) else None)
    token = _new_registration_token(runner)
    _validated_save(runner)
    audit_record(organization=org, actor=actor, action="runner.created", target=runner, after=_summary(runner))
    return runner, token


@transaction.atomic
def runner_update(*, runner: Runner, actor: User | None, **changes: str) -> Runner:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"Cannot change {', '.join(sorted(unknown))}.")
    before = _summary(runner)
    for field, value in changes.items():
        setattr(runner, field, (value or "").strip())
    _validated_save(runner, update_fields=list(EDITABLE_FIELDS))
    after = _summary(runner)
    if after != before:
        audit_record(organization=runner.organization, actor=actor, action="runner.updated", target=runner,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})
    return runner


@transaction.atomic
def runner_delete(*, runner: Runner, actor: User | None) -> None:
    audit_record(organization=runner.organization, actor=actor, action="runner.deleted", target=runner,
                 before=_summary(runner))
    runner.delete()


@transaction.atomic
def runner_registration_token_regenerate(*, runner: Runner, actor: User | None) -> str:
    """A new one-time token; the previous one stops working. Registering again replaces the key."""
    token = _new_registration_token(runner)
    runner.save(update_fields=["registration_token_hash", "registration_token_expires_at"])
    audit_record(organization=runner.organization, actor=actor, action="runner.registration_token_regenerated",
                 target=runner, after={"expires_at": runner.registration_token_expires_at.isoformat()})
    return token


def _check_public_key(public_key: str, suite: str, *, kind: str = KEY_KIND_X25519, field: str = "public_key",
                      suite_field: str = "suite") -> None:
    if suite != KEY_SUITES[kind]:
        message = f"Unsupported key suite {suite!r}; this portal takes {KEY_SUITES[kind]} here."
        raise ValidationFailed(f"{suite_field}: {message}", fields={suite_field: ["Unsupported key suite."]})
    try:
        # A trial seal rejects malformed and degenerate keys now, not when an admin saves a secret.
        seal(public_key, b"probe", b"scm-portal/v1 key-check", suite=suite)
    except SealError as exc:
        raise ValidationFailed(f"{field}: {exc}", fields={field: [str(exc)]}) from None


def _checked_keys(public_key: str, suite: str, hybrid_public_key: str, hybrid_suite: str,
                  opens_suites: list[str] | None) -> dict:
    """The key fields to write. No hybrid key means none (a rotation to X25519 drops the old one)."""
    _check_public_key(public_key, suite)
    if bool(hybrid_public_key) != bool(hybrid_suite):
        raise ValidationFailed("hybrid_suite: Send the hybrid public key and its suite together.",
                               fields={"hybrid_suite": ["Send it with hybrid_public_key."]})
    if hybrid_public_key:
        _check_public_key(hybrid_public_key, hybrid_suite, kind=KEY_KIND_HYBRID, field="hybrid_public_key",
                          suite_field="hybrid_suite")
    # Only suites this portal knows; the registered keys' own suites are opened by definition. An agent
    # that says nothing (older versions) keeps an empty list: Runner.can_open then allows its keys' suites.
    opens = ({name for name in opens_suites if name in SUITES} | {suite} | ({hybrid_suite} - {""})
             if opens_suites else set())
    return {"public_key": public_key, "key_suite": suite, "hybrid_public_key": hybrid_public_key or "",
            "hybrid_key_suite": hybrid_suite or "", "opens_suites": sorted(opens)}


def _agent_label(runner: Runner) -> str:
    return f"runner agent {runner.name}"


# The transaction is a `with` block: transaction.atomic's decorator frame would hold the tokens as kwds.
@sensitive_variables("registration_token", "credential")
def runner_register(
    *, registration_token: str, public_key: str, suite: str, agent_version: str = "", hostname: str = "",
    hybrid_public_key: str = "", hybrid_suite: str = "", opens_suites: list[str] | None = None,
) -> tuple[Runner, str]:
    """Consumes a registration token; returns the runner and its new agent credential (shown once)."""
    with transaction.atomic():
        runner = (Runner.objects.select_for_update().select_related("organization")
                  .filter(registration_token_hash=hash_token(registration_token or "")).first())
        if runner is None:
            raise Forbidden("This registration token is not valid. It may have been used already or regenerated.",
                            code="invalid_registration_token")
        if runner.registration_token_expires_at is None or runner.registration_token_expires_at <= timezone.now():
            raise Forbidden("This registration token has expired. Generate a new one on the runner's page.",
                            code="expired_registration_token")
        keys = _checked_keys(public_key, suite, hybrid_public_key, hybrid_suite, opens_suites)
        before = _key_summary(runner)
        credential = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        for field, value in keys.items():
            setattr(runner, field, value)
        runner.key_registered_at = now
        runner.credential_hash = hash_token(credential)
        runner.registration_token_hash = None
        runner.registration_token_expires_at = None
        runner.agent_version, runner.hostname = (agent_version or "")[:40], (hostname or "")[:255]
        runner.last_seen_at = now
        runner.save()
        audit_record(organization=runner.organization, actor=None, actor_label=_agent_label(runner),
                     action="runner.registered", target=runner, before=before,
                     after={**_key_summary(runner), "hostname": runner.hostname})
        return runner, credential


def _key_summary(runner: Runner) -> dict:
    summary = {"fingerprint": runner.key_fingerprint}
    if runner.hybrid_public_key:
        summary.update(hybrid_fingerprint=runner.hybrid_key_fingerprint, hybrid_suite=runner.hybrid_key_suite)
    return summary


@transaction.atomic
def runner_rotate_key(*, runner: Runner, public_key: str, suite: str, hybrid_public_key: str = "",
                      hybrid_suite: str = "", opens_suites: list[str] | None = None) -> Runner:
    """New agent keys. Secrets sealed to the old keys cannot be re-sealed here: they need re-entry."""
    keys = _checked_keys(public_key, suite, hybrid_public_key, hybrid_suite, opens_suites)
    runner = Runner.objects.select_for_update().select_related("organization").get(pk=runner.pk)
    if runner.public_key == public_key or (hybrid_public_key and runner.hybrid_public_key == hybrid_public_key):
        raise Conflict("This public key is already registered.")
    before = _key_summary(runner)
    for field, value in keys.items():
        setattr(runner, field, value)
    runner.key_registered_at = timezone.now()
    runner.save(update_fields=[*keys, "key_registered_at"])
    audit_record(organization=runner.organization, actor=None, actor_label=_agent_label(runner),
                 action="runner.key_rotated", target=runner, before=before, after=_key_summary(runner))
    return runner


def runner_seen(*, runner: Runner, agent_version: str | None = None, opens_suites: list[str] | None = None) -> None:
    """Every authenticated agent call lands here; no audit event, it is a pulse, not a change.

    Batched (runners.pulse): a runner whose last write is recent joins the next bulk update instead
    of writing a row per call; a change (agent version, suites), or a runner not written lately, is written now.
    """
    now = timezone.now()
    fields: dict = {}
    if agent_version is not None and agent_version[:40] != runner.agent_version:
        fields["agent_version"] = agent_version[:40]
    if opens_suites is not None:
        # An upgraded agent says so in its heartbeat; the registered keys' suites always stay openable.
        registered = {runner.key_suite, runner.hybrid_key_suite} - {""}
        opens = sorted({name for name in opens_suites if name in SUITES} | registered)
        if opens != sorted(runner.opens_suites or []):
            fields["opens_suites"] = opens
    if fields:
        Runner.objects.filter(pk=runner.pk).update(last_seen_at=now, **fields)
        credential_cache.note_fields(runner.pk, fields)  # or every call would write them again
        pulse.written(runner.pk)
    else:
        pulse.seen(runner.pk)
    for name, value in {"last_seen_at": now, **fields}.items():
        setattr(runner, name, value)


# Jobs ------------------------------------------------------------------------------------------


@transaction.atomic
def runner_job_create(*, runner: Runner, kind: str, payload: dict, timeout: float) -> RunnerJob:
    now = timezone.now()
    job = RunnerJob.objects.create(runner=runner, kind=kind, payload_encrypted=encrypt_str(json.dumps(payload)),
                                   created_at=now, expires_at=now + timedelta(seconds=timeout))
    wakeup.publish(wakeup.JOB, runner.pk)  # delivered at commit, when the agent can see the row
    return job


def runner_job_claim_next(*, runner: Runner) -> RunnerJob | None:
    """The oldest live job of this runner, claimed atomically; two agents never get the same job."""
    if connection.vendor == "postgresql":
        return _claim_in_one_statement(runner)
    # Elsewhere (SQLite, the demo) a conditional update is the claim.
    job = RunnerJob.objects.filter(runner=runner, state=RunnerJob.State.PENDING,
                                   expires_at__gt=timezone.now()).order_by("id").first()
    if job is None:
        return None
    claimed = RunnerJob.objects.filter(pk=job.pk, state=RunnerJob.State.PENDING).update(
        state=RunnerJob.State.CLAIMED, claimed_at=timezone.now())
    if not claimed:
        return None
    job.state = RunnerJob.State.CLAIMED
    return job


def _claim_in_one_statement(runner: Runner) -> RunnerJob | None:
    """One round trip instead of four (a transaction around a locking read and an update): the claim is
    on the path of every job a waiting agent receives, and under load each round trip costs milliseconds.
    SKIP LOCKED lets two agents sharing a runner claim different jobs, never the same one."""
    now = timezone.now()
    claimed = RunnerJob.objects.raw(
        """UPDATE runners_runnerjob SET state = %s, claimed_at = %s WHERE id = (
                SELECT id FROM runners_runnerjob WHERE runner_id = %s AND state = %s AND expires_at > %s
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, runner_id, kind, state, payload_encrypted, created_at, expires_at, claimed_at""",
        [RunnerJob.State.CLAIMED, now, runner.pk, RunnerJob.State.PENDING, now])
    return next(iter(claimed), None)


def runner_job_finish(
    *, runner: Runner, job_id: int, ok: bool, result: dict | None = None, error: str = ""
) -> None:
    """The agent's answer. Scoped by runner: another runner's job id does not exist for this one."""
    if ok:
        encoded = json.dumps(result if result is not None else {})
        if len(encoded) > MAX_RESULT_BYTES:
            raise ValidationFailed(f"result: Larger than {MAX_RESULT_BYTES} bytes.",
                                   fields={"result": ["Too large."]})
        fields = {"state": RunnerJob.State.DONE, "result_encrypted": encrypt_str(encoded)}
    else:
        fields = {"state": RunnerJob.State.FAILED,
                  "error": (error or "The agent reported an error.")[:MAX_ERROR_CHARS]}
    # The conditional update is the check: only a claimed job takes an answer, once. The agent has what
    # it needed, so the payload (which may hold a refresh token) goes now.
    finished = RunnerJob.objects.filter(pk=job_id, runner=runner, state=RunnerJob.State.CLAIMED).update(
        payload_encrypted="", finished_at=timezone.now(), **fields)
    if not finished:
        state = RunnerJob.objects.filter(pk=job_id, runner=runner).values_list("state", flat=True).first()
        if state is None:
            raise Http404("No such job.")
        raise Conflict(f"This job is {RunnerJob.State(state).label.lower()}; the portal no longer waits for it.",
                       code="job_not_claimed")
    # After the commit, not in it: one round trip fewer, and the waiting caller reads a committed row.
    # Should this process die in between, the caller's safety net finds the answer.
    wakeup.publish(wakeup.ANSWER, job_id)


def runner_job_expire(*, job: RunnerJob) -> bool:
    """Stop waiting. False when the agent answered first (the caller should read the answer)."""
    updated = RunnerJob.objects.filter(
        pk=job.pk, state__in=[RunnerJob.State.PENDING, RunnerJob.State.CLAIMED]
    ).update(state=RunnerJob.State.EXPIRED, payload_encrypted="", finished_at=timezone.now())
    return bool(updated)


def runner_job_forget(*, job: RunnerJob) -> None:
    """After the caller read the answer: no token lingers in the table."""
    RunnerJob.objects.filter(pk=job.pk).update(payload_encrypted="", result_encrypted="")


def runner_jobs_purge(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Old finished rows and abandoned ones (a portal process died while waiting). For a periodic task."""
    now = timezone.now()
    RunnerJob.objects.filter(state__in=[RunnerJob.State.PENDING, RunnerJob.State.CLAIMED],
                             expires_at__lt=now).update(state=RunnerJob.State.EXPIRED, payload_encrypted="",
                                                        result_encrypted="", finished_at=now)
    deleted, _ = RunnerJob.objects.filter(created_at__lt=now - older_than).delete()
    return deleted
