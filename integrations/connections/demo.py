"""Demo only (DEMO_EMULATOR_URL set by `make demo`): revoke a connection's token at the emulator, as a
user would in their account settings at the provider, to watch the next sweep find it. A 404 elsewhere."""

from __future__ import annotations

import httpx
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from integrations.models import Connection


class DemoError(Exception):
    pass


def enabled() -> bool:
    return bool(settings.DEMO_EMULATOR_URL)


@sensitive_variables()
def revoke_at_emulator(connection: Connection) -> None:
    """Both tokens, as removing the app's access in the provider's account settings does."""
    app = connection.integration.scm_provider.demo_app(settings.DEMO_EMULATOR_URL)
    if app is None or not app.revoke_path:
        raise DemoError(f"The emulator has no {connection.integration.spec.label} to revoke tokens at.")
    for token in filter(None, (connection.access_token, connection.refresh_token)):
        try:
            response = httpx.post(f"{settings.DEMO_EMULATOR_URL.rstrip('/')}{app.revoke_path}",
                                  json={"token": token}, timeout=10)
        except httpx.HTTPError as exc:
            raise DemoError(f"The emulator did not answer ({type(exc).__name__}).") from None
        if response.status_code >= 400:
            raise DemoError("The emulator refused to revoke the token.")
