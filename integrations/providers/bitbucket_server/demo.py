"""The demo runner's Bitbucket Server application link, registered in the emulator (`make demo`)."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.providers.protocol import DemoApp

CLIENT_ID, CLIENT_SECRET = "demo-acme-server-client", "demo-acme-server-secret-0123456789"


def demo_app(emulator_url: str) -> DemoApp:
    def registration(callback_url: str, scopes: Sequence[str]) -> dict:
        return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "name": "Acme portal (demo)",
                "redirect_uri": callback_url}

    return DemoApp(host=f"{emulator_url.rstrip('/')}/bbs/bitbucket", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                   control_path="/_emulator/server/oauth-clients", registration=registration,
                   revoke_path="/_emulator/server/tokens/revoke",
                   optional_scopes=("REPO_ADMIN",))
