"""What a browser needs to seal a client secret itself (static/js/seal-secret.js): the runner's X25519
key and suite, the `info` binding runner and integration, and the token URL and client authentication
to seal beside the secret. None of it is secret; the portal computes it so the browser repeats no rule.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError

from integrations.hosts import host_for_callback
from integrations.models import ScmIntegration
from integrations.models.integration import oauth_key_for
from integrations.providers import PROVIDERS, Provider
from runners.models import Runner
from runners.protocol.sealing import SealError, sealing_info_for_key
from runners.sealing import runner_browser_key, runner_sealing_key


def browser_seal_context(*, runner: Runner, provider_id: str, raw_host: str,
                         integration: ScmIntegration | None = None, browser: bool = True,
                         raw_options: Mapping[str, str] | None = None) -> dict:
    """Raises SealError when the caller cannot seal here (then the form sends the secret to the portal).

    `raw_options`: the provider options as typed, saved or not (an Entra tenant changes the token URL sealed
    beside the secret); options left out keep their saved values.
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
        "token_url": provider.token_url(host, _options(provider, integration, raw_options or {})),
        "client_auth": provider.spec.client_auth,
    }


def typed_options(query: Mapping[str, str]) -> dict[str, str]:
    """`options.<key>` query parameters (the dialog's fields, an API caller's) as {key: value}."""
    return {name.removeprefix("options."): str(value) for name, value in query.items()
            if name.startswith("options.")}


def _options(provider: Provider, integration: ScmIntegration | None, raw: Mapping[str, str]) -> dict[str, str]:
    """The options the token URL is built from: what was typed over what is saved, checked as the form checks
    them, so the secret is sealed with the token URL the integration will have once saved."""
    fields = {o.key: o.label for o in provider.option_fields if o.seals_with_secret}
    saved = {k: v for k, v in (integration.options or {}).items() if k in fields} if integration else {}
    typed = {k: v for k, v in raw.items() if k in fields}
    try:
        return provider.clean_options({**saved, **typed}, only=fields)
    except ValidationError as exc:
        wrong = [label for key, label in fields.items() if key in exc.message_dict]
        raise SealError(f"Correct the {' and '.join(wrong)} first: the secret is sealed together with the token "
                        "URL it is part of.") from None
