"""What a browser needs to seal a client secret itself (static/js/seal-secret.js): the runner's X25519
key and suite, the `info` binding runner and integration, and the token URL and client authentication
to seal beside the secret. None of it is secret; the portal computes it so the browser repeats no rule.
"""

from __future__ import annotations

from integrations.hosts import host_for_callback
from integrations.models import ScmIntegration
from integrations.models.integration import oauth_key_for
from integrations.providers import PROVIDERS
from runners.models import Runner
from runners.protocol.sealing import SealError, sealing_info_for_key
from runners.sealing import runner_browser_key, runner_sealing_key


def browser_seal_context(*, runner: Runner, provider_id: str, raw_host: str,
                         integration: ScmIntegration | None = None, browser: bool = True) -> dict:
    """Raises SealError when the caller cannot seal here (then the form sends the secret to the portal).

    `browser=False` (an API client with `cryptography`, `python -m runners.agent seal`): the runner's
    strongest key, the post-quantum hybrid one when it has it."""
    if not runner.opens_suites:
        raise SealError(f"The runner {runner.name}'s agent predates secrets sealed outside the portal; upgrade it, "
                        "or let the portal seal the secret.")
    key = runner_browser_key(runner) if browser else runner_sealing_key(runner)
    if key is None:
        raise SealError(f"The runner {runner.name}'s agent cannot open secrets sealed in a browser; the portal "
                        "seals this one.")
    provider = PROVIDERS.get(integration.provider if integration else provider_id)
    if provider is None:
        raise SealError("Choose a provider first.")
    host = host_for_callback(provider, raw_host)
    if host is None:
        raise SealError("Enter the host URL first: the secret is sealed together with the token URL.")
    integration_key = integration.oauth_key if integration else oauth_key_for(
        runner_id=runner.pk, provider=provider.spec.id, host=host)
    return {
        "suite": key.suite,
        "public_key": key.public_key,
        "key_fingerprint": key.fingerprint,
        "info": sealing_info_for_key(runner.pk, integration_key).decode("ascii"),
        "token_url": provider.spec.token_url(host),
        "client_auth": provider.spec.client_auth,
    }
