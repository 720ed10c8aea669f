"""What both long-poll paths (the async one and the DRF view) hand an agent: one claimed job, as JSON."""

from __future__ import annotations

import json

from portal.crypto import decrypt_str
from runners import services
from runners.agent_api import serializers as s
from runners.models import Runner


def claim_job_body(runner: Runner) -> dict | None:
    """Claim this runner's oldest live job and return the body the agent receives, or None."""
    job = services.runner_job_claim_next(runner=runner)
    if job is None:
        return None
    payload = json.loads(decrypt_str(job.payload_encrypted)) if job.payload_encrypted else {}
    return s.JobSerializer({"id": job.pk, "kind": job.kind, "payload": payload, "expires_at": job.expires_at}).data
