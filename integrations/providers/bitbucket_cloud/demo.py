"""The demo runner's Bitbucket Cloud OAuth consumer, registered in the emulator (`make demo`)."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.providers.protocol import DemoApp

KEY, SECRET = "demo-acme-cloud-key", "demo-acme-cloud-secret-0123456789"


def demo_app(emulator_url: str) -> DemoApp:
    def registration(callback_url: str, scopes: Sequence[str]) -> dict:
        # A Bitbucket consumer carries its permissions: tick exactly what the dialog lists.
        return {"scopes": list(scopes), "key": KEY, "secret": SECRET, "name": "Acme portal (demo)",
                "callback_url": callback_url}

    # The Cloud host is a setting (BITBUCKET_CLOUD_WEB_URL), pointed at the emulator by the demo.
    return DemoApp(host="", client_id=KEY, client_secret=SECRET, control_path="/_emulator/cloud/consumers",
                   registration=registration,
                   revoke_path="/_emulator/cloud/tokens/revoke", optional_scopes=("webhook",))
