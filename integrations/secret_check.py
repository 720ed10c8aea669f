"""Asking the runner's agent whether a sealed client secret is usable, and acting on its answer.

The portal cannot open a secret sealed in a browser or by an API client, nor see the token URL and
client ID sealed with it. So right after such a secret is saved, the agent is asked to open it and
compare (`secret.check`); a Connect that finds it unusable says the same. Either way the secret is
marked for re-entry and the dialog says so.
"""

from __future__ import annotations

import logging

from integrations.models import ScmIntegration
from integrations.services import integration_secret_reject
from portal.errors import Unavailable
from runners import channel
from runners.protocol.jobs import SECRET_UNUSABLE, SecretCheckPayload

logger = logging.getLogger(__name__)
# The admin waits for this in the dialog; an agent that is online answers in well under a second.
CHECK_TIMEOUT = 8.0


def secret_expectations(integration: ScmIntegration) -> dict:
    """What a job about a caller-sealed secret tells the agent to expect inside it (nothing for a
    secret the portal sealed itself: it wrote the token URL and client ID in)."""
    if not integration.sealed_by_caller:
        return {}
    return {"integration_key": integration.oauth_key, "token_url": integration.token_url,
            "client_id": integration.client_id}


def is_secret_unusable(message: str) -> bool:
    return SECRET_UNUSABLE in (message or "")


def integration_secret_check(*, integration: ScmIntegration) -> str:
    """"" when the agent opened the secret or could not be asked (offline, busy, too old: the first
    Connect will tell); otherwise the agent's reason, and the secret is marked for re-entry."""
    payload = SecretCheckPayload(sealed=integration.client_secret_sealed, integration_id=integration.pk,
                                 **secret_expectations(integration))
    try:
        answer = channel.request(integration.runner, payload, timeout=CHECK_TIMEOUT)
    except Unavailable as exc:
        logger.info("Secret check for integration %s not done: %s", integration.pk, exc.message)
        return ""
    if answer.opens:
        return ""
    integration_secret_reject(integration=integration, reason=answer.reason)
    return answer.reason
